import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { badRequestResponse } from './bad-request.js';
import { createResponse, type ResponseOptions } from './responses.js';
import { DEFAULT_TIMERS, ServerTransaction, type TimerValues } from './server-transaction.js';
import type { SipLimits } from './sip-parser.js';
import { SipTransports, type Flow } from './transports.js';
import { ClientTransaction } from './client-transaction.js';
import { SipError, SipErrorCode } from './sip-error.js';
import { SipRequest, type SipHeader, type SipMessage, type SipResponse } from './sip-message.js';
import { serializeSipMessage } from './sip-serializer.js';
import { newTag } from './responses.js';
import { randomBytes } from 'node:crypto';

/** What a request handler answers with. */
export interface ServerContext {
  readonly flow: Flow;
  /** Undefined for an ACK to a 2xx, which has no server transaction (§17.1.1.3). */
  readonly transaction: ServerTransaction | undefined;
  /** Sends a response built from the request (Via, From, To + tag, Call-ID, CSeq copied). */
  reply(status: number, options?: ResponseOptions): void;
}

export type RequestHandler = (request: SipRequest, context: ServerContext) => void | Promise<void>;

/** Events of an endpoint: failures a log should see; the stack itself never logs. */
export interface EndpointEvents {
  handlerError: [unknown, SipRequest];
  badMessage: [Error, Flow];
}

const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'INFO',
  'UPDATE',
  'PRACK',
  'REFER',
  'PUBLISH',
]);

/** Where a request goes: a transport address, or an existing connection (a registered flow). */
export interface RequestTarget {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
  /** Reuse this connection when it is still open (RFC 5626 style flow reuse). */
  readonly connectionId?: string;
}

/** A request to send as a UAC. */
export interface OutgoingRequest {
  readonly method: string;
  readonly uri: string;
  /** From header value; a tag is added when missing. */
  readonly from: string;
  readonly to: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly headers?: readonly SipHeader[];
  readonly contentType?: string;
  readonly body?: Buffer;
}

/** Options of an endpoint. */
export interface EndpointOptions {
  readonly limits?: Partial<SipLimits>;
  readonly timers?: Partial<TimerValues>;
}

/**
 * A SIP endpoint: listens on transports, keeps server transactions (retransmissions absorbed, §17.2),
 * dispatches each new request to the handler of its method, and answers what no handler takes
 * (OPTIONS 200, known methods 405, unknown ones 501, both with Allow) and what cannot be parsed (400/505).
 */
export class SipEndpoint extends EventEmitter<EndpointEvents> {
  readonly transports: SipTransports;
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #transactions = new Map<string, ServerTransaction>();
  readonly #timers: TimerValues;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #listening: { udp?: AddressInfo; tcp?: AddressInfo } = {};

