import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { badRequestResponse } from './bad-request.js';
import { ClientLayer, type SendOptions } from './client-layer.js';
import { Dialog, dialogKey, type DialogOwner } from './dialog.js';
import { markReceived, transactionKey } from './incoming.js';
import { forwardedRequest, type ForwardOptions } from './proxy.js';
import { viaTarget } from './via-target.js';
import { createResponse, type ResponseOptions } from './responses.js';
import { DEFAULT_TIMERS, ServerTransaction, type TimerValues } from './server-transaction.js';
import type { SipLimits } from './sip-parser.js';
import type { SipMessage, SipRequest, SipResponse } from './sip-message.js';
import { SipTransports, type Flow, type ListenOptions, type RequestTarget } from './transports.js';
import { serializeSipMessage } from './sip-serializer.js';
import { buildRequest, type OutgoingRequest } from './uac-requests.js';

/** What a request handler answers with. */
export interface ServerContext {
  readonly flow: Flow;
  /** Undefined for an ACK to a 2xx, which has no server transaction (§17.1.1.3). */
  readonly transaction: ServerTransaction | undefined;
  /**
   * The dialog of the request: for a request inside one (ACK, BYE, …), or for an INVITE once
   * `reply` sent a 2xx to it.
   */
  readonly dialog: Dialog | undefined;
  /** Sends a response built from the request (Via, From, To + tag, Call-ID, CSeq copied). */
  reply(status: number, options?: ResponseOptions): void;
  /** Sends a response built elsewhere; a 2xx to an INVITE makes our dialog (we are its UAS). */
  send(response: SipResponse): void;
  /**
   * Sends on a response that came from the next hop of {@link SipEndpoint.forward}: as a proxy we are
   * in no dialog, a 2xx included (RFC 3261 §16.7).
   */
  relay(response: SipResponse): void;
}

export type RequestHandler = (request: SipRequest, context: ServerContext) => void | Promise<void>;

/**
 * Sees every request before method dispatch; returns the work when it takes the request (a proxy's
 * loose routing of requests whose Route names us, RFC 3261 §16.4), undefined to leave it to handlers.
 */
export type RequestRouter = (
  request: SipRequest,
  context: ServerContext,
) => Promise<void> | undefined;

/** Events of an endpoint: failures a log should see; the stack itself never logs. */
export interface EndpointEvents {
  handlerError: [unknown, SipRequest];
  badMessage: [Error, Flow];
  /** A dialog began (an INVITE answered 2xx, either side). */
  dialog: [Dialog];
}

const KNOWN_METHODS = new Set(
  'INVITE ACK BYE CANCEL OPTIONS REGISTER MESSAGE SUBSCRIBE NOTIFY INFO UPDATE PRACK REFER PUBLISH'.split(
    ' ',
  ),
);

/** Options of an endpoint. */
export interface EndpointOptions {
  readonly limits?: Partial<SipLimits>;
  readonly timers?: Partial<TimerValues>;
  /** Options for TLS connections this endpoint opens (CA, servername…). */
  readonly tlsClient?: ConnectionOptions;
}

/** How a request is forwarded and, for an INVITE, followed. */
export type ForwardingOptions = ForwardOptions & Pick<SendOptions, 'signal' | 'onProvisional'>;

/** The outcome of an INVITE: its final response, and the dialog when that was a 2xx (ACK sent). */
export interface InviteOutcome {
  readonly response: SipResponse;
  readonly dialog: Dialog | undefined;
}

/**
 * A SIP endpoint: listens on transports, keeps server transactions (retransmissions absorbed, §17.2),
 * dispatches each new request to the handler of its method, and answers what no handler takes
 * (OPTIONS 200, known methods 405, unknown ones 501, both with Allow), what cannot be parsed (400/505)
 * and CANCEL (§9.2). As a UAC it sends requests in client transactions, places INVITEs with dialogs,
 * and forwards requests as a stateful proxy.
 */
export class SipEndpoint extends EventEmitter<EndpointEvents> {
  readonly transports: SipTransports;
  readonly #handlers = new Map<string, RequestHandler>();
  #router: RequestRouter | undefined;
  readonly #transactions = new Map<string, ServerTransaction>();
  readonly #dialogs = new Map<string, Dialog>();
  readonly #timers: TimerValues;
  readonly #client: ClientLayer;
  readonly #owner: DialogOwner;

  constructor(options: EndpointOptions = {}) {
    super();
    this.#timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.transports = new SipTransports(options);
    this.#client = new ClientLayer(this.transports, this.#timers);
    this.#owner = {
      client: this.#client,
      timers: this.#timers,
      onTerminated: (dialog) => this.#dialogs.delete(dialog.key),
    };
    this.transports.on('message', (message, flow) => this.#receive(message, flow));
    this.transports.on('badMessage', (error, raw, flow) => {
      const response = badRequestResponse(raw, error);
      if (response) flow.send(response);
      this.emit('badMessage', error, flow);
    });
  }

