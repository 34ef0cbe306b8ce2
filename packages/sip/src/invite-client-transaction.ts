import { SipError, SipErrorCode } from './sip-error.js';
import type { TimerValues } from './server-transaction.js';
import type { SipResponse } from './sip-message.js';
import { TimerSet } from './timer-set.js';

/** States of an INVITE client transaction (RFC 3261 §17.1.1.2, Figure 5). */
export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'terminated';

/** What an INVITE client transaction needs from its owner. */
export interface InviteClientOptions {
  readonly reliable: boolean;
  readonly timers: TimerValues;
  /** Puts the INVITE on the wire (again, for Timer A). */
  readonly send: () => void;
  /** Puts the ACK for a non-2xx final response on the wire (§17.1.1.3); called again per retransmission. */
  readonly sendAck: (response: SipResponse) => void;
  readonly onProvisional?: (response: SipResponse) => void;
  readonly onTerminated: () => void;
}

/**
 * An INVITE client transaction (RFC 3261 §17.1.1): retransmits the INVITE over UDP with Timer A (T1,
 * doubling) until a response, gives up after Timer B (64·T1) with a local 408, ACKs a non-2xx final
 * response itself and absorbs its retransmissions for Timer D (32 s on UDP). A 2xx ends the
 * transaction at once: its ACK and retransmissions belong to the dialog (§13.2.2.4).
 */
export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  readonly final: Promise<SipResponse>;
  #resolve: (response: SipResponse) => void = () => undefined;
  #reject: (error: Error) => void = () => undefined;
  readonly #timers = new TimerSet();
  readonly #options: InviteClientOptions;

  constructor(options: InviteClientOptions) {
    this.#options = options;
    this.final = new Promise<SipResponse>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    options.send();
    if (!options.reliable) this.#retransmit(options.timers.T1); // Timer A
    this.#timers.after(64 * options.timers.T1, () => {
      // Timer B: no response at all (in 'calling'), §17.1.1.2.
      if (this.state !== 'calling') return;
      this.#reject(new SipError(SipErrorCode.TIMEOUT, 'Request Timeout', 408));
      this.#terminate();
    });
  }

  /** True once a provisional response arrived (a CANCEL may be sent only then, §9.1). */
  get provisional(): boolean {
    return this.state !== 'calling';
  }

  /** A response matched this transaction (§17.1.3). */
  received(response: SipResponse): void {
    if (this.state === 'terminated') return;
    if (this.state === 'completed') {
      if (response.status >= 300) this.#options.sendAck(response); // a retransmitted final
      return;
    }
    if (response.status < 200) {
      this.state = 'proceeding';
      this.#options.onProvisional?.(response);
      return;
    }
    this.#timers.clear();
    this.#resolve(response);
    if (response.status < 300) {
      this.#terminate();
      return;
    }
    this.state = 'completed';
    this.#options.sendAck(response);
    this.#timers.after(this.#options.reliable ? 0 : 32_000, () => this.#terminate()); // Timer D
  }

  /** The transport failed: a local 503 (§8.1.3.1). */
  failed(error: Error): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.#reject(error);
    this.#terminate();
  }

  #retransmit(interval: number): void {
    this.#timers.after(interval, () => {
      if (this.state !== 'calling') return;
      this.#options.send();
      this.#retransmit(2 * interval);
    });
  }

  #terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#timers.clear();
    this.#options.onTerminated();
  }
}
