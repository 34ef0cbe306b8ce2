// A bare TCP peer for tests: writes hand-made MSRP bytes and decodes what comes back, so that tests can
// send what a well-behaved sender never would and see each transaction's answer.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { withTimeout } from '@pigeonhole/testkit';
import {
  MsrpDecoder,
  encodeRequest,
  newTransactionId,
  type MsrpHead,
  type MsrpRequestHead,
  type RequestParts,
} from '../src/index.js';

/** A SEND to build: paths, and whatever else the test wants to say. */
export type RawSend = Omit<RequestParts, 'transactionId' | 'method'> & {
  readonly transactionId?: string;
  readonly method?: string;
};

export class RawPeer {
  readonly heads: MsrpHead[] = [];
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    const decoder = new MsrpDecoder({
      onHead: (head) => {
        this.heads.push(head);
        for (const wake of this.#waiters) wake();
      },
      onBody: () => undefined,
      onEnd: () => undefined,
    });
    socket.on('data', (data: Buffer) => decoder.write(data));
    this.closed = once(socket, 'close').then(() => undefined);
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawPeer(socket);
  }

  /** Writes raw bytes. */
  write(bytes: Buffer | string): void {
    this.#socket.write(bytes);
  }

  /** Writes a request (SEND unless said otherwise); returns its transaction id. */
  send(parts: RawSend): string {
    const transactionId = parts.transactionId ?? newTransactionId();
    this.write(
      Buffer.concat(encodeRequest({ ...parts, transactionId, method: parts.method ?? 'SEND' })),
    );
    return transactionId;
  }

  /** The status of the response to `transactionId`, once it arrived. */
  async status(transactionId: string, ms = 5000): Promise<number> {
    const head = await this.#waitFor(
      (h) => h.kind === 'response' && h.transactionId === transactionId,
      ms,
      `the answer to ${transactionId}`,
    );
    return head.kind === 'response' ? head.status : 0;
  }

  /** The first request with `method` that came to us. */
  async request(method: string, ms = 5000): Promise<MsrpRequestHead> {
    const head = await this.#waitFor(
      (h) => h.kind === 'request' && h.method === method,
      ms,
      `a ${method}`,
    );
    if (head.kind !== 'request') throw new Error('unreachable');
    return head;
  }

  /** True when a response to `transactionId` arrived so far. */
  answered(transactionId: string): boolean {
    return this.heads.some((h) => h.kind === 'response' && h.transactionId === transactionId);
  }

  /** Ends our side after what was written: the receiver reads it all, then the end. */
  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  async #waitFor(match: (head: MsrpHead) => boolean, ms: number, what: string): Promise<MsrpHead> {
    let wake: (() => void) | undefined;
    try {
      return await withTimeout(
        new Promise<MsrpHead>((resolve) => {
          wake = () => {
            const found = this.heads.find(match);
            if (found) resolve(found);
          };
          this.#waiters.add(wake);
          wake();
        }),
        ms,
        what,
      );
    } finally {
      if (wake) this.#waiters.delete(wake);
    }
  }
}
