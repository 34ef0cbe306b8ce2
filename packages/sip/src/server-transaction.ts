import { serializeSipMessage } from './sip-serializer.js';
import type { SipRequest, SipResponse } from './sip-message.js';
import type { Flow } from './transports.js';
import { TimerSet } from './timer-set.js';

/** RFC 3261 §17.1.1.1 timer values (ms). */
export interface TimerValues {
  readonly T1: number;
  readonly T2: number;
  readonly T4: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

export type ServerTransactionState =
  'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/**
 * A server transaction (RFC 3261 §17.2): absorbs retransmitted requests by re-sending the last response,
 * retransmits a non-2xx final response to an INVITE over UDP (Timer G) until the ACK (Timer H gives up),
 * and lingers to absorb late retransmissions (Timers I and J). An INVITE answered 2xx stays `accepted`
 * for 64*T1 (RFC 6026 §7.1, Timer L): it absorbs the INVITE's retransmissions and sends every later
 * 2xx (another branch of a forked INVITE, §16.7 step 5).
 */
export class ServerTransaction {
  state: ServerTransactionState;
  readonly isInvite: boolean;
  readonly timers: TimerValues;
  #request: SipRequest | undefined;
  #last: Buffer | undefined;
  readonly #timers = new TimerSet();
  readonly #onTerminated: () => void;
  // Made on first use: a MESSAGE transaction is never cancelled, and thousands linger for Timer J.
  #cancel: AbortController | undefined;

  constructor(
    request: SipRequest,
    readonly flow: Flow,
    options: { readonly timers: TimerValues; readonly onTerminated: () => void },
  ) {
    this.#request = request;
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'proceeding' : 'trying';
    this.timers = options.timers;
    this.#onTerminated = options.onTerminated;
  }

  /**
   * The request; undefined once a non-INVITE transaction completed: for the 32 s of Timer J over UDP it
   * keeps only its response's bytes (at thousands of MESSAGEs a second, the parsed requests would fill
   * the heap and lengthen garbage collections).
   */
  get request(): SipRequest | undefined {
    return this.#request;
  }

  /** Sends a response (provisional or final) along the request's flow. */
  respond(response: SipResponse): void {
    const success = this.isInvite && response.status >= 200 && response.status < 300;
    if (success && !this.pending) {
      // RFC 3261 §16.7 step 5, RFC 6026 §7.1: every 2xx of a forked INVITE goes up, even after another
      // branch's 2xx, our 487 to a CANCEL or a 6xx: the caller makes a dialog of it, or ends it.
      this.flow.send(serializeSipMessage(response));
      return;
    }
    if (!this.pending) return;
    this.#last = serializeSipMessage(response);
    this.flow.send(this.#last);
    if (response.status < 200) {
      this.state = 'proceeding';
      return;
    }
    if (success) {
      // RFC 6026 §7.1: its retransmission is the dialog's (RFC 3261 §13.3.1.4); Timer L ends it.
      this.state = 'accepted';
      this.#timers.after(64 * this.timers.T1, () => this.#terminate());
      return;
    }
    this.state = 'completed';
    const reliable = this.flow.transport !== 'udp';
    if (!this.isInvite) {
      this.#request = undefined;
      this.#timers.after(reliable ? 0 : 64 * this.timers.T1, () => this.#terminate()); // Timer J
      return;
    }
    if (!reliable) this.#retransmitFinal(this.timers.T1); // Timer G
    this.#timers.after(64 * this.timers.T1, () => this.#terminate()); // Timer H
  }

  /** Aborted when a CANCEL ended this INVITE transaction (RFC 3261 §9.2): stop working on it. */
  get signal(): AbortSignal {
    this.#cancel ??= new AbortController();
    return this.#cancel.signal;
  }

  /** True until a final response was sent. */
  get pending(): boolean {
    return this.state === 'trying' || this.state === 'proceeding';
  }

  /**
   * A CANCEL matched this transaction (§9.2): when no final response went out yet, `terminated` (the
   * 487) is sent and the signal aborts. Returns whether it was still pending.
   */
  cancel(terminated: SipResponse): boolean {
    if (!this.pending) return false;
    this.respond(terminated);
    this.#cancel ??= new AbortController();
    this.#cancel.abort();
    return true;
  }

  /** The same request arrived again: re-send the last response (§17.2.1, §17.2.2). */
  retransmitted(): void {
    // RFC 6026 §7.1: in `accepted` the INVITE's retransmissions are absorbed, not answered.
    if (this.#last && this.state !== 'terminated' && this.state !== 'accepted')
      this.flow.send(this.#last);
  }

  /** The ACK for a non-2xx final response to an INVITE (§17.2.1). */
  acknowledged(): void {
    if (!this.isInvite || this.state !== 'completed') return;
    this.state = 'confirmed';
    this.#timers.clear();
    this.#timers.after(this.flow.transport === 'udp' ? this.timers.T4 : 0, () => this.#terminate()); // Timer I
  }

  #retransmitFinal(interval: number): void {
    this.#timers.after(interval, () => {
      if (this.state !== 'completed' || !this.#last) return;
      this.flow.send(this.#last);
      this.#retransmitFinal(Math.min(2 * interval, this.timers.T2));
    });
  }

  #terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#timers.clear();
    this.#onTerminated();
  }
}
