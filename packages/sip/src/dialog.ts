import { EventEmitter } from 'node:events';
import type { ClientLayer } from './client-layer.js';
import type { TimerValues } from './server-transaction.js';
import { SipRequest, type SipHeader, type SipResponse } from './sip-message.js';
import { serializeSipMessage } from './sip-serializer.js';
import { TimerSet } from './timer-set.js';
import type { Flow, RequestTarget } from './transports.js';

/** Dialog states used here (RFC 3261 §12): a UAS dialog waits for the ACK of its 2xx. */
export type DialogState = 'accepted' | 'confirmed' | 'terminated';

/** Events of a dialog. */
export interface DialogEvents {
  confirmed: [];
  terminated: [reason: 'bye' | 'local bye' | 'no ack'];
}

/** What a dialog needs from the endpoint. */
export interface DialogOwner {
  readonly client: ClientLayer;
  readonly timers: TimerValues;
  readonly onTerminated: (dialog: Dialog) => void;
}

/** A new request inside a dialog. */
export interface InDialogRequest {
  readonly headers?: readonly SipHeader[];
  readonly contentType?: string;
  readonly body?: Buffer;
}

interface DialogParts {
  readonly role: 'uac' | 'uas';
  readonly callId: string;
  /** Our From (UAC) or To (UAS) header value, with our tag. */
  readonly local: string;
  readonly remote: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly localSeq: number;
  /** Where in-dialog requests go: the INVITE's next hop (UAC) or the flow it came on (UAS). */
  readonly target: RequestTarget;
}

const tagOf = (value: string | undefined): string =>
  /;\s*tag=([^;\s]+)/i.exec(value ?? '')?.[1] ?? '';

/** The key of a dialog: Call-ID, local tag, remote tag (RFC 3261 §12). */
export const dialogKey = (callId: string, localTag: string, remoteTag: string): string =>
  `${callId}|${localTag}|${remoteTag}`;

/**
 * A minimal INVITE dialog (RFC 3261 §12–15): enough to accept an INVITE and take its ACK and BYE, or to
 * place one and ACK it, and to send BYE (or other requests) inside it. The UAS retransmits its 2xx
 * over UDP until the ACK (§13.3.1.4); the UAC re-sends its ACK for each retransmitted 2xx (§13.2.2.4).
 */
export class Dialog extends EventEmitter<DialogEvents> {
  state: DialogState;
  readonly #parts: DialogParts;
  readonly #owner: DialogOwner;
  readonly #timers = new TimerSet();
  #localSeq: number;
  #ack: { bytes: Buffer; flow: Flow } | undefined;

  private constructor(parts: DialogParts, owner: DialogOwner) {
    super();
    this.#parts = parts;
    this.#owner = owner;
    this.#localSeq = parts.localSeq;
    this.state = parts.role === 'uas' ? 'accepted' : 'confirmed';
  }

  /** The dialog a UAS makes by sending `response` (2xx) to `invite` received on `flow`. */
  static accept(
    exchange: { invite: SipRequest; response: SipResponse; flow: Flow },
    owner: DialogOwner,
  ): Dialog {
    const { invite, response, flow } = exchange;
    const dialog = new Dialog(
      {
        role: 'uas',
        callId: invite.callId,
        local: response.get('To') ?? '',
        remote: invite.get('From') ?? '',
        localTag: tagOf(response.get('To')),
        remoteTag: tagOf(invite.get('From')),
        remoteTarget: invite.contact[0]?.uriText ?? invite.from.uriText,
        routeSet: invite.getAll('Record-Route'),
        localSeq: 0,
        target: {
          transport: flow.transport,
          host: flow.remoteAddress,
          port: flow.remotePort,
          connectionId: flow.connectionId,
        },
      },
      owner,
    );
    dialog.#retransmit2xx(serializeSipMessage(response), flow);
    return dialog;
  }

  /** The dialog a UAC makes from the 2xx to its INVITE; sends the ACK (§13.2.2.4). */
  static async confirm(
    exchange: { invite: SipRequest; response: SipResponse; target: RequestTarget },
    owner: DialogOwner,
  ): Promise<Dialog> {
    const { invite, response, target } = exchange;
    const dialog = new Dialog(
      {
        role: 'uac',
        callId: invite.callId,
        local: invite.get('From') ?? '',
        remote: response.get('To') ?? '',
        localTag: tagOf(invite.get('From')),
        remoteTag: tagOf(response.get('To')),
        remoteTarget: response.contact[0]?.uriText ?? invite.uri,
        routeSet: response.getAll('Record-Route').reverse(),
        localSeq: invite.cseq.seq,
        target,
      },
      owner,
    );
    const ack = dialog.#build('ACK', {}, invite.cseq.seq);
    const flow = await owner.client.sendStateless(ack, target);
    dialog.#ack = { bytes: serializeSipMessage(ack), flow };
    return dialog;
  }

  get key(): string {
    return dialogKey(this.#parts.callId, this.#parts.localTag, this.#parts.remoteTag);
  }

  get callId(): string {
    return this.#parts.callId;
  }

  get role(): 'uac' | 'uas' {
    return this.#parts.role;
  }

  /** The ACK for our 2xx arrived (UAS). */
  acknowledged(): void {
    if (this.state !== 'accepted') return;
    this.#timers.clear();
    this.state = 'confirmed';
    this.emit('confirmed');
  }

  /** A 2xx to our INVITE came again (UAC): its ACK was lost, send it again. */
  retransmitted2xx(): void {
    if (this.#ack) this.#ack.flow.send(this.#ack.bytes);
  }

  /** The peer sent BYE (the endpoint answers it or lets the handler do so). */
  byeReceived(): void {
    this.#terminate('bye');
  }

  /** Sends a request inside the dialog (§12.2.1.1) and resolves with its final response. */
  async request(method: string, options: InDialogRequest = {}): Promise<SipResponse> {
    const request = this.#build(method, options, ++this.#localSeq);
    return (await this.#owner.client.send(request, this.#parts.target)).response;
  }

  /** Ends the dialog with BYE (§15.1.1). */
  async bye(): Promise<SipResponse> {
    this.#terminate('local bye');
    return this.request('BYE');
  }

  #build(method: string, options: InDialogRequest, seq: number): SipRequest {
    const parts = this.#parts;
    const headers: SipHeader[] = [
      ['Max-Forwards', '70'],
      ['From', parts.local],
      ['To', parts.remote],
      ['Call-ID', parts.callId],
      ['CSeq', `${seq} ${method}`],
      ...parts.routeSet.map((route): SipHeader => ['Route', route]),
    ];
    if (options.contentType) headers.push(['Content-Type', options.contentType]);
    headers.push(...(options.headers ?? []));
    return new SipRequest(method, parts.remoteTarget, { headers, body: options.body });
  }

  /** §13.3.1.4: over UDP the 2xx is re-sent at T1, doubling to T2, until the ACK; 64·T1 ends it. */
  #retransmit2xx(bytes: Buffer, flow: Flow): void {
    const { T1, T2 } = this.#owner.timers;
    const again = (interval: number): void =>
      this.#timers.after(interval, () => {
        flow.send(bytes);
        again(Math.min(2 * interval, T2));
      });
    if (flow.transport === 'udp') again(T1);
    this.#timers.after(64 * T1, () => {
      if (this.state !== 'accepted') return;
      this.#terminate('no ack');
      void this.request('BYE').catch(() => undefined);
    });
  }

  #terminate(reason: DialogEvents['terminated'][0]): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#timers.clear();
    this.#owner.onTerminated(this);
    this.emit('terminated', reason);
  }
}
