import type { ChunkOptions, StoreLimits } from './limits.js';
import type { CpimInfo } from './new-message.js';
import type { RedisClient } from './scripts.js';

/** How a `MessageStore` is set up. */
export interface MessageStoreOptions {
  /** An ioredis client or Cluster. */
  readonly client: RedisClient;
  /** Prefix of every key, e.g. `ph`. */
  readonly prefix: string;
  /** Quotas and per-message limits, over `DEFAULT_LIMITS`. */
  readonly limits?: Partial<StoreLimits>;
  /** Large-message chunking, over `DEFAULT_CHUNK_OPTIONS`. */
  readonly chunks?: Partial<ChunkOptions>;
  /**
   * With replicas (one node, not Cluster): acknowledge only after `replicas` replicas confirmed the
   * write within `timeoutMs` (Redis `WAIT`); fewer → STORE_ERR_NOT_REPLICATED.
   */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number };
}

/** A pager message to store. */
export interface PagerInput {
  /** Recipient AOR. */
  readonly to: string;
  /** Sender (SIP From URI). */
  readonly from: string;
  /** Content-Type of `body` (e.g. message/cpim). */
  readonly contentType: string;
  /** The body, stored and delivered byte for byte. */
  readonly body: Buffer;
  /** The request's `Expires` (seconds); the store keeps the message min(this, maxTtlSeconds). */
  readonly expiresInSeconds?: number;
  /** IMDN details when the body is CPIM (see `@pigeonhole/cpim`). */
  readonly cpim?: CpimInfo;
}

/** A large message upload to open. */
export interface LargeInput {
  /** Recipient AOR. */
  readonly to: string;
  /** Sender (SIP From URI). */
  readonly from: string;
  /** Content-Type of the MSRP message. */
  readonly contentType: string;
  /** The size the sender announced (SDP `a=max-size`, file-selector `size`); reserved from the start. */
  readonly announcedSize?: number;
  /** The request's `Expires` (seconds). */
  readonly expiresInSeconds?: number;
}

/** A recipient with stored messages. */
export interface RecipientSummary {
  readonly aor: string;
  /** Messages held, uploads in progress included. */
  readonly count: number;
  /** Bytes held, reservations of uploads in progress included. */
  readonly bytes: number;
  /** `createdAt` of the oldest visible message (ms). */
  readonly oldestCreatedAt: number | undefined;
}
