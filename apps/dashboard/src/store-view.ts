/** A recipient with stored messages, as the dashboard lists it. */
export interface RecipientSummary {
  readonly aor: string;
  readonly count: number;
  readonly bytes: number;
  /** Creation time of the oldest stored message, ms since the epoch. */
  readonly oldestCreatedAt: number | undefined;
}

/** One stored message, as the dashboard lists it (never its body). */
export interface MessageSummary {
  readonly id: string;
  readonly from: string;
  readonly kind: 'pager' | 'large';
  readonly contentType: string;
  readonly size: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly attempts: number;
}

/** What the dashboard reads from and does to the store. */
export interface StoreView {
  recipients(): Promise<RecipientSummary[]>;
  messages(aor: string): Promise<MessageSummary[]>;
  /** Removes one stored message; false when it was already gone. */
  purge(aor: string, id: string): Promise<boolean>;
  /** MSRP upload sessions reserved or bound right now. */
  activeSessions(): Promise<number>;
}
