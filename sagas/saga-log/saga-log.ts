import type { Decider } from '../../src/domain/shared/decider.js';
import { conflict } from '../../src/domain/shared/errors.js';
import type { Reaction, SagaType } from '../reaction.js';
import type { SagaEvent } from './events.js';

export type SagaLogCommand =
  | { type: 'NoteAttemptFailed'; data: { sagaId: string; sagaType: SagaType; step: string; attempt: number; error: string } }
  | { type: 'NoteDeadLetter'; data: { sagaId: string; sagaType: SagaType; step: string; attempts: number; error: string; reaction: Reaction } }
  | { type: 'RetrySaga'; data: { sagaId: string; by: string } };

/** What went wrong in a saga's steps: the dead letters not retried yet, per step. */
export interface SagaLog {
  sagaType: SagaType | null;
  deadLetters: ReadonlyMap<string, Reaction>;
}

export const initialState = (): SagaLog => ({ sagaType: null, deadLetters: new Map() });

/** A saga's own stream holds what its steps' attempts did that no aggregate records: failures, dead letters, retries. */
export const decide = (command: SagaLogCommand, state: SagaLog): SagaEvent[] => {
  switch (command.type) {
    case 'NoteAttemptFailed':
      // A step may run in two jobs at once (the boot recovery re-derives the work of a saga whose job is in flight):
      // once one has dead-lettered it, the other's failures are moot, and would show the step retrying again.
      if (state.deadLetters.has(command.data.step)) return [];
      return [{ type: 'SagaStepAttemptFailed', data: command.data }];
    case 'NoteDeadLetter':
      if (state.deadLetters.has(command.data.step)) return [];
      return [{ type: 'SagaStepDeadLettered', data: command.data }];
    case 'RetrySaga': {
      if (state.deadLetters.size === 0 || state.sagaType === null) throw conflict('no_failed_step', 'no step of this saga has failed');
      const steps = [...state.deadLetters.keys()];
      return [
        {
          type: 'SagaRetried',
          data: { sagaId: command.data.sagaId, sagaType: state.sagaType, steps, reactions: [...state.deadLetters.values()], by: command.data.by },
        },
      ];
    }
  }
};

export const evolve = (state: SagaLog, event: SagaEvent): SagaLog => {
  switch (event.type) {
    case 'SagaStepAttemptFailed':
      return { ...state, sagaType: event.data.sagaType };
    case 'SagaStepDeadLettered':
      return { sagaType: event.data.sagaType, deadLetters: new Map(state.deadLetters).set(event.data.step, event.data.reaction) };
    case 'SagaRetried':
      return { ...state, deadLetters: new Map() };
  }
};

export const sagaLogDecider: Decider<SagaLog, SagaLogCommand, SagaEvent> = { decide, evolve, initialState };

export const sagaLogStream = (sagaId: string): string => `saga-${sagaId}`;
