/** Who a user is, for enriching other contexts' answers (a product's creator, an order's customer). */
export interface UserSummary {
  id: string;
  name: string;
}

export interface UserDirectory {
  /**
   * null when the user is unknown or the users service cannot be reached: callers degrade, never fail. A lookup
   * that goes out continues the caller's trace (`traceparent`).
   */
  find(userId: string, traceparent?: string): Promise<UserSummary | null>;
}
