import { ClientTransaction } from './client-transaction.js';
import { digestAnswer } from './digest.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import type { TimerValues } from './server-transaction.js';
import { SipError, SipErrorCode } from './sip-error.js';
import type { SipRequest, SipResponse } from './sip-message.js';
import { serializeSipMessage } from './sip-serializer.js';
import type { Flow, RequestTarget, SipTransports } from './transports.js';
import { ackForFailure, cancelFor, newBranch, nextAttempt, pushVia } from './uac-requests.js';

/** How a request is sent. */
export interface SendOptions {
  /** Answers a 401/407 challenge once with these (RFC 3261 §22.2, §22.3). */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** INVITE only: aborting sends a CANCEL (after a provisional response, §9.1); the final is then 487. */
  readonly signal?: AbortSignal;
  /** INVITE only: each provisional response. */
  readonly onProvisional?: (response: SipResponse) => void;
}

/** A request that was sent and the flow it went on. */
export interface SentRequest {
  readonly request: SipRequest;
  readonly flow: Flow;
  readonly response: SipResponse;
}

type Transaction = ClientTransaction | InviteClientTransaction;

/**
 * The client side of the transaction layer (RFC 3261 §17.1): adds the top Via with a fresh branch and
 * `rport` (RFC 3581), picks or opens the flow, runs the INVITE or non-INVITE client transaction, and
 * matches responses to it by branch and CSeq method (§17.1.3).
 */
export class ClientLayer {
  readonly #transactions = new Map<string, Transaction>();
  readonly #transports: SipTransports;
  readonly #timers: TimerValues;

  constructor(transports: SipTransports, timers: TimerValues) {
    this.#transports = transports;
    this.#timers = timers;
  }

  /** Client transactions alive now. */
  get size(): number {
    return this.#transactions.size;
  }

  /** Sends `request` (no Via yet) in a client transaction; retries once with credentials if asked. */
  async send(
    request: SipRequest,
    target: RequestTarget,
    options: SendOptions = {},
  ): Promise<SentRequest> {
    const first = await this.#attempt(request, target, options);
    const challenge = challengeOf(first.response);
    if (!options.credentials || !challenge) return first;
    const authorization = digestAnswer({
      challenge: challenge.value,
      method: request.method,
      uri: request.uri,
      ...options.credentials,
    });
    return this.#attempt(nextAttempt(request, [challenge.answer, authorization]), target, options);
  }

  /** Sends a request outside any transaction (the ACK for a 2xx, §13.2.2.4); returns its flow. */
  async sendStateless(request: SipRequest, target: RequestTarget): Promise<Flow> {
    const flow = await this.#transports.flowTo(target);
    pushVia(request, this.#via(flow));
    flow.send(serializeSipMessage(request));
    return flow;
  }

  /** A response arrived: hands it to its transaction. False when none matches (a stray 2xx). */
  received(response: SipResponse): boolean {
    const key = `${response.via[0]?.branch ?? ''}|${response.cseq.method}`;
    const transaction = this.#transactions.get(key);
    transaction?.received(response);
    return transaction !== undefined;
  }

  async #attempt(
    request: SipRequest,
    target: RequestTarget,
    options: SendOptions,
  ): Promise<SentRequest> {
    const flow = await this.#transports.flowTo(target);
    const branch = newBranch();
    pushVia(request, this.#via(flow, branch));
    const bytes = serializeSipMessage(request);
    const key = `${branch}|${request.method}`;
    const common = {
      reliable: flow.transport !== 'udp',
      timers: this.#timers,
      onTerminated: () => this.#transactions.delete(key),
    };
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction({
            ...common,
            send: () => flow.send(bytes),
            sendAck: (response) => flow.send(serializeSipMessage(ackForFailure(request, response))),
            onProvisional: options.onProvisional,
          })
        : new ClientTransaction(() => flow.send(bytes), common);
    this.#transactions.set(key, transaction);
    if (transaction instanceof InviteClientTransaction && options.signal)
      this.#cancelOnAbort(request, { transaction, flow, signal: options.signal });
    return { request, flow, response: await transaction.final };
  }

  /** §9.1: a CANCEL goes out only once a provisional response arrived, on the INVITE's flow. */
  #cancelOnAbort(
    invite: SipRequest,
    context: { transaction: InviteClientTransaction; flow: Flow; signal: AbortSignal },
  ): void {
    const { transaction, flow, signal } = context;
    const cancel = (): void => {
      if (transaction.state === 'completed' || transaction.state === 'terminated') return;
      if (!transaction.provisional) {
        setTimeout(cancel, this.#timers.T1).unref();
        return;
      }
      const request = cancelFor(invite);
      const bytes = serializeSipMessage(request);
      const key = `${invite.via[0]?.branch ?? ''}|CANCEL`;
      const tx = new ClientTransaction(() => flow.send(bytes), {
        reliable: flow.transport !== 'udp',
        timers: this.#timers,
        onTerminated: () => this.#transactions.delete(key),
      });
      this.#transactions.set(key, tx);
      tx.final.catch(() => undefined); // the INVITE's own final response is what the caller awaits
    };
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }

  #via(flow: Flow, branch = newBranch()): string {
    const local = this.#transports.local(flow.transport);
    if (!local)
      throw new SipError(SipErrorCode.TRANSPORT, `Not listening on ${flow.transport}`, 503);
    const host = local.family === 'IPv6' ? `[${local.address}]` : local.address;
    return `SIP/2.0/${flow.transport.toUpperCase()} ${host}:${local.port};branch=${branch};rport`;
  }
}

/** The challenge of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), and where the answer goes. */
function challengeOf(response: SipResponse): { value: string; answer: string } | undefined {
  const [header, answer] =
    response.status === 401
      ? ['WWW-Authenticate', 'Authorization']
      : response.status === 407
        ? ['Proxy-Authenticate', 'Proxy-Authorization']
        : [];
  if (!header || !answer) return undefined;
  // Several challenges (RFC 8760 §2.4): take the first whose algorithm we support.
  const values = response.headers.filter(([name]) => name === header).map(([, value]) => value);
  const value = values.find(
    (v) => /algorithm=("?)(SHA-256|MD5)\1/i.test(v) || !/algorithm=/i.test(v),
  );
  return value ? { value, answer } : undefined;
}
