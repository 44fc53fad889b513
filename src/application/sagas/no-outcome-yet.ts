/**
 * A step that could not end yet for a reason time may mend: the payment gateway gave no answer (a timeout, a network
 * error, a 5xx, its circuit open) while the order still waits for its payment. The step is tried again after a
 * backoff for as long as that lasts, without using up the attempts that make a dead letter of a real fault.
 */
export class NoOutcomeYet extends Error {
  override readonly name = 'NoOutcomeYet';
}
