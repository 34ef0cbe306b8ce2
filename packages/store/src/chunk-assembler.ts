/** A run of bytes at an offset of the message body. */
export interface BodyPiece {
  readonly offset: number;
  readonly data: Buffer;
}

/**
 * Gathers writes that follow each other into whole chunks, so that a chunk key gets one SET of
 * `chunkBytes` instead of a SETRANGE (and an EXPIRE) per network read: a quarter of the commands for
 * 64 KiB reads into 256 KiB chunks, and Redis never grows a string in place. Holds at most one chunk.
 */
export class ChunkAssembler {
  readonly #chunkBytes: number;
  #start = 0;
  #parts: Buffer[] = [];
  #bytes = 0;

  constructor(chunkBytes: number) {
    this.#chunkBytes = chunkBytes;
  }

  /** Whether a write at `offset` continues what is held, or starts a chunk when nothing is. */
  accepts(offset: number): boolean {
    return this.#bytes > 0 ? offset === this.#start + this.#bytes : offset % this.#chunkBytes === 0;
  }

  /** Adds `data` at `offset` (which {@link accepts}); returns the chunks it completed, in order. */
  add(offset: number, data: Buffer): BodyPiece[] {
    if (this.#bytes === 0) this.#start = offset;
    const whole: BodyPiece[] = [];
    let rest = data;
    while (rest.length > 0) {
      const room = this.#chunkBytes - this.#bytes;
      const piece = rest.length > room ? rest.subarray(0, room) : rest;
      this.#parts.push(piece);
      this.#bytes += piece.length;
      rest = rest.subarray(piece.length);
      if (this.#bytes === this.#chunkBytes) {
        const start = this.#start;
        whole.push({ offset: start, data: this.#joined() });
        this.#start = start + this.#chunkBytes;
      }
    }
    return whole;
  }

  /** Hands over what is held (part of a chunk), or undefined when nothing is. */
  take(): BodyPiece | undefined {
    if (this.#bytes === 0) return undefined;
    return { offset: this.#start, data: this.#joined() };
  }

  #joined(): Buffer {
    const data =
      this.#parts.length === 1 && this.#parts[0]
        ? this.#parts[0]
        : Buffer.concat(this.#parts, this.#bytes);
    this.#parts = [];
    this.#bytes = 0;
    return data;
  }
}
