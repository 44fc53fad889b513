/**
 * Refusals a decider can give. The HTTP edge maps each kind to one status in one place:
 * not_found → 404, conflict → 409 (the current state forbids it), rule_violated → 422 (a business rule says no).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'rule_violated';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (code: string, message: string): DomainError => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string): DomainError => new DomainError('conflict', code, message);
export const ruleViolated = (code: string, message: string): DomainError => new DomainError('rule_violated', code, message);
