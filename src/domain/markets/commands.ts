/** `now` is an ISO 8601 instant supplied by the application: the decider never reads a clock. */
export type MarketCommand =
  | {
      type: 'CreateMarket';
      data: { marketId: string; question: string; outcomes: string[]; closesAt: string; createdBy: string; now: string };
    }
  | { type: 'PlacePosition'; data: { positionId: string; userId: string; outcome: string; stake: number; now: string } }
  | { type: 'CloseMarket'; data: { now: string } }
  | { type: 'ResolveMarket'; data: { winningOutcome: string; now: string } }
  // Issued by the market-settlement saga:
  | { type: 'RecordPayout'; data: { positionId: string } };
