/** Limits the store enforces. Every field has a default (see {@link DEFAULT_LIMITS}). */
export interface StoreLimits {
  /** Stored messages per recipient (committed and uploads in progress). */
  readonly maxMessages: number;
  /** Stored bytes per recipient (committed and reserved). */
  readonly maxBytes: number;
  /** Largest pager message body (RFC 3428 §5: 1300 bytes by default). */
  readonly pagerMaxBytes: number;
  /** Largest large message. */
  readonly largeMaxBytes: number;
  /** Longest a message is kept, in seconds. */
  readonly maxTtlSeconds: number;
}

/** Tuning of large-message storage. */
export interface ChunkOptions {
  /** Bytes per chunk key. @defaultValue 262144 (256 KiB) */
  readonly chunkBytes: number;
  /** Bytes a writer may have sent to Redis without a reply; beyond it, writes wait. @defaultValue 4 MiB */
  readonly maxInFlightBytes: number;
  /** An upload not committed within this many seconds of its last write is reclaimed. @defaultValue 600 */
  readonly pendingTtlSeconds: number;
  /** Quota is reserved in steps of this many bytes when the size was not announced. @defaultValue 16 MiB */
  readonly reserveStepBytes: number;
}

export const DEFAULT_LIMITS: StoreLimits = {
  maxMessages: 1000,
  maxBytes: 2 * 1024 ** 3,
  pagerMaxBytes: 1300,
  largeMaxBytes: 2 * 1024 ** 3,
  maxTtlSeconds: 7 * 24 * 3600,
};

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = {
  chunkBytes: 256 * 1024,
  maxInFlightBytes: 4 * 1024 * 1024,
  pendingTtlSeconds: 600,
  reserveStepBytes: 16 * 1024 * 1024,
};

/**
 * A pending upload's chunk keys expire on their own after this long: a last net for an upload that no
 * sweep reclaims (the reclaim deletes them first), and long enough for any live upload, whose commit
 * still refuses to make a message with a missing chunk visible. Stored messages have no TTL.
 */
export const PENDING_CHUNK_TTL_SECONDS = 24 * 3600;
