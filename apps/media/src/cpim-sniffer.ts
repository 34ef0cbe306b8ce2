import { parseCpim, readImdnRequest } from '@pigeonhole/cpim';
import type { CommitDetails } from '@pigeonhole/store';

/** The first bytes of a body kept to read its CPIM headers: they sit at its start (RFC 3862 §3). */
const HEAD_BYTES = 16 * 1024;

/**
 * Collects a `message/cpim` body's first bytes (wherever its chunks arrive from) and reads the IMDN
 * request from them at commit time. A body that is not CPIM, or not valid CPIM, yields no details.
 */
export class CpimSniffer {
  readonly #head = Buffer.alloc(HEAD_BYTES);
  #filled = 0;
  readonly #enabled: boolean;

  constructor(contentType: string) {
    this.#enabled = contentType.toLowerCase().startsWith('message/cpim');
  }

  /** Offers body bytes at `offset`; copies what falls in the first HEAD_BYTES. */
  offer(offset: number, data: Buffer): void {
    if (!this.#enabled || offset >= HEAD_BYTES) return;
    const copied = data.copy(this.#head, offset, 0, Math.min(data.length, HEAD_BYTES - offset));
    this.#filled = Math.max(this.#filled, offset + copied);
  }

  /** IMDN details for the store, from the CPIM headers. */
  details(): Pick<CommitDetails, 'imdnId' | 'dateTime' | 'dispositions' | 'cpimHeaders'> {
    if (!this.#enabled) return {};
    try {
      const message = parseCpim(this.#head.subarray(0, this.#filled));
      const request = readImdnRequest(message);
      return {
        imdnId: request?.messageId,
        dateTime: request?.dateTime,
        dispositions: request?.dispositions ?? [],
        cpimHeaders: message.headerBytes.toString('utf8'),
      };
    } catch {
      // A CPIM body we cannot read is stored as it came; it carries no IMDN request we could honour.
      return {};
    }
  }
}
