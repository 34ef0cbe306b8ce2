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

/**
 * Streams a large message's body out of its chunk keys, one chunk per Redis round trip, from byte
 * `start` (0-based, for resumed delivery). Memory holds at most the stream's buffer (two chunks).
 */
export class ChunkReader extends Readable {
  readonly #source: ChunkSource;
  #position: number;
  #reading = false;

  constructor(source: ChunkSource, start = 0) {
    super({ highWaterMark: source.chunkBytes * 2 });
    this.#source = source;
    this.#position = Math.min(Math.max(0, start), source.size);
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.#next().then(
      (more) => {
        this.#reading = false;
        if (more) this._read();
      },
      (err: unknown) => this.destroy(unavailable(err, 'read')),
    );
  }

  /** Fetches and pushes the next piece; false when the consumer is full or the body is done. */
  async #next(): Promise<boolean> {
    const { client, chunkPrefix, size, chunkBytes } = this.#source;
    if (this.#position >= size) {
      this.push(null);
      return false;
    }
    const index = Math.floor(this.#position / chunkBytes);
    const within = this.#position - index * chunkBytes;
    const want = Math.min(chunkBytes - within, size - this.#position);
    const key = `${chunkPrefix}${index}`;
    const piece =
      within === 0
        ? await client.getBuffer(key)
        : await client.getrangeBuffer(key, within, within + want - 1);
    if (!piece)
      throw new StoreError(StoreErrorCode.NOT_FOUND, `chunk ${index} of the body is missing`);
    // A region never written inside a chunk reads short (SETRANGE zero-pads only up to what it wrote).
    const bytes = piece.subarray(0, want);
    const full =
      bytes.length < want ? Buffer.concat([bytes, Buffer.alloc(want - bytes.length)]) : bytes;
    this.#position += want;
    return this.push(full);
  }
}
