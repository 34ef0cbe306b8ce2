import { EventEmitter } from 'node:events';
import { connectMsrp } from '@pigeonhole/msrp';
import {
  Inviter,
  Messager,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type Session,
  type URI,
} from 'sip.js';
import { WebSocket as NodeWebSocket } from 'ws';
import { MsrpDescriptionHandler, type OfferedFile } from './msrp-description-handler.js';

/** OMA SIMPLE IM large message mode, asked for in Accept-Contact. */
const LARGE_MESSAGE = 'Accept-Contact: *;+g.oma.sip-im.large-message';

/** How to reach the service, and as whom. */
export interface ClientOptions {
  /** The service's SIP WebSocket, e.g. `ws://127.0.0.1:5066` (RFC 7118). */
  readonly server: string;
  readonly user: string;
  readonly password: string;
  /** The SIP domain, e.g. `localhost`. */
  readonly domain: string;
}

/** A pager message that arrived. */
export interface ReceivedText {
  readonly from: string;
  readonly contentType: string;
  readonly body: string;
}

/** A large message to send: its description and its bytes. */
export interface OutgoingFile extends OfferedFile {
  readonly body: Buffer | AsyncIterable<Buffer>;
}

/** Events of a client. */
export interface ClientEvents {
  message: [ReceivedText];
}

/**
 * A user of the service over SIP WebSocket, on SIP.js: registers, sends pager messages (MESSAGE,
 * RFC 3428) and large ones (INVITE + MSRP, RFC 4975), and receives pager messages, stored ones
 * included, as `message` events (each answered 200). Resolves each send with the final SIP status
 * (202: stored for an offline user).
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
        new MsrpDescriptionHandler(this.#files.get(session) ?? { name: '', type: '*', size: 0 }),
      delegate: {
        onMessage: (message) => {
          void message.accept();
          this.emit('message', {
            from: message.request.from.uri.toString(),
            contentType: message.request.getHeader('Content-Type') ?? 'text/plain',
            body: message.request.body,
          });
        },
        // Receiving large messages needs an MSRP connection from the service: not over WebSocket yet.
        onInvite: (invitation) => void invitation.reject({ statusCode: 488 }),
      },
    });
  }

  /** Connects the WebSocket. */
  async start(): Promise<void> {
    await this.#ua.start();
  }

  /** Registers (stored messages then arrive as `message` events). Rejects on a refusal. */
  async register(expires = 600): Promise<void> {
    this.#registerer ??= new Registerer(this.#ua, { expires });
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
            onReject: (response) =>
              reject(new Error(`REGISTER answered ${response.message.statusCode}`)),
          },
        })
        .catch(reject);
    });
  }

  /** Sends a pager message; resolves with the final status (202 when stored). */
  sendText(to: string, text: string, contentType = 'text/plain'): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      new Messager(this.#ua, this.#uri(to), text, contentType)
        .message({
          requestDelegate: {
            onAccept: (response) => resolve(response.message.statusCode ?? 0),
            onReject: (response) => resolve(response.message.statusCode ?? 0),
          },
        })
        .catch(reject);
    });
  }

  /**
   * Sends a large message: INVITE with an MSRP offer; on 200 the body goes over MSRP to the answer's
   * path, then BYE. Resolves with the INVITE's final status (200 once every chunk was accepted, so the
   * message is stored); a refusal (603 quota, 488) resolves with that status.
   */
  async sendFile(
    to: string,
    file: OutgoingFile,
    onProgress?: (sent: number) => void,
  ): Promise<number> {
    const inviter = new Inviter(this.#ua, this.#uri(to), { extraHeaders: [LARGE_MESSAGE] });
    this.#files.set(inviter, file);
    let status = 0;
    const settled = new Promise<boolean>((resolve) =>
      inviter.stateChange.addListener((state) => {
        if (state === SessionState.Established) resolve(true);
        if (state === SessionState.Terminated) resolve(false);
      }),
    );
    await inviter.invite({
      requestDelegate: {
        onAccept: (response) => (status = response.message.statusCode ?? 0),
        onReject: (response) => (status = response.message.statusCode ?? 0),
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
        body: file.body,
        size: file.size,
        onProgress,
      });
    } finally {
      await connection.close();
    }
  }

  #uri(user: string): URI {
    const uri = UserAgent.makeURI(`sip:${user}@${this.#options.domain}`);
    if (!uri) throw new Error(`not a SIP user name: ${user}`);
    return uri;
  }
}

/** SIP.js needs a global WebSocket; Node 20 has none, so `ws` stands in (browsers have their own). */
function useNodeWebSocket(): void {
  const global = globalThis as { WebSocket?: unknown };
  global.WebSocket ??= NodeWebSocket;
}