  /** Handles requests of `method`. */
  handle(method: string, handler: RequestHandler): this {
    this.#handlers.set(method.toUpperCase(), handler);
    return this;
  }

  /** Sets the router that may take requests before their method's handler (see {@link RequestRouter}). */
  route(router: RequestRouter): this {
    this.#router = router;
    return this;
  }

  listenUdp(options: ListenOptions): Promise<AddressInfo> {
    return this.transports.listenUdp(options);
  }

  listenTcp(options: ListenOptions): Promise<AddressInfo> {
    return this.transports.listenTcp(options);
  }

  listenTls(options: ListenOptions & { tls: TlsOptions }): Promise<AddressInfo> {
    return this.transports.listenTls(options);
  }

  /** SIP over WebSocket (RFC 7118); wss when `tls` is given. */
  listenWs(options: ListenOptions): Promise<AddressInfo> {
    return this.transports.listenWs(options);
  }

  /**
   * Sends a request in a client transaction (RFC 3261 §17.1) and resolves with its final response.
   * Rejects with SipError status 408 (Timer B/F) or 503 (transport failure). For INVITE prefer
   * {@link SipEndpoint.invite}, which also ACKs a 2xx and returns the dialog.
   */
  async request(
    outgoing: OutgoingRequest,
    target: RequestTarget,
    options?: SendOptions,
  ): Promise<SipResponse> {
    return (await this.#client.send(buildRequest(outgoing), target, options)).response;
  }

  /** Places an INVITE; on a 2xx sends the ACK and returns the dialog (RFC 3261 §13.2). */
  async invite(
    outgoing: Omit<OutgoingRequest, 'method'>,
    target: RequestTarget,
    options?: SendOptions,
  ): Promise<InviteOutcome> {
    const sent = await this.#client.send(
      buildRequest({ ...outgoing, method: 'INVITE' }),
      target,
      options,
    );
    if (sent.response.status < 200 || sent.response.status >= 300)
      return { response: sent.response, dialog: undefined };
    const dialog = await Dialog.confirm(
      { invite: sent.request, response: sent.response, target },
      this.#owner,
    );
    this.#addDialog(dialog);
    return { response: sent.response, dialog };
  }

