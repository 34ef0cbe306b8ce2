import { header, type MsrpRequestHead, type MsrpResponseHead } from './msrp-head.js';
import { MsrpError, MsrpErrorCode } from './msrp-error.js';

interface Pending {
  resolve(status: number): void;
  reject(error: MsrpError): void;
  deadline: number;
}

/** How often deadlines are checked: one timer for all transactions, not one each. */
const SWEEP_MS = 1000;

/**
 * Requests we sent that wait for their transaction response (RFC 4975 §7.2: 30 s by default), and
 * messages that wait for a success REPORT.
 */
export class OutgoingTransactions {
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #reports = new Map<string, Pending>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Resolves with the response status of transaction `transactionId`; rejects on timeout (408 locally). */
  response(transactionId: string): Promise<number> {
    return this.#wait(this.#pending, transactionId, this.#timeoutMs);
  }

  /** Resolves with the status of the REPORT for `messageId`. */
  waitForReport(messageId: string, timeoutMs = this.#timeoutMs): Promise<number> {
    return this.#wait(this.#reports, messageId, timeoutMs);
  }

  /** A REPORT arrived: `Status: 000 <code>` settles the message it names. */
  reportArrived(head: MsrpRequestHead): void {
    const messageId = header(head, 'Message-ID') ?? '';
    const status = /^\d{3} (\d{3})/.exec(header(head, 'Status') ?? '')?.[1];
    this.#finish(this.#reports, messageId, Number(status ?? 0));
  }

  /** A response arrived. */
  settle(head: MsrpResponseHead): void {
    this.#finish(this.#pending, head.transactionId, head.status);
  }

  /** The connection closed: every waiter fails. */
  failAll(error: MsrpError): void {
    for (const map of [this.#pending, this.#reports]) {
      for (const pending of map.values()) pending.reject(error);
      map.clear();
    }
  }

  /** Transactions still waiting for a response. */
  get size(): number {
    return this.#pending.size;
  }

  #wait(map: Map<string, Pending>, key: string, timeoutMs: number): Promise<number> {
    this.#sweeper ??= unref(setInterval(() => this.#sweep(), Math.min(SWEEP_MS, timeoutMs)));
    return new Promise((resolve, reject) => {
      map.set(key, { resolve, reject, deadline: Date.now() + timeoutMs });
    });
  }

  /** Fails the waiters whose deadline passed (a local 408, RFC 4975 §7.2). */
  #sweep(): void {
    const now = Date.now();
    for (const map of [this.#pending, this.#reports]) {
      for (const [key, pending] of map) {
        if (pending.deadline > now) continue;
        map.delete(key);
        pending.reject(
          new MsrpError(MsrpErrorCode.TIMEOUT, `no answer for ${key} in time`, { status: 408 }),
        );
      }
    }
    if (this.#pending.size === 0 && this.#reports.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #finish(map: Map<string, Pending>, key: string, status: number): void {
    const pending = map.get(key);
    if (!pending) return;
    map.delete(key);
    pending.resolve(status);
  }
}

/** Never keeps a Node process up; in a browser, where timers are numbers, nothing to do. */
function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  if (typeof timer === 'object') timer.unref();
  return timer;
}
