import type { SagaStep, StepStatus } from './saga-document.js';

/** The steps with `name` set to `status` (added at the end when new); attempts count the one that succeeded. */
export const withStep = (steps: readonly SagaStep[], name: string, status: StepStatus, at: string, error: string | null = null): SagaStep[] => {
  const index = steps.findIndex((step) => step.name === name);
  if (index === -1) return [...steps, { name, status, at, attempts: status === 'pending' ? 0 : 1, error }];
  const current = steps[index]!;
  const finished = status === 'succeeded' || status === 'rejected';
  const attempts = finished && current.status !== 'failed' ? Math.max(current.attempts, 0) + 1 : current.attempts;
  const next: SagaStep = { name, status, at, attempts, error: status === 'succeeded' ? null : (error ?? current.error) };
  return steps.map((step, position) => (position === index ? next : step));
};

/** Adds the steps not there yet as pending; leaves the others alone. */
export const withPendingSteps = (steps: readonly SagaStep[], names: readonly string[], at: string): SagaStep[] =>
  names.reduce<SagaStep[]>((all, name) => (all.some((step) => step.name === name) ? all : withStep(all, name, 'pending', at)), [...steps]);

/** A failed attempt: counted, and its error kept as the step's last. */
export const withFailedAttempt = (steps: readonly SagaStep[], name: string, status: 'retrying' | 'failed', attempts: number, error: string, at: string): SagaStep[] => {
  const known = steps.some((step) => step.name === name);
  const all = known ? [...steps] : [...steps, { name, status, at, attempts: 0, error }];
  return all.map((step) => (step.name === name ? { ...step, status, at, attempts: Math.max(step.attempts, attempts), error } : step));
};
