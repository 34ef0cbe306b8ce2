import { SipError, SipErrorCode } from './sip-error.js';
import type { TimerValues } from './server-transaction.js';
import type { SipResponse } from './sip-message.js';
import { TimerSet } from './timer-set.js';

export type ClientTransactionState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/**
 * A non-INVITE client transaction (RFC 3261 §17.1.2): retransmits the request over UDP with Timer E
 * (T1 doubling to T2, T2 once a provisional arrived), gives up after Timer F (64·T1) with a local 408,
 * and after the final response lingers for Timer K (T4 on UDP) to absorb its retransmissions.
 */
export class ClientTransaction {
  state: ClientTransactionState = 'trying';
  readonly final: Promise<SipResponse>;
  #resolve: (response: SipResponse) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;
  readonly #timers = new TimerSet();

  constructor(
    readonly send: () => void,
    readonly options: {
      readonly reliable: boolean;
      readonly timers: TimerValues;
      readonly onTerminated: () => void;
    },
  ) {
    this.final = new Promise<SipResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    send();
    if (!options.reliable) this.#retransmit(options.timers.T1);
    this.#timers.after(64 * options.timers.T1, () => {
      if (this.state === 'completed' || this.state === 'terminated') return;
      this.#reject(new SipError(SipErrorCode.TIMEOUT, 'Request Timeout', 408));
      this.#terminate();
    });
  }

  /** A response matched this transaction. */
  received(response: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    if (response.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.#timers.clear();
    this.#resolve(response);
    this.#timers.after(this.options.reliable ? 0 : this.options.timers.T4, () => this.#terminate()); // Timer K
  }

  /** The transport failed (connection refused or closed): a local 503 (RFC 3261 §8.1.3.1). */
  failed(error: Error): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.#reject(error);
    this.#terminate();
  }

  #retransmit(interval: number): void {
    this.#timers.after(interval, () => {
      if (this.state === 'completed' || this.state === 'terminated') return;
      this.send();
      this.#retransmit(
        this.state === 'proceeding'
          ? this.options.timers.T2
          : Math.min(2 * interval, this.options.timers.T2),
      );
    });
  }

  #terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#timers.clear();
    this.options.onTerminated();
  }
}
