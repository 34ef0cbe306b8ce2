import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { connectMsrp, streamingSession, type MsrpConnection } from '@pigeonhole/msrp';
import {
  Invitation,
  Inviter,
  Messager,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type Core,
  type Message,
  type Session,
  type URI,
} from 'sip.js';
import { WebSocket as NodeWebSocket } from 'ws';
import { MsrpDescriptionHandler, type OfferedFile } from './msrp-description-handler.js';
import { MsrpReceiveHandler } from './msrp-receive-handler.js';

/** OMA SIMPLE IM large message mode: the feature tag, and asked for in Accept-Contact. */
const LARGE_MESSAGE_TAG = '+g.oma.sip-im.large-message';
const LARGE_MESSAGE = `Accept-Contact: *;${LARGE_MESSAGE_TAG}`;

/** How to reach the service, and as whom. */
export interface ClientOptions {
  /** The service's SIP WebSocket, e.g. `ws://127.0.0.1:5066` (RFC 7118). */
  readonly server: string;
  readonly user: string;
  readonly password: string;
  /** The SIP domain, e.g. `localhost`. */
  readonly domain: string;
  /**
   * Takes each large message that arrives (INVITE + MSRP): read `body` to its end and resolve once the
   * message is kept; the sender's last chunk is answered 200, which tells the service it may drop its
   * copy, only then. A rejection refuses the message. Without it, large-message INVITEs get 488.
   */
  readonly onFile?: (file: ReceivedFile) => Promise<void>;
  /**
   * Takes each pager message: the MESSAGE is answered 200 once it resolved, 480 when it rejected (the
   * service keeps the message and tries again later). Without it, every message is answered 200 and
   * emitted as a `message` event.
   */
  readonly onMessage?: (message: ReceivedText) => void | Promise<void>;
}

/** The final answer to a send: 202 when stored for an offline user, 200 when delivered or stored. */
export interface SendResult {
  readonly status: number;
  readonly reason: string;
  /** The Warning header of a refusal (603 with the quota reason, RFC 3261 §20.43). */
  readonly warning?: string;
}

/** A large message that arrived; its body streams in with backpressure. */
export interface ReceivedFile {
  readonly from: string;
  readonly contentType: string;
  /** The size, when the sender announced it. */
  readonly size: number | undefined;
  readonly messageId: string;
  readonly body: Readable;
}

/** A pager message that arrived. */
export interface ReceivedText {
  readonly from: string;
  readonly contentType: string;
  readonly body: string;
}

/** A large message to send: its description and its bytes. */
export interface OutgoingFile extends OfferedFile {
  /** Bytes (a Buffer in Node, a Uint8Array in a browser), or a stream of them. */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
}

/** Events of a client. */
export interface ClientEvents {
  message: [ReceivedText];
  /**
   * A message that could not be received (the service keeps it and tries again), or an answer that
   * could not be sent.
   */
  receiveFailed: [Error];
}

/** The service refused our REGISTER: `status` says why (401/403: the user or password is wrong). */
export class RegistrationError extends Error {
  constructor(readonly status: number) {
    super(
      status === 401 || status === 403 || status === 407
        ? `REGISTER answered ${status}: wrong user name or password`
        : `REGISTER answered ${status}`,
    );
    this.name = new.target.name;
  }
}

/**
 * A user of the service over SIP WebSocket, on SIP.js: registers, sends pager messages (MESSAGE,
 * RFC 3428) and large ones (INVITE + MSRP, RFC 4975), and receives both, stored ones included: pager
 * messages as `message` events (each answered 200), large ones through `onFile`. Resolves each send
 * with the final SIP status (202: stored for an offline user).
 */
export class PigeonholeClient extends EventEmitter<ClientEvents> {
  readonly #options: ClientOptions;
  readonly #ua: UserAgent;
  readonly #files = new WeakMap<Session, OfferedFile>();
  #registerer: Registerer | undefined;

