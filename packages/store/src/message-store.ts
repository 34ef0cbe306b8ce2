import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ChunkReader } from './body-reader.js';
import { storeKeys, type StoreKeys } from './keys.js';
import { LargeMessageWriter } from './large-message-writer.js';
import {
  DEFAULT_CHUNK_OPTIONS,
  DEFAULT_LIMITS,
  EXPIRY_GRACE_SECONDS,
  type ChunkOptions,
  type StoreLimits,
} from './limits.js';
import { defineScripts, runScript, type RedisClient } from './scripts.js';
import { StoreError, StoreErrorCode, checkScriptResult, unavailable } from './store-error.js';
import { META_FIELDS, decodeMeta, encodeMeta, type StoredMessage } from './stored-message.js';

/** How a {@link MessageStore} is set up. */
export interface MessageStoreOptions {
  /** An ioredis client or Cluster. */
  readonly client: RedisClient;
  /** Prefix of every key, e.g. `ph`. */
  readonly prefix: string;
  readonly limits?: Partial<StoreLimits>;
  readonly chunks?: Partial<ChunkOptions>;
  /** With replicas: acknowledge only after `replicas` replicas have the write (Redis `WAIT`). */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number };
}

/** What the IMDN machinery needs from a CPIM body, when the body is CPIM. */
export interface CpimInfo {
  readonly imdnId?: string;
  readonly dateTime?: string;
  readonly dispositions?: readonly string[];
  /** The raw CPIM header block. */
  readonly headers?: string;
}

/** A pager message to store. */
export interface PagerInput {
  readonly to: string;
  readonly from: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** The request's `Expires` (seconds); the store keeps the message min(this, maxTtlSeconds). */
  readonly expiresInSeconds?: number;
  readonly cpim?: CpimInfo;
}

/** A large message upload to open. */
export interface LargeInput {
  readonly to: string;
  readonly from: string;
  readonly contentType: string;
  /** The size the sender announced (SDP `a=max-size`, file-selector `size`); reserved from the start. */
  readonly announcedSize?: number;
  readonly expiresInSeconds?: number;
}

/** A recipient with stored messages. */
export interface RecipientSummary {
  readonly aor: string;
  readonly count: number;
  readonly bytes: number;
  readonly oldestCreatedAt: number | undefined;
}

/** A fresh message id: 96 random bits, URL-safe. */
export const newMessageId = (): string => randomBytes(12).toString('base64url');

/**
 * The deferred-message store: per-recipient inboxes in Redis, oldest first, with quotas, expiry and
 * idempotency by CPIM `imdn.Message-ID`. Every change that spans keys is one Lua script, so nothing is
 * ever half-visible; every promise resolves only after Redis replied.
 */
export class MessageStore {
  readonly #client: RedisClient;
  readonly #keys: StoreKeys;
  readonly #limits: StoreLimits;
  readonly #chunks: ChunkOptions;
  readonly #wait: MessageStoreOptions['waitForReplicas'];

