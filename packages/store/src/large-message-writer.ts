import { Writable } from 'node:stream';
import type { StoreKeys } from './keys.js';
import { PENDING_CHUNK_TTL_SECONDS, type ChunkOptions, type StoreLimits } from './limits.js';
import { runScript, type RedisClient } from './scripts.js';
import { ByteRanges } from './byte-ranges.js';
import { ChunkAssembler } from './chunk-assembler.js';
import {
  StoreError,
  StoreErrorCode,
  checkCount,
  checkScriptResult,
  unavailable,
} from './store-error.js';

/** What a writer needs to know about the upload it writes. @internal */
export interface WriterContext {
  readonly client: RedisClient;
  readonly keys: StoreKeys;
  readonly aor: string;
  readonly id: string;
  readonly expiresAt: number;
  readonly reserved: number;
  readonly limits: StoreLimits;
  readonly chunks: ChunkOptions;
  /** Runs after a successful commit (indexing the recipient, waiting for replicas). */
  readonly afterCommit: () => Promise<void>;
}

/** What becomes known only once the body was received (CPIM headers sit at its start). */
export interface CommitDetails {
  /** Final size (the MSRP Byte-Range total); defaults to the end of the highest byte written. */
  readonly size?: number;
  /** CPIM `imdn.Message-ID`: a second upload with it for the same recipient is dropped. */
  readonly imdnId?: string;
  /** CPIM `DateTime`. */
  readonly dateTime?: string;
  /** `imdn.Disposition-Notification` values. */
  readonly dispositions?: readonly string[];
  /** The raw CPIM header block. */
  readonly cpimHeaders?: string;
}

/** The outcome of a commit: the stored message's id, and whether an earlier copy made this a duplicate. */
export interface CommitResult {
  /** The stored message's id (the earlier copy's, for a duplicate). */
  readonly id: string;
  /** True when an earlier upload with the same `imdnId` is kept and this one was dropped. */
  readonly duplicate: boolean;
}

/** Where an upload is: writes are taken only while `open`; commit and abort each happen once. */
type Outcome = 'open' | 'committing' | 'committed' | 'aborted';

/**
 * Streams a large message's body into fixed-size chunk keys. Sequential writes go through the Writable
 * interface; chunks that arrive out of order use {@link LargeMessageWriter.writeAt}. At most
 * `maxInFlightBytes` are sent to Redis without a reply: beyond that, writes wait (backpressure).
 * Nothing is visible until {@link LargeMessageWriter.commit}; {@link LargeMessageWriter.abort}, or a
 * crash, leaves nothing visible and the chunk keys expire.
 */
export class LargeMessageWriter extends Writable {
  readonly #ctx: WriterContext;
  #reserved: number;
  #growth: Promise<void> = Promise.resolve();
  #sequentialOffset = 0;
  #end = 0;
  readonly #written = new ByteRanges();
  readonly #assembler: ChunkAssembler;
  #inFlight = 0;
  #roomWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #failure: StoreError | undefined;
  #outcome: Outcome = 'open';
  #deadlinePushedAt = 0;

  constructor(context: WriterContext) {
    // Not destroyed on finish: a finished writer still waits for commit() or abort().
    super({ highWaterMark: context.chunks.chunkBytes, autoDestroy: false });
    this.#ctx = context;
    this.#reserved = context.reserved;
    this.#assembler = new ChunkAssembler(context.chunks.chunkBytes);
  }

  /** The message id (visible in the inbox after commit). */
  get id(): string {
    return this.#ctx.id;
  }

  /** End of the highest byte written so far. */
  get bytesWritten(): number {
    return this.#end;
  }

