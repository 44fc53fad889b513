/** How far the read models are: what read-your-writes, readiness and saga recovery wait on. */
export interface ReadModelProgress {
  /** Resolves true once the named read model has processed `position`, false after `timeoutMs`. */
  waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean>;
}