  constructor(options: MessageStoreOptions) {
    this.#client = options.client;
    this.#keys = storeKeys(options.prefix);
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#chunks = { ...DEFAULT_CHUNK_OPTIONS, ...options.chunks };
    this.#wait = options.waitForReplicas;
    defineScripts(this.#client);
  }

  get limits(): StoreLimits {
    return this.#limits;
  }

  /**
   * Stores a pager message and makes it visible in one step. Resolves after Redis replied.
   * @throws StoreError TOO_LARGE, QUOTA_MESSAGES, QUOTA_BYTES or UNAVAILABLE (the caller answers 603).
   */
  async storePager(input: PagerInput): Promise<{ message: StoredMessage; duplicate: boolean }> {
    if (input.body.length > this.#limits.pagerMaxBytes) {
      throw new StoreError(
        StoreErrorCode.TOO_LARGE,
        `pager body of ${input.body.length} bytes exceeds ${this.#limits.pagerMaxBytes}`,
      );
    }
    const message = this.#newMessage({ ...input, kind: 'pager', size: input.body.length });
    const k = this.#keys;
    const aor = input.to;
    const reply = (await this.#run('storePager', {
      keys: [
        k.inbox(aor),
        k.expiry(aor),
        k.seq(aor),
        k.quota(aor),
        k.dedup(aor),
        k.meta(aor, message.id),
      ],
      args: [
        message.id,
        message.size,
        this.#limits.maxMessages,
        this.#limits.maxBytes,
        message.expiresAt,
        keyExpireAt(message.expiresAt),
        message.imdnId ?? '',
        ...encodeMeta(message),
        'body',
        input.body,
      ],
    })) as [number, string?];
    checkScriptResult(reply[0], `store for ${aor}`);
    await this.#afterStore(aor);
    const duplicate = reply[0] === 0;
    return { message: duplicate ? { ...message, id: reply[1] ?? message.id } : message, duplicate };
  }

  /**
   * Opens a large message upload: reserves quota for the announced size (or in steps as bytes arrive)
   * and returns a writer. The message is visible only after `writer.commit()`.
   * @throws StoreError TOO_LARGE, QUOTA_MESSAGES, QUOTA_BYTES or UNAVAILABLE.
   */
  async openLarge(input: LargeInput): Promise<LargeMessageWriter> {
    const announced = input.announcedSize ?? 0;
    if (announced > this.#limits.largeMaxBytes) {
      throw new StoreError(
        StoreErrorCode.TOO_LARGE,
        `announced size ${announced} exceeds ${this.#limits.largeMaxBytes}`,
      );
    }
    const message = this.#newMessage({ ...input, kind: 'large', size: 0 });
    const k = this.#keys;
    const aor = input.to;
    const now = Date.now();
    const reply = (await this.#run('openLarge', {
      keys: [k.quota(aor), k.pending(aor), k.meta(aor, message.id)],
      args: [
        message.id,
        announced,
        this.#limits.maxMessages,
        this.#limits.maxBytes,
        now,
        now + this.#chunks.pendingTtlSeconds * 1000,
        k.meta(aor, ''),
        ...encodeMeta(message),
      ],
    })) as [number];
    checkScriptResult(reply[0], `upload for ${aor}`);
    return new LargeMessageWriter({
      client: this.#client,
      keys: k,
      aor,
      id: message.id,
      expiresAt: message.expiresAt,
      reserved: announced,
      limits: this.#limits,
      chunks: this.#chunks,
      afterCommit: () => this.#afterStore(aor),
    });
  }

  /** Throws the StoreError a message of `bytes` would meet now (a check, not a reservation). */
  async checkQuota(aor: string, bytes: number, kind: 'pager' | 'large'): Promise<void> {
    const max = kind === 'pager' ? this.#limits.pagerMaxBytes : this.#limits.largeMaxBytes;
    if (bytes > max)
      throw new StoreError(
        StoreErrorCode.TOO_LARGE,
        `${bytes} bytes exceeds the ${kind} limit of ${max}`,
      );
    const { count, bytes: used } = await this.quota(aor);
    if (count + 1 > this.#limits.maxMessages)
      throw new StoreError(StoreErrorCode.QUOTA_MESSAGES, `${aor} has ${count} messages stored`);
    if (used + bytes > this.#limits.maxBytes)
      throw new StoreError(StoreErrorCode.QUOTA_BYTES, `${aor} has ${used} bytes stored`);
  }

  /** Messages and bytes counted against the recipient's quota (uploads in progress included). */
  async quota(aor: string): Promise<{ count: number; bytes: number }> {
    const [count, bytes] = await this.#client.hmget(this.#keys.quota(aor), 'count', 'bytes');
    return { count: Number(count ?? 0), bytes: Number(bytes ?? 0) };
  }

  /** Number of visible messages for `aor`. */
  count(aor: string): Promise<number> {
    return this.#client.zcard(this.#keys.inbox(aor));
  }

  /** The recipient's messages, oldest first. */
  async list(aor: string, options: { limit?: number } = {}): Promise<StoredMessage[]> {
    const ids = await this.#client.zrange(this.#keys.inbox(aor), 0, (options.limit ?? 1000) - 1);
    if (ids.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hmget(this.#keys.meta(aor, id), ...META_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([, values]) => values as (string | null)[])
      .filter((values) => values[0] !== null)
      .map(decodeMeta);
  }

  /** The oldest message, or undefined when the inbox is empty. */
  async peek(aor: string): Promise<StoredMessage | undefined> {
    return (await this.list(aor, { limit: 1 }))[0];
  }

  /** One message's metadata. */
  async get(aor: string, id: string): Promise<StoredMessage | undefined> {
    const values = await this.#client.hmget(this.#keys.meta(aor, id), ...META_FIELDS);
    return values[0] === null ? undefined : decodeMeta(values);
  }

  /**
   * The body as a stream, from byte `start` (0-based) for resumed delivery.
   * @throws StoreError NOT_FOUND when the message is gone.
   */
  async readBody(message: StoredMessage, options: { start?: number } = {}): Promise<Readable> {
    const start = options.start ?? 0;
    if (message.kind === 'pager') {
      const body = await this.#client.hgetBuffer(this.#keys.meta(message.to, message.id), 'body');
      if (!body) throw new StoreError(StoreErrorCode.NOT_FOUND, `message ${message.id} is gone`);
      return Readable.from([body.subarray(start)], { objectMode: false });
    }
    return new ChunkReader(
      {
        client: this.#client,
        chunkPrefix: this.#keys.chunkPrefix(message.to, message.id),
        size: message.size,
        chunkBytes: message.chunkBytes,
      },
      start,
    );
  }

  /** A pager message's body. */
  async readPagerBody(aor: string, id: string): Promise<Buffer> {
    const body = await this.#client.hgetBuffer(this.#keys.meta(aor, id), 'body');
    if (!body) throw new StoreError(StoreErrorCode.NOT_FOUND, `message ${id} is gone`);
    return body;
  }

  /**
   * The recipient accepted the message: delete it (body, metadata, inbox entry, quota share) in one
   * step. Resolves true when it was deleted, false when it was already gone.
   */
  async ack(aor: string, id: string): Promise<boolean> {
    const k = this.#keys;
    const deleted = await this.#run('ackMessage', {
      keys: [k.inbox(aor), k.expiry(aor), k.quota(aor), k.dedup(aor)],
      args: [id, k.meta(aor, '')],
    });
    await this.#forgetRecipientIfEmpty(aor);
    return deleted === 1;
  }

  /** Removes a message that failed permanently and returns its metadata (for a `failed` IMDN). */
  async remove(aor: string, id: string): Promise<StoredMessage | undefined> {
    const message = await this.get(aor, id);
    return (await this.ack(aor, id)) ? message : undefined;
  }

  /** Counts one more delivery attempt; returns the new count. */
  recordAttempt(aor: string, id: string): Promise<number> {
    return this.#client.hincrby(this.#keys.meta(aor, id), 'attempts', 1);
  }

  /** Removes `aor`'s expired messages and stale uploads; returns what it removed. */
  async sweepExpired(aor: string, now = Date.now()): Promise<StoredMessage[]> {
    const k = this.#keys;
    const removed = (await this.#run('sweepExpired', {
      keys: [k.inbox(aor), k.expiry(aor), k.quota(aor), k.dedup(aor), k.pending(aor)],
      args: [now, k.meta(aor, ''), 500, ...META_FIELDS],
    })) as (string | null)[][];
    await this.#forgetRecipientIfEmpty(aor);
    return removed.map((values) => decodeMeta(values.slice(1)));
  }

  /** Sweeps every recipient with stored messages. */
  async sweepAll(now = Date.now()): Promise<StoredMessage[]> {
    const aors = await this.#client.zrange(this.#keys.recipients(), 0, -1);
    const removed: StoredMessage[] = [];
    for (const aor of aors) removed.push(...(await this.sweepExpired(aor, now)));
    return removed;
  }

  /** Recipients with stored messages: count, bytes, age of the oldest. */
  async recipients(): Promise<RecipientSummary[]> {
    const aors = await this.#client.zrange(this.#keys.recipients(), 0, -1);
    return Promise.all(
      aors.map(async (aor) => {
        const [quota, oldest] = await Promise.all([this.quota(aor), this.peek(aor)]);
        return { aor, count: quota.count, bytes: quota.bytes, oldestCreatedAt: oldest?.createdAt };
      }),
    );
  }

  #newMessage(
    input: (PagerInput | LargeInput) & { kind: 'pager' | 'large'; size: number },
  ): StoredMessage {
    const now = Date.now();
    const ttl = Math.min(
      input.expiresInSeconds ?? this.#limits.maxTtlSeconds,
      this.#limits.maxTtlSeconds,
    );
    const cpim = 'cpim' in input ? input.cpim : undefined;
    return {
      id: newMessageId(),
      kind: input.kind,
      to: input.to,
      from: input.from,
      contentType: input.contentType,
      size: input.size,
      createdAt: now,
      expiresAt: now + Math.max(0, ttl) * 1000,
      attempts: 0,
      imdnId: cpim?.imdnId,
      dateTime: cpim?.dateTime,
      dispositions: cpim?.dispositions ?? [],
      cpimHeaders: cpim?.headers,
      chunkBytes: this.#chunks.chunkBytes,
    };
  }

  async #run(
    name: Parameters<typeof runScript>[1],
    call: Parameters<typeof runScript>[2],
  ): Promise<unknown> {
    try {
      return await runScript(this.#client, name, call);
    } catch (err) {
      throw unavailable(err, name);
    }
  }

  /** After an acknowledged write: index the recipient for the sweep and dashboard; WAIT for replicas. */
  async #afterStore(aor: string): Promise<void> {
    await this.#client.zadd(this.#keys.recipients(), Date.now(), aor).catch(() => undefined);
    if (this.#wait && 'wait' in this.#client) {
      await this.#client.wait(this.#wait.replicas, this.#wait.timeoutMs);
    }
  }

  async #forgetRecipientIfEmpty(aor: string): Promise<void> {
    if ((await this.#client.zcard(this.#keys.inbox(aor))) === 0) {
      await this.#client.zrem(this.#keys.recipients(), aor);
    }
  }
}

/** Unix seconds at which a stored message's keys expire on their own: expiry plus a grace period. */
function keyExpireAt(expiresAt: number): number {
  return Math.ceil(expiresAt / 1000) + EXPIRY_GRACE_SECONDS;
}