  /**
   * Writes `data` at byte `offset` (0-based). Resolves once the bytes are on their way and the in-flight
   * window has room; a Redis failure rejects this or a later call, and always `commit()`. Overlapping
   * writes are allowed: the last one wins (RFC 4975 §7.3.1).
   * @throws StoreError STORE_ERR_TOO_LARGE, STORE_ERR_QUOTA_BYTES (the caller answers 413);
   * STORE_ERR_BAD_INPUT for a bad offset; STORE_ERR_BAD_STATE once commit or abort began.
   */
  async writeAt(offset: number, data: Buffer): Promise<void> {
    checkCount(offset, 'offset');
    this.#throwIfClosed();
    this.#throwIfFailed();
    const end = offset + data.length;
    if (end > this.#ctx.limits.largeMaxBytes) {
      throw this.#fail(
        new StoreError(
          StoreErrorCode.TOO_LARGE,
          `message exceeds ${this.#ctx.limits.largeMaxBytes} bytes`,
        ),
      );
    }
    await this.#reserveUpTo(end);
    // An abort may have begun while the reservation grew: it must not race chunk writes.
    this.#throwIfClosed();
    this.#end = Math.max(this.#end, end);
    this.#written.add(offset, end);
    if (this.#assembler.accepts(offset)) {
      for (const whole of this.#assembler.add(offset, data)) this.#send(whole.offset, whole.data);
    } else {
      // Out of order: what is held goes first, so that a later write still wins where they overlap.
      this.#sendAssembled();
      this.#send(offset, data);
    }
    while (this.#inFlight > this.#ctx.chunks.maxInFlightBytes && !this.#failure) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    this.#throwIfFailed();
  }

  /** Resolves once every write so far has been acknowledged by Redis. */
  async flush(): Promise<void> {
    this.#sendAssembled();
    while (this.#inFlight > 0)
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    this.#throwIfFailed();
  }

  /**
   * Makes the message visible in the recipient's inbox, atomically. Resolves only after Redis replied.
   * With a duplicate `imdnId` this upload is dropped and the stored copy's id returned. Writes are
   * refused from the moment commit is called, so no late write can touch a committed chunk.
   * @throws StoreError INCOMPLETE when a byte below `size` was never written (the upload stays open:
   * write the rest or abort); BAD_STATE after commit or abort; QUOTA_BYTES; UNAVAILABLE.
   */
  async commit(details: CommitDetails = {}): Promise<CommitResult> {
    this.#throwIfClosed();
    const size = checkCount(details.size ?? this.#end, 'size');
    if (size < this.#end) {
      throw new StoreError(
        StoreErrorCode.BAD_INPUT,
        `size ${size} is below the ${this.#end} bytes written to upload ${this.id}`,
      );
    }
    const gap = this.#written.firstGap(size);
    if (gap !== undefined) {
      throw new StoreError(
        StoreErrorCode.INCOMPLETE,
        `upload ${this.id} misses bytes from offset ${gap} of ${size}`,
      );
    }
    this.#outcome = 'committing';
    try {
      return await this.#commit(size, details);
    } catch (err) {
      // Still pending in Redis (refused, or Redis unreachable): the caller may abort it.
      if (this.#outcome === 'committing') this.#outcome = 'open';
      throw err;
    }
  }

  async #commit(size: number, details: CommitDetails): Promise<CommitResult> {
    await this.flush();
    await this.#growth;
    const { client, keys, aor, id } = this.#ctx;
    const reply = (await runScript(client, 'commitLarge', {
      keys: [
        keys.inbox(aor),
        keys.expiry(aor),
        keys.seq(aor),
        keys.quota(aor),
        keys.dedup(aor),
        keys.meta(aor, id),
        keys.pending(aor),
      ],
      args: [
        id,
        size,
        this.#chunkCount(size),
        this.#ctx.expiresAt,
        details.imdnId ?? '',
        this.#ctx.limits.maxBytes,
        ...commitFields(details),
      ],
    }).catch((err: unknown) => {
      throw unavailable(err, 'commit');
    })) as [number, string?];
    checkScriptResult(reply[0], `commit ${id}`);
    this.#outcome = 'committed';
    if (!this.writableEnded) this.end();
    await this.#ctx.afterCommit();
    return { id: reply[1] ?? id, duplicate: reply[0] === 0 };
  }

  /** Drops the upload: nothing becomes visible and its quota is released. Idempotent. */
  async abort(): Promise<void> {
    if (this.#outcome === 'committed' || this.#outcome === 'aborted') return;
    this.#outcome = 'aborted';
    this.#assembler.take(); // never sent: nothing to clean up for it
    await this.flush().catch(() => undefined);
    const { client, keys, aor, id } = this.#ctx;
    await runScript(client, 'abortLarge', {
      keys: [keys.quota(aor), keys.pending(aor), keys.meta(aor, id)],
      args: [id, this.#chunkCount(this.#end)],
    }).catch((err: unknown) => {
      throw unavailable(err, 'abort');
    });
    if (!this.destroyed) this.destroy();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const offset = this.#sequentialOffset;
    this.#sequentialOffset += chunk.length;
    this.writeAt(offset, chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A writer destroyed before commit (connection lost) must not leave a reservation behind.
    if (this.#outcome === 'open') {
      this.abort().then(
        () => callback(error),
        () => callback(error),
      );
      return;
    }
    callback(error);
  }

  #chunkCount(size: number): number {
    return Math.ceil(size / this.#ctx.chunks.chunkBytes);
  }

  /** Grows the quota reservation in steps so that bytes up to `end` are covered. Serialized. */
  #reserveUpTo(end: number): Promise<void> {
    if (end <= this.#reserved) return this.#growth;
    this.#growth = this.#growth.then(async () => {
      if (end <= this.#reserved) return;
      const extra = Math.min(
        Math.max(end - this.#reserved, this.#ctx.chunks.reserveStepBytes),
        this.#ctx.limits.largeMaxBytes - this.#reserved,
      );
      const { client, keys, aor, id } = this.#ctx;
      const deadline = Date.now() + this.#ctx.chunks.pendingTtlSeconds * 1000;
      const reply = await runScript(client, 'growLarge', {
        keys: [keys.quota(aor), keys.pending(aor), keys.meta(aor, id)],
        args: [id, extra, this.#ctx.limits.maxBytes, deadline],
      }).catch((err: unknown) => {
        throw unavailable(err, 'reserve');
      });
      this.#reserved = checkScriptResult(Number(reply), `reserve ${id}`);
    });
    return this.#growth.catch((err: unknown) => {
      throw this.#fail(err instanceof StoreError ? err : unavailable(err, 'reserve'));
    });
  }

  /** Sends the part of a chunk the assembler holds, if any. */
  #sendAssembled(): void {
    const held = this.#assembler.take();
    if (held) this.#send(held.offset, held.data);
  }

  /** Sends `data` as SETRANGEs into the chunk keys it spans, each key with the pending TTL. */
  #send(offset: number, data: Buffer): void {
    const { client, keys, aor, id, chunks } = this.#ctx;
    const prefix = keys.chunkPrefix(aor, id);
    const ttl = PENDING_CHUNK_TTL_SECONDS;
    const pipeline = client.pipeline();
    // The chunk index when `data` is exactly one whole chunk (the common, in-order case).
    const index0 =
      data.length === chunks.chunkBytes && offset % chunks.chunkBytes === 0
        ? offset / chunks.chunkBytes
        : undefined;
    for (let at = 0; at < data.length;) {
      const absolute = offset + at;
      const index = Math.floor(absolute / chunks.chunkBytes);
      const within = absolute - index * chunks.chunkBytes;
      const take = Math.min(chunks.chunkBytes - within, data.length - at);
      const piece = data.subarray(at, at + take);
      // A whole chunk is one SET with its TTL; a part of one is patched in place (last write wins).
      if (take === chunks.chunkBytes) pipeline.set(`${prefix}${index}`, piece, 'EX', ttl);
      else pipeline.setrange(`${prefix}${index}`, within, piece).expire(`${prefix}${index}`, ttl);
      at += take;
    }
    // Writes push the upload's deadline back (at most once a second): a live upload is never reclaimed.
    const now = Date.now();
    if (now - this.#deadlinePushedAt >= 1000) {
      this.#deadlinePushedAt = now;
      pipeline.zadd(keys.pending(aor), 'XX', 'GT', now + chunks.pendingTtlSeconds * 1000, id);
    }
    this.#inFlight += data.length;
    // One command needs no pipeline (a pipeline copies its Buffers once more).
    const sent =
      pipeline.length === 1 && index0 !== undefined
        ? client.set(`${prefix}${index0}`, data, 'EX', ttl).then(() => [])
        : pipeline.exec();
    sent.then(
      (results) => {
        const failed = results?.find(([err]) => err)?.[0];
        if (failed) this.#fail(unavailable(failed, 'write'));
        this.#settle(data.length);
      },
      (err: unknown) => {
        this.#fail(unavailable(err, 'write'));
        this.#settle(data.length);
      },
    );
  }

  #settle(bytes: number): void {
    this.#inFlight -= bytes;
    if (this.#inFlight <= this.#ctx.chunks.maxInFlightBytes) this.#wake(this.#roomWaiters);
    if (this.#inFlight === 0) this.#wake(this.#idleWaiters);
  }

  #wake(waiters: (() => void)[]): void {
    for (const resolve of waiters.splice(0)) resolve();
  }

  #fail(error: StoreError): StoreError {
    this.#failure ??= error;
    this.#wake(this.#roomWaiters);
    return this.#failure;
  }

  #throwIfClosed(): void {
    if (this.#outcome !== 'open') {
      throw new StoreError(StoreErrorCode.BAD_STATE, `upload ${this.id} is ${this.#outcome}`);
    }
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }
}

function commitFields(details: CommitDetails): string[] {
  return [
    'imdnId',
    details.imdnId ?? '',
    'dateTime',
    details.dateTime ?? '',
    'dispositions',
    (details.dispositions ?? []).join(','),
    'cpimHeaders',
    details.cpimHeaders ?? '',
  ];
}
