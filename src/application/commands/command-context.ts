/** Who asked, and in answer to what: recorded in the metadata of every event a command appends. */
export interface CommandContext {
  correlationId: string;
  /** The request or event that caused the command; defaults to the correlation id. */
  causationId?: string;
  userId?: string;
  traceparent?: string;
}