  /**
   * Forwards a request statefully as a proxy (RFC 3261 §16.6): a copy with Max-Forwards decremented
   * and our Via on top goes to `target` in a client transaction; the final response comes back with
   * our Via removed, ready for `context.relay()`. For an INVITE, provisional responses (but 100,
   * §16.7 step 5) reach `onProvisional` the same way, and aborting `signal` CANCELs the branch (§16.10).
   * @throws SipError status 483 when Max-Forwards is 0; 408/503 like {@link SipEndpoint.request}.
   */
  async forward(
    request: SipRequest,
    target: RequestTarget,
    options: ForwardingOptions = {},
  ): Promise<SipResponse> {
    const { onProvisional, signal } = options;
    const { response } = await this.#client.send(forwardedRequest(request, options), target, {
      signal,
      onProvisional:
        onProvisional &&
        ((provisional) => {
          if (provisional.status === 100) return;
          provisional.removeFirstValue('Via');
          onProvisional(provisional);
        }),
    });
    response.removeFirstValue('Via');
    return response;
  }

  /**
   * Forwards a request that has no transaction, the ACK of a 2xx (RFC 3261 §16.6, §17.1.1.3): sent
   * once with our Via; its retransmissions follow the 2xx's.
   */
  async forwardStateless(
    request: SipRequest,
    target: RequestTarget,
    options: ForwardOptions = {},
  ): Promise<void> {
    await this.#client.sendStateless(forwardedRequest(request, options), target);
  }

  /** Server transactions alive now. */
  get transactionCount(): number {
    return this.#transactions.size;
  }

  /** Dialogs alive now. */
  get dialogCount(): number {
    return this.#dialogs.size;
  }

  async close(): Promise<void> {
    for (const dialog of this.#dialogs.values()) dialog.removeAllListeners();
    this.#dialogs.clear();
    await this.transports.close();
  }

  #addDialog(dialog: Dialog): void {
    this.#dialogs.set(dialog.key, dialog);
    this.emit('dialog', dialog);
  }

  #receive(message: SipMessage, flow: Flow): void {
    if (message.kind === 'response') {
      if (this.#client.received(message)) return;
      // A 2xx to an INVITE whose transaction ended: its ACK was lost (RFC 3261 §13.2.2.4).
      if (message.cseq.method === 'INVITE' && message.status < 300) {
        const key = dialogKey(message.callId, tag(message.from), tag(message.to));
        const dialog = this.#dialogs.get(key);
        if (dialog) dialog.retransmitted2xx();
        else void this.#forwardStray2xx(message);
      }
      return;
    }
    markReceived(message, flow);
    const key = transactionKey(message);
    const existing = this.#transactions.get(key);
    // RFC 6026 §7.1: an ACK reaching an `accepted` INVITE transaction (a UA that kept the INVITE's
    // branch for the ACK of a 2xx) is the dialog's, not the transaction's.
    const ackOf2xx = message.method === 'ACK' && existing?.state === 'accepted';
    if (existing && !ackOf2xx) {
      if (message.method === 'ACK') existing.acknowledged();
      else existing.retransmitted();
      return;
    }
    const dialog = this.#dialogs.get(dialogKey(message.callId, tag(message.to), tag(message.from)));
    if (message.method === 'ACK') {
      dialog?.acknowledged(); // the ACK of a 2xx belongs to the dialog (§17.1.1.3)
      void this.#dispatch(message, { flow, transaction: undefined, dialog });
      return;
    }
    const transaction = new ServerTransaction(message, flow, {
      timers: this.#timers,
      onTerminated: () => this.#transactions.delete(key),
    });
    this.#transactions.set(key, transaction);
    if (message.method === 'INVITE') transaction.respond(createResponse(message, 100));
    if (message.method === 'CANCEL') return this.#cancel(message, transaction);
    if (message.method === 'BYE') dialog?.byeReceived();
    void this.#dispatch(message, { flow, transaction, dialog });
  }

  /**
   * A retransmitted 2xx of an INVITE we proxied: its transaction is over, so it goes on statelessly to
   * the Via below ours (RFC 3261 §16.7 step 4, RFC 6026 §8.1). Anything else unmatched is dropped.
   */
  async #forwardStray2xx(response: SipResponse): Promise<void> {
    const [ours, next] = response.via;
    const transport = ours && viaTarget(ours)?.transport;
    const local = transport && this.transports.local(transport);
    const target = next && viaTarget(next);
    if (!local || !target || ours?.host !== local.address || ours.port !== local.port) return;
    response.removeFirstValue('Via');
    try {
      (await this.transports.flowTo(target)).send(serializeSipMessage(response));
    } catch {
      // The upstream flow is gone: the UAS stops retransmitting after 64*T1 anyway.
    }
  }

  /** RFC 3261 §9.2: a CANCEL names its INVITE by the same branch; 200 for it, 487 for the INVITE. */
  #cancel(cancel: SipRequest, transaction: ServerTransaction): void {
    const invite = this.#transactions.get(transactionKey(cancel, 'INVITE'));
    const request = invite?.request;
    if (!invite || !request) return transaction.respond(createResponse(cancel, 481));
    transaction.respond(createResponse(cancel, 200, { toTag: tag(request.to) || undefined }));
    invite.cancel(createResponse(request, 487));
  }

  async #dispatch(
    request: SipRequest,
    context: { flow: Flow; transaction: ServerTransaction | undefined; dialog: Dialog | undefined },
  ): Promise<void> {
    const { transaction, flow } = context;
    const handler = this.#handlers.get(request.method);
    if (!transaction) {
      const none = (): void => undefined;
      const server = { ...context, reply: none, send: none, relay: none };
      try {
        await (this.#router?.(request, server) ?? handler?.(request, server));
      } catch (err) {
        this.emit('handlerError', err, request);
      }
      return;
    }
    let dialog = context.dialog;
    const send = (response: SipResponse): void => {
      transaction.respond(response);
      if (request.method === 'INVITE' && response.status >= 200 && response.status < 300) {
        dialog = Dialog.accept({ invite: request, response, flow }, this.#owner);
        this.#addDialog(dialog);
      }
    };
    const reply = (status: number, options?: ResponseOptions): void =>
      send(createResponse(request, status, options));
    const server: ServerContext = {
      flow,
      transaction,
      get dialog() {
        return dialog;
      },
      reply,
      send,
      relay: (response) => transaction.respond(response),
    };
    try {
      // A router that throws at once is a handler error like one that rejects: 500, not a lost request.
      const routed = this.#router?.(request, server);
      if (!routed && !handler) return this.#unhandled(request, server);
      await (routed ?? handler?.(request, server));
    } catch (err) {
      this.emit('handlerError', err, request);
      reply(500);
    }
  }

  /** No handler: OPTIONS 200, BYE in a dialog 200 (else 481), known methods 405, others 501. */
  #unhandled(request: SipRequest, server: ServerContext): void {
    const allow: [string, string] = [
      'Allow',
      [...new Set([...this.#handlers.keys(), 'OPTIONS', 'ACK', 'CANCEL', 'BYE'])].join(', '),
    ];
    if (request.method === 'OPTIONS') server.reply(200, { headers: [allow] });
    else if (request.method === 'BYE') server.reply(server.dialog ? 200 : 481);
    else server.reply(KNOWN_METHODS.has(request.method) ? 405 : 501, { headers: [allow] });
  }
}

const tag = (nameAddr: { params: ReadonlyMap<string, string> }): string =>
  nameAddr.params.get('tag') ?? '';