  constructor(options: EndpointOptions = {}) {
    super();
    this.#timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.transports = new SipTransports(options.limits);
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

  async listenUdp(options: { host: string; port: number }): Promise<AddressInfo> {
    return (this.#listening.udp = await this.transports.listenUdp(options));
  }

  async listenTcp(options: { host: string; port: number }): Promise<AddressInfo> {
    return (this.#listening.tcp = await this.transports.listenTcp(options));
  }

  /**
   * Sends a request in a non-INVITE client transaction (RFC 3261 §17.1.2) and resolves with its final
   * response. Rejects with SipError status 408 (Timer F) or 503 (transport failure).
   */
  async request(outgoing: OutgoingRequest, target: RequestTarget): Promise<SipResponse> {
    const local = this.#listening[target.transport];
    if (!local)
      throw new TypeError(`listen on ${target.transport} before sending requests over it`);
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const request = new SipRequest(outgoing.method, outgoing.uri, {
      headers: [
        [
          'Via',
          `SIP/2.0/${target.transport.toUpperCase()} ${hostPort(local)};branch=${branch};rport`,
        ],
        ['Max-Forwards', '70'],
        [
          'From',
          /;\s*tag=/i.test(outgoing.from) ? outgoing.from : `${outgoing.from};tag=${newTag()}`,
        ],
        ['To', outgoing.to],
        ['Call-ID', outgoing.callId ?? randomBytes(12).toString('hex')],
        ['CSeq', `${outgoing.cseq ?? 1} ${outgoing.method}`],
        ...(outgoing.contentType ? ([['Content-Type', outgoing.contentType]] as const) : []),
        ...(outgoing.headers ?? []),
      ],
      body: outgoing.body,
    });
    const bytes = serializeSipMessage(request);
    const send = await this.#sender(target);
    const key = `${branch}|${outgoing.method}`;
    const transaction = new ClientTransaction(() => send(bytes), {
      reliable: target.transport !== 'udp',
      timers: this.#timers,
      onTerminated: () => this.#clients.delete(key),
    });
    this.#clients.set(key, transaction);
    return transaction.final;
  }

  /** How to put bytes on the wire towards `target`. */
  async #sender(target: RequestTarget): Promise<(bytes: Buffer) => void> {
    if (target.transport === 'udp') return (bytes) => this.transports.sendUdp(bytes, target);
    const reused = target.connectionId
      ? this.transports.connection(target.connectionId)
      : undefined;
    const socket =
      reused ??
      (
        await this.transports.connectTcp(target).catch((err: unknown) => {
          throw new SipError(
            SipErrorCode.TRANSPORT,
            `Cannot reach ${target.host}:${target.port}: ${String(err)}`,
            503,
          );
        })
      ).socket;
    return (bytes) => void socket.write(bytes);
  }

  /** Server transactions alive now. */
  get transactionCount(): number {
    return this.#transactions.size;
  }

  close(): Promise<void> {
    return this.transports.close();
  }

  #receive(message: SipMessage, flow: Flow): void {
    if (message.kind === 'response') {
      // RFC 3261 §17.1.3: the top Via branch and the CSeq method name the client transaction.
      this.#clients
        .get(`${message.via[0]?.branch ?? ''}|${message.cseq.method}`)
        ?.received(message);
      return;
    }
    markReceived(message, flow);
    const key = transactionKey(message);
    const existing = this.#transactions.get(key);
    if (existing) {
      if (message.method === 'ACK') existing.acknowledged();
      else existing.retransmitted();
      return;
    }
    if (message.method === 'ACK') {
      void this.#dispatch(message, undefined, flow); // a 2xx ACK belongs to the dialog (§17.1.1.3)
      return;
    }
    const transaction = new ServerTransaction(message, flow, {
      timers: this.#timers,
      onTerminated: () => this.#transactions.delete(key),
    });
    this.#transactions.set(key, transaction);
    if (message.method === 'INVITE') transaction.respond(createResponse(message, 100));
    void this.#dispatch(message, transaction, flow);
  }

  async #dispatch(
    request: SipRequest,
    transaction: ServerTransaction | undefined,
    flow: Flow,
  ): Promise<void> {
    const handler = this.#handlers.get(request.method);
    if (!transaction) {
      await handler?.(request, { flow, transaction: undefined, reply: () => undefined });
      return;
    }
    const reply = (status: number, options?: ResponseOptions): void =>
      transaction.respond(createResponse(request, status, options));
    if (!handler) {
      const allow: [string, string] = ['Allow', [...this.#handlers.keys(), 'OPTIONS'].join(', ')];
      if (request.method === 'OPTIONS') reply(200, { headers: [allow] });
      else reply(KNOWN_METHODS.has(request.method) ? 405 : 501, { headers: [allow] });
      return;
    }
    try {
      await handler(request, { flow, transaction, reply });
    } catch (err) {
      this.emit('handlerError', err, request);
      reply(500);
    }
  }
}

function hostPort(address: AddressInfo): string {
  return address.family === 'IPv6'
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/** RFC 3261 §17.2.3: branch + sent-by + method; an ACK matches its INVITE. */
function transactionKey(request: SipRequest): string {
  const [top] = request.via;
  const method = request.method === 'ACK' ? 'INVITE' : request.method;
  return `${top?.branch ?? ''}|${top?.host ?? ''}:${top?.port ?? ''}|${method}`;
}

/**
 * RFC 3261 §18.2.1 and RFC 3581: note where the request really came from in its top Via (`received`,
 * `rport`), so responses find their way back through NATs. Responses here go back along the flow the
 * request came on, which is that address.
 */
function markReceived(request: SipRequest, flow: Flow): void {
  const index = request.headers.findIndex(([name]) => name === 'Via');
  const value = request.headers[index]?.[1];
  if (value === undefined) return;
  const [first = '', ...others] = value.split(/,(?![^<]*>)/);
  let top = first;
  const via = request.via[0];
  if (via && via.host !== flow.remoteAddress && !via.params.has('received'))
    top += `;received=${flow.remoteAddress}`;
  if (via?.params.has('rport') && via.params.get('rport') === '')
    top = top.replace(/;rport(?=;|$)/, `;rport=${flow.remotePort}`);
  request.headers[index] = ['Via', [top, ...others].join(',')];
}
