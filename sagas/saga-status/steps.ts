import type { SagaStep, StepStatus } from './saga-document.js';

// Plain loops: a settled market's saga has a step per position, and every payout recorded touches one of them.

const indexOf = (steps: readonly SagaStep[], name: string): number => {
  for (let index = 0; index < steps.length; index++) if (steps[index]!.name === name) return index;
  return -1;
};

/** A copy of the steps with the one at `index` replaced, or `step` added at the end when `index` is -1. */
const replaced = (steps: readonly SagaStep[], index: number, step: SagaStep): SagaStep[] => {
  const copy = steps.slice();
  if (index === -1) copy.push(step);
  else copy[index] = step;
  return copy;
};

/** The steps with `name` set to `status` (added at the end when new); attempts count the one that succeeded. */
export const withStep = (steps: readonly SagaStep[], name: string, status: StepStatus, at: string, error: string | null = null): SagaStep[] => {
  const index = indexOf(steps, name);
  if (index === -1) return replaced(steps, -1, { name, status, at, attempts: status === 'pending' ? 0 : 1, error });
  const current = steps[index]!;
  const finished = status === 'succeeded' || status === 'rejected';
  const attempts = finished && current.status !== 'failed' ? current.attempts + 1 : current.attempts;
  return replaced(steps, index, { name, status, at, attempts, error: status === 'succeeded' ? null : (error ?? current.error) });
};

/** Adds the steps not there yet as pending; leaves the others alone. */
export const withPendingSteps = (steps: readonly SagaStep[], names: readonly string[], at: string): SagaStep[] => {
  const all = steps.slice();
  for (const name of names) if (indexOf(all, name) === -1) all.push({ name, status: 'pending', at, attempts: 0, error: null });
  return all;
};

/** A failed attempt: counted, and its error kept as the step's last. */
export const withFailedAttempt = (steps: readonly SagaStep[], name: string, status: 'retrying' | 'failed', attempts: number, error: string, at: string): SagaStep[] => {
  const index = indexOf(steps, name);
  const known = index === -1 ? 0 : steps[index]!.attempts;
  return replaced(steps, index, { name, status, at, attempts: Math.max(known, attempts), error });
};

/** Whether any step failed, and whether every step succeeded. */
export const stepsSummary = (steps: readonly SagaStep[]): { failed: boolean; allSucceeded: boolean } => {
  let failed = false;
  let allSucceeded = true;
  for (const step of steps) {
    if (step.status === 'failed') failed = true;
    if (step.status !== 'succeeded') allSucceeded = false;
  }
  return { failed, allSucceeded };
};
