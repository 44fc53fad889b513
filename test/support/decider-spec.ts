import assert from 'node:assert/strict';
import type { Absent, Decider, DomainEvent } from '../../src/domain/shared/decider.js';
import { DomainError, type DomainErrorKind } from '../../src/domain/shared/errors.js';

/**
 * given(events).when(command).then(events) for a decider:
 *   const { given } = deciderSpec(productDecider);
 *   given(created).when(reserve).then(reserved);
 *   given(created).when(adjust).thenRefuses('rule_violated', 'stock_below_reserved');
 */
export const deciderSpec = <State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>) => ({
  given: (...history: Event[]) => ({
    when: (command: Command) => {
      const decide = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
      return {
        then: (...expected: Event[]) => assert.deepEqual(decide(), expected),
        thenNothing: () => assert.deepEqual(decide(), []),
        thenRefuses: (kind: DomainErrorKind, code?: string) =>
          assert.throws(decide, (error: unknown) => {
            assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
            assert.equal(error.kind, kind);
            if (code !== undefined) assert.equal(error.code, code);
            return true;
          }),
      };
    },
  }),
});

/** The state of an aggregate that must exist by now (asserted), narrowed to its existing variants. */
export const existing = <State extends { status: string }>(state: State): Exclude<State, Absent> => {
  assert.notEqual(state.status, 'absent', 'the aggregate does not exist');
  return state as Exclude<State, Absent>;
};
