import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { ChunkReader } from './body-reader.js';
import { storeKeys, type StoreKeys } from './keys.js';
import { LargeMessageWriter } from './large-message-writer.js';
import {
  DEFAULT_CHUNK_OPTIONS,
  DEFAULT_LIMITS,
  type ChunkOptions,
  type StoreLimits,
} from './limits.js';
import type {
  LargeInput,
  MessageStoreOptions,
  PagerInput,
  RecipientSummary,
} from './message-store-options.js';
import { newStoredMessage } from './new-message.js';
import { RecipientIndex } from './recipient-index.js';
import { defineScripts, runScript, type RedisClient, type ScriptArg } from './scripts.js';
import {
  StoreError,
  StoreErrorCode,
  checkCount,
  checkScriptResult,
  unavailable,
} from './store-error.js';
import { META_FIELDS, decodeMeta, encodeMeta, type StoredMessage } from './stored-message.js';

/** Removed messages reported per script call; more are removed by further calls. */
const SWEEP_BATCH = 500;
/** Recipients swept at once by {@link MessageStore.sweepAll}. */
const SWEEP_CONCURRENCY = 16;

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
  readonly #index: RecipientIndex;

  /** @throws TypeError for `waitForReplicas` on a Cluster client (`WAIT` follows one connection). */
  constructor(options: MessageStoreOptions) {
    this.#client = options.client;
    this.#keys = storeKeys(options.prefix);
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#chunks = { ...DEFAULT_CHUNK_OPTIONS, ...options.chunks };
    this.#wait = options.waitForReplicas;
    if (this.#wait && this.#client.isCluster) {
      throw new TypeError(
        'waitForReplicas needs a single-node client: WAIT cannot follow a Cluster',
      );
    }
    this.#index = new RecipientIndex(this.#client, this.#keys);
    defineScripts(this.#client);
  }

  /** The limits in force. */
  get limits(): StoreLimits {
    return this.#limits;
  }

  /**
   * Stores a pager message and makes it visible in one step. Resolves after Redis replied.
   * A second store of the same `cpim.imdnId` for the same recipient returns the first copy, `duplicate`.
   * @throws StoreError TOO_LARGE, QUOTA_MESSAGES, QUOTA_BYTES, BAD_INPUT or UNAVAILABLE (→ 603).
   */
  async storePager(input: PagerInput): Promise<{ message: StoredMessage; duplicate: boolean }> {
    this.#checkSize(input.body.length, 'pager');
    const message = newStoredMessage(
      { ...input, kind: 'pager', size: input.body.length },
      { limits: this.#limits, chunkBytes: this.#chunks.chunkBytes, now: Date.now() },
    );
    const k = this.#keys;
    const aor = input.to;
    const [reply] = await this.#indexed(aor, () =>
      this.#run('storePager', {
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
          message.imdnId ?? '',
          ...encodeMeta(message),
          'body',
          input.body,
        ],
      }),
    );
    const [code, id] = reply as [number, string?];
    checkScriptResult(code, `store for ${aor}`);
    await this.#replicated();
    const duplicate = code === 0;
    return { message: duplicate ? { ...message, id: id ?? message.id } : message, duplicate };
  }

  /**
   * Opens a large message upload: reserves quota for the announced size (or in steps as bytes arrive)
   * and returns a writer. The message is visible only after `writer.commit()`.
   * @throws StoreError TOO_LARGE, QUOTA_MESSAGES, QUOTA_BYTES, BAD_INPUT or UNAVAILABLE (→ 603 / 413).
   */
  async openLarge(input: LargeInput): Promise<LargeMessageWriter> {
    const announced = checkCount(input.announcedSize ?? 0, 'announcedSize');
    this.#checkSize(announced, 'large');
    const now = Date.now();
    const message = newStoredMessage(
      { ...input, kind: 'large', size: 0 },
      { limits: this.#limits, chunkBytes: this.#chunks.chunkBytes, now },
    );
    const k = this.#keys;
    const aor = input.to;
    const [reply] = await this.#indexed(aor, () =>
      this.#run('openLarge', {
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
      }),
    );
    checkScriptResult((reply as [number])[0], `upload for ${aor}`);
    return new LargeMessageWriter({
      client: this.#client,
      keys: k,
      aor,
      id: message.id,
      expiresAt: message.expiresAt,
      reserved: announced,
      limits: this.#limits,
      chunks: this.#chunks,
      afterCommit: () => this.#replicated(),
    });
  }

  /**
   * Throws the StoreError a message of `bytes` would meet now: a check before answering an INVITE,
   * not a reservation (the upload's `openLarge` reserves).
   */
  async checkQuota(aor: string, bytes: number, kind: 'pager' | 'large'): Promise<void> {
    this.#checkSize(checkCount(bytes, 'bytes'), kind);
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

  /** The recipient's messages, oldest first (at most `limit`, default 1000). */
  async list(aor: string, options: { readonly limit?: number } = {}): Promise<StoredMessage[]> {
    const limit = checkCount(options.limit ?? 1000, 'limit');
    if (limit === 0) return [];
    const ids = await this.#client.zrange(this.#keys.inbox(aor), 0, limit - 1);
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

  /** One visible message's metadata (undefined when gone or still uploading). */
  async get(aor: string, id: string): Promise<StoredMessage | undefined> {
    const key = this.#keys.meta(aor, id);
    const [state, ...values] = await this.#client.hmget(key, 'state', ...META_FIELDS);
    return state === 'stored' ? decodeMeta(values) : undefined;
  }

  /**
   * The body as a stream, from byte `start` (0-based) for resumed delivery.
   * @throws StoreError NOT_FOUND when the message is gone; BAD_INPUT for a bad `start`.
   */
  async readBody(
    message: StoredMessage,
    options: { readonly start?: number } = {},
  ): Promise<Readable> {
    const start = checkCount(options.start ?? 0, 'start');
    if (message.kind === 'pager') {
      const body = await this.readPagerBody(message.to, message.id);
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

  /**
   * A pager message's body.
   * @throws StoreError NOT_FOUND when the message is gone.
   */
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
    return deleted === 1;
  }

  /**
   * Removes a message that failed permanently, in one step, and returns its metadata (for a `failed`
   * IMDN); undefined when it was already gone (another caller removed it and reports it).
   */
  async remove(aor: string, id: string): Promise<StoredMessage | undefined> {
    const k = this.#keys;
    const values = (await this.#run('removeMessage', {
      keys: [k.inbox(aor), k.expiry(aor), k.quota(aor), k.dedup(aor)],
      args: [id, k.meta(aor, ''), ...META_FIELDS],
    })) as (string | null)[];
    return values.length > 0 ? decodeMeta(values) : undefined;
  }

  /** Counts one more delivery attempt; returns the new count, or 0 when the message is gone. */
  async recordAttempt(aor: string, id: string): Promise<number> {
    return Number(await this.#run('recordAttempt', { keys: [this.#keys.meta(aor, id)], args: [] }));
  }

  /** Removes `aor`'s expired messages and stale uploads; returns what it removed. */
  async sweepExpired(aor: string, now = Date.now()): Promise<StoredMessage[]> {
    const k = this.#keys;
    const removed: StoredMessage[] = [];
    for (;;) {
      const [left, batch] = (await this.#run('sweepExpired', {
        keys: [k.inbox(aor), k.expiry(aor), k.quota(aor), k.dedup(aor), k.pending(aor)],
        args: [now, k.meta(aor, ''), SWEEP_BATCH, ...META_FIELDS],
      })) as [number, (string | null)[][]];
      removed.push(...batch.map(decodeMeta));
      if (batch.length < SWEEP_BATCH) {
        await this.#index.forgetIfIdle(aor, { left, now });
        return removed;
      }
    }
  }

  /** Sweeps every recipient with stored messages; returns what it removed. */
  async sweepAll(now = Date.now()): Promise<StoredMessage[]> {
    const aors = await this.#index.list();
    const removed: StoredMessage[] = [];
    for (let at = 0; at < aors.length; at += SWEEP_CONCURRENCY) {
      const batch = aors.slice(at, at + SWEEP_CONCURRENCY);
      for (const part of await Promise.all(batch.map((aor) => this.sweepExpired(aor, now))))
        removed.push(...part);
    }
    return removed;
  }

  /** Recipients holding messages or uploads: count, bytes, creation time of the oldest. */
  async recipients(): Promise<RecipientSummary[]> {
    const aors = await this.#index.list();
    const summaries = await Promise.all(
      aors.map(async (aor) => {
        const [quota, oldest] = await Promise.all([this.quota(aor), this.peek(aor)]);
        return { aor, count: quota.count, bytes: quota.bytes, oldestCreatedAt: oldest?.createdAt };
      }),
    );
    return summaries.filter((summary) => summary.count > 0);
  }

  /** Per-message limits of each kind, checked before Redis is asked. */
  #checkSize(bytes: number, kind: 'pager' | 'large'): void {
    const max = kind === 'pager' ? this.#limits.pagerMaxBytes : this.#limits.largeMaxBytes;
    if (bytes > max) {
      throw new StoreError(
        StoreErrorCode.TOO_LARGE,
        `${bytes} bytes exceeds the ${kind} limit of ${max}`,
      );
    }
  }

  /**
   * Runs a script that adds to `aor`'s messages together with indexing `aor` for the sweep. Both are
   * sent at once (one round trip); the result is returned only when both succeeded.
   */
  async #indexed(aor: string, script: () => Promise<unknown>): Promise<[unknown]> {
    const touched = this.#index.touch(aor).then(
      () => undefined,
      (err: unknown) => err,
    );
    const reply = await script();
    const failed = await touched;
    if (failed)
      await this.#index
        .touch(aor)
        .catch((err: unknown) => Promise.reject(unavailable(err, 'index')));
    return [reply];
  }

  async #run(
    name: Parameters<typeof runScript>[1],
    call: { keys: string[]; args: ScriptArg[] },
  ): Promise<unknown> {
    try {
      return await runScript(this.#client, name, call);
    } catch (err) {
      throw unavailable(err, name);
    }
  }

  /** With `waitForReplicas`: resolves once enough replicas confirmed the writes of this connection. */
  async #replicated(): Promise<void> {
    if (!this.#wait) return;
    const { replicas, timeoutMs } = this.#wait;
    const confirmed = await (this.#client as Redis)
      .wait(replicas, timeoutMs)
      .catch((err: unknown) => {
        throw unavailable(err, 'WAIT');
      });
    if (confirmed < replicas) {
      throw new StoreError(
        StoreErrorCode.NOT_REPLICATED,
        `stored, but ${confirmed} of ${replicas} replicas confirmed within ${timeoutMs} ms (waitForReplicas)`,
      );
    }
  }
}
