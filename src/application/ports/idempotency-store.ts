/**
 * Remembers the answer given to each `Idempotency-Key`, so a repeated request replays it instead of
 * running again. A key is first *claimed* (in progress, with a short lease so a crash cannot hold it
 * forever), then *completed* with the response, which is kept for the retention period (24 h).
 */

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type KeyState =
  | { state: 'claimed' }
  | { state: 'in_progress'; fingerprint: string }
  | { state: 'completed'; fingerprint: string; response: StoredResponse };

export interface IdempotencyStore {
  /** Claims the key for this request unless another request holds or completed it; says which. */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<KeyState>;
  complete(key: string, fingerprint: string, response: StoredResponse, retentionMs: number): Promise<void>;
  /** Gives the key up (the request failed on our side), so a retry runs afresh. */
  release(key: string, fingerprint: string): Promise<void>;
  close(): Promise<void>;
}