  constructor(options: ClientOptions) {
    super();
    this.#options = options;
    useNodeWebSocket();
    this.#ua = new UserAgent({
      uri: this.#uri(options.user),
      transportOptions: { server: options.server },
      authorizationUsername: options.user,
      authorizationPassword: options.password,
      logBuiltinEnabled: false,
      sessionDescriptionHandlerFactory: (session) =>
        session instanceof Invitation
          ? new MsrpReceiveHandler()
          : new MsrpDescriptionHandler(
              this.#files.get(session) ?? { name: '', type: '*', size: 0 },
            ),
      delegate: {
        onMessage: (message) => void this.#takeMessage(message).catch(this.#failed),
        onInvite: (invitation) => void this.#receive(invitation).catch(this.#failed),
      },
    });
  }

  /** Connects the WebSocket. */
  async start(): Promise<void> {
    await this.#ua.start();
  }

  /** Registers (stored messages then arrive as `message` events). Rejects on a refusal. */
  async register(expires = 600): Promise<void> {
    // OMA SIMPLE IM: with `onFile` this device takes large messages, and says so in its Contact.
    this.#registerer ??= new Registerer(this.#ua, {
      expires,
      extraContactHeaderParams: this.#options.onFile ? [LARGE_MESSAGE_TAG] : [],
    });
    const registerer = this.#registerer;
    await new Promise<void>((resolve, reject) => {
      const onState = (state: RegistererState): void => {
        if (state !== RegistererState.Registered) return;
        registerer.stateChange.removeListener(onState);
        resolve();
      };
      registerer.stateChange.addListener(onState);
      registerer
        .register({
          requestDelegate: {
            onReject: (response) => reject(new RegistrationError(response.message.statusCode ?? 0)),
          },
        })
        .catch(reject);
    });
  }

  /**
   * Sends a pager message to a user of the domain (or a full `sip:` URI); resolves with the final
   * answer (202 when stored).
   */
  sendText(to: string, text: string, contentType = 'text/plain'): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      new Messager(this.#ua, this.#uri(to), text, contentType)
        .message({
          requestDelegate: {
            onAccept: (response) => resolve(resultOf(response.message)),
            onReject: (response) => resolve(resultOf(response.message)),
          },
        })
        .catch(reject);
    });
  }

  /**
   * Sends a large message: INVITE with an MSRP offer; on 200 the body goes over MSRP to the answer's
   * path, then BYE. Resolves with the INVITE's final answer (200 once every chunk was accepted, so the
   * message is stored); a refusal (603 quota, 488) resolves with that answer.
   */
  async sendFile(
    to: string,
    file: OutgoingFile,
    onProgress?: (sent: number) => void,
  ): Promise<SendResult> {
    const inviter = new Inviter(this.#ua, this.#uri(to), { extraHeaders: [LARGE_MESSAGE] });
    this.#files.set(inviter, file);
    let status: SendResult = { status: 0, reason: 'no answer' };
    const settled = new Promise<boolean>((resolve) =>
      inviter.stateChange.addListener((state) => {
        if (state === SessionState.Established) resolve(true);
        if (state === SessionState.Terminated) resolve(false);
      }),
    );
    await inviter.invite({
      requestDelegate: {
        onAccept: (response) => (status = resultOf(response.message)),
        onReject: (response) => (status = resultOf(response.message)),
      },
    });
    if (!(await settled)) return status;
    try {
      await this.#transfer(inviter, file, onProgress);
      return status;
    } finally {
      await inviter.bye().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    await this.#registerer?.unregister().catch(() => undefined);
    await this.#ua.stop();
  }

  async #transfer(
    inviter: Inviter,
    file: OutgoingFile,
    onProgress: ((sent: number) => void) | undefined,
  ): Promise<void> {
    const handler = inviter.sessionDescriptionHandler;
    const answer = handler instanceof MsrpDescriptionHandler ? handler.answer : undefined;
    if (!(handler instanceof MsrpDescriptionHandler) || !answer)
      throw new Error('the session has no MSRP answer');
    const connection = await connectMsrp(answer.path[0] ?? '');
    try {
      await connection.send({
        toPath: answer.path,
        fromPath: [handler.localPath],
        contentType: file.type,
        body: asBuffers(file.body),
        size: file.size,
        onProgress,
      });
    } finally {
      await connection.close();
    }
  }

  /**
   * A large message coming in: accept the INVITE with an active MSRP answer, connect to the offer's
   * path, bind the session with a bodiless SEND (RFC 4975 §5.4) and hand the message to `onFile`; the
   * connection closes when the session ends (the sender's BYE).
   */
  async #receive(invitation: Invitation): Promise<void> {
    const onFile = this.#options.onFile;
    // Not now rather than never: the service keeps the message for a device that takes it.
    if (!onFile) return invitation.reject({ statusCode: 480 });
    let connection: MsrpConnection | undefined;
    try {
      await invitation.accept();
      const handler = invitation.sessionDescriptionHandler;
      const offer = handler instanceof MsrpReceiveHandler ? handler.offer : undefined;
      if (!(handler instanceof MsrpReceiveHandler) || !offer) throw new Error('no MSRP offer');
      const from = invitation.request.from.uri.toString();
      connection = await connectMsrp(offer.path[0] ?? '', {
        resolveSession: () =>
          Promise.resolve(
            streamingSession((message, body) =>
              onFile({
                from,
                contentType: message.contentType,
                size: message.total,
                messageId: message.messageId,
                body,
              }),
            ),
          ),
      });
      const opened = connection;
      invitation.stateChange.addListener((state) => {
        if (state === SessionState.Terminated) void opened.close();
      });
      if (invitation.state === SessionState.Terminated) throw new Error('the session ended');
      await connection.bind({ toPath: offer.path, fromPath: [handler.localPath] });
    } catch (err) {
      await connection?.close();
      if (invitation.state === SessionState.Established)
        await invitation.bye().catch(() => undefined);
      this.#failed(err);
    }
  }

  readonly #failed = (err: unknown): void => {
    this.emit('receiveFailed', err instanceof Error ? err : new Error(String(err)));
  };

  /** A pager message: 200 once the application took it, 480 when it could not (RFC 3428 §7). */
  async #takeMessage(message: Message): Promise<void> {
    const text: ReceivedText = {
      from: message.request.from.uri.toString(),
      contentType: message.request.getHeader('Content-Type') ?? 'text/plain',
      body: message.request.body,
    };
    const onMessage = this.#options.onMessage;
    if (!onMessage) {
      await message.accept();
      this.emit('message', text);
      return;
    }
    try {
      await onMessage(text);
    } catch {
      return message.reject({ statusCode: 480 });
    }
    await message.accept();
  }

  #uri(user: string): URI {
    const uri = UserAgent.makeURI(
      user.startsWith('sip:') ? user : `sip:${user}@${this.#options.domain}`,
    );
    if (!uri) throw new Error(`not a SIP user name: ${user}`);
    return uri;
  }
}

/** The body as Buffers, which the MSRP sender takes (a browser's bytes are plain Uint8Arrays). */
function asBuffers(body: Uint8Array | AsyncIterable<Uint8Array>): Buffer | AsyncIterable<Buffer> {
  const toBuffer = (bytes: Uint8Array): Buffer =>
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (body instanceof Uint8Array) return toBuffer(body);
  return (async function* () {
    for await (const piece of body) yield toBuffer(piece);
  })();
}

function resultOf(response: Core.IncomingResponseMessage): SendResult {
  const warning = response.getHeader('Warning');
  return {
    status: response.statusCode ?? 0,
    reason: response.reasonPhrase ?? '',
    ...(warning ? { warning } : {}),
  };
}

/** SIP.js needs a global WebSocket; Node 20 has none, so `ws` stands in (browsers have their own). */
function useNodeWebSocket(): void {
  const global = globalThis as { WebSocket?: unknown };
  global.WebSocket ??= NodeWebSocket;
}
