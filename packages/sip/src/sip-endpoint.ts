import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { badRequestResponse } from './bad-request.js';
import { createResponse, type ResponseOptions } from './responses.js';
import { DEFAULT_TIMERS, ServerTransaction, type TimerValues } from './server-transaction.js';
import type { SipLimits } from './sip-parser.js';
import type { SipMessage, SipRequest } from './sip-message.js';
import { SipTransports, type Flow } from './transports.js';

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

  listenUdp(options: { host: string; port: number }): Promise<AddressInfo> {
    return this.transports.listenUdp(options);
  }

  listenTcp(options: { host: string; port: number }): Promise<AddressInfo> {
    return this.transports.listenTcp(options);
  }

  /** Server transactions alive now. */
  get transactionCount(): number {
    return this.#transactions.size;
  }

  close(): Promise<void> {
    return this.transports.close();
  }

  #receive(message: SipMessage, flow: Flow): void {
    if (message.kind === 'response') return; // client transactions are not part of this layer yet
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
