import { Readable } from 'node:stream';
import type { RedisClient } from './scripts.js';
import { StoreError, StoreErrorCode, unavailable } from './store-error.js';

/** Where a large message's body lives. @internal */
export interface ChunkSource {
  readonly client: RedisClient;
  /** Chunk keys are `<chunkPrefix><n>`. */
  readonly chunkPrefix: string;
  readonly size: number;
  readonly chunkBytes: number;
}

/** Chunk reads kept in flight ahead of the consumer: enough to hide Redis round trips. */
const READ_AHEAD = 4;

/**
 * Streams a large message's body out of its chunk keys from byte `start` (0-based, for resumed
 * delivery), with up to {@link READ_AHEAD} chunk reads in flight so Redis round trips overlap. Memory
 * holds at most the reads in flight and the stream's buffer (two chunks).
 */
export class ChunkReader extends Readable {
  readonly #source: ChunkSource;
  /** Next byte to request from Redis. */
  #fetchAt: number;
  readonly #inFlight: Promise<Buffer>[] = [];
  /** A pump is running (at most one: pieces are pushed in order). */
  #reading = false;
  /** `_read` was called while the pump ran. */
  #wanted = false;

  constructor(source: ChunkSource, start = 0) {
    super({ highWaterMark: source.chunkBytes * 2 });
    this.#source = source;
    this.#fetchAt = Math.min(Math.max(0, start), source.size);
  }

  override _read(): void {
    if (this.#reading) {
      this.#wanted = true;
      return;
    }
    this.#reading = true;
    this.#pump().catch((err: unknown) =>
      this.destroy(err instanceof StoreError ? err : unavailable(err, 'read')),
    );
  }

  /**
   * Pushes pieces in order until the consumer is full or the body is done. It stops reading in the
   * same step as the refused push: a `_read` that came between the two would be lost (Node calls
   * `_read` again only after a push) and the stream would stall.
   */
  async #pump(): Promise<void> {
    for (;;) {
      this.#fill();
      const next = this.#inFlight.shift();
      if (!next) {
        this.push(null);
        return;
      }
      const piece = await next;
      this.#wanted = false;
      // A `_read` during the push itself (set #wanted) still waits for a piece.
      if (!this.push(piece) && !this.#wanted) {
        this.#reading = false;
        return;
      }
    }
  }

  /** Starts chunk reads up to the read-ahead limit. */
  #fill(): void {
    while (this.#inFlight.length < READ_AHEAD && this.#fetchAt < this.#source.size) {
      const read = this.#fetch(this.#fetchAt);
      read.catch(() => undefined); // awaited in order by #pump; a failure surfaces there
      this.#inFlight.push(read);
      const { chunkBytes, size } = this.#source;
      this.#fetchAt = Math.min(size, (Math.floor(this.#fetchAt / chunkBytes) + 1) * chunkBytes);
    }
  }

  /** The bytes from `position` to the end of its chunk (or of the body). */
  async #fetch(position: number): Promise<Buffer> {
    const { client, chunkPrefix, size, chunkBytes } = this.#source;
    const index = Math.floor(position / chunkBytes);
    const within = position - index * chunkBytes;
    const want = Math.min(chunkBytes - within, size - position);
    const key = `${chunkPrefix}${index}`;
    const piece =
      within === 0
        ? await client.getBuffer(key)
        : await client.getrangeBuffer(key, within, within + want - 1);
    if (!piece)
      throw new StoreError(StoreErrorCode.NOT_FOUND, `chunk ${index} of the body is missing`);
    // A region never written inside a chunk reads short (SETRANGE zero-pads only up to what it wrote).
    const bytes = piece.subarray(0, want);
    return bytes.length < want ? Buffer.concat([bytes, Buffer.alloc(want - bytes.length)]) : bytes;
  }
}
