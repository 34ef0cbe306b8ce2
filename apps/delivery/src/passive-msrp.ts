import { randomBytes } from 'node:crypto';
import {
  MsrpError,
  MsrpErrorCode,
  MsrpServer,
  MsrpStatusError,
  formatMsrpUri,
  parseMsrpUri,
  sameMsrpUri,
  type MsrpConnection,
  type SessionHandler,
} from '@pigeonhole/msrp';

/** Where the worker listens for devices that connect to it, and the host it names in `a=path`. */
export interface PassiveMsrpOptions {
  /** Address the WebSocket listener binds. */
  readonly host: string;
  readonly port: number;
  /** The host devices reach it by (the `a=path` of the offer). */
  readonly publicHost: string;
}

/** A delivery session that waits for the device's connection. */
export interface PassiveSession {
  /** Our MSRP URI for the offer's `a=path`. */
  readonly path: string;
  /** The host and port for the offer's `c=` and `m=` lines. */
  readonly host: string;
  readonly port: number;
  /**
   * Resolves with the connection the device bound to this session, once its From-Path is the answer's
   * path (`peerPath`); rejects after `timeoutMs`, or when another endpoint bound it.
   */
  connected(expect: { peerPath: readonly string[]; timeoutMs: number }): Promise<MsrpConnection>;
  /** Forgets the session (a connection for it after this gets 481) and closes its connection. */
  end(): void;
}

/** A device's connection and the From-Path it bound the session with. */
interface Binding {
  readonly connection: MsrpConnection;
  readonly fromPath: readonly string[];
}

/** The device sends nothing on a delivery session: a message from it is refused (RFC 4975 §7.2: 403). */
const SEND_ONLY: SessionHandler = {
  onData() {
    throw new MsrpStatusError(403, 'this session only delivers');
  },
  onComplete() {
    throw new MsrpStatusError(403, 'this session only delivers');
  },
};

/**
 * The worker's MSRP over WebSocket listener, for devices that cannot be connected to: a browser is
 * always the active end (RFC 7977 §5). A large-message INVITE to such a device offers a session here
 * (`a=setup:passive`); the device connects and binds it with a bodiless SEND (RFC 4975 §5.4), and the
 * message goes out over that connection. Only sessions this worker offered are accepted (481 otherwise).
 */
export class PassiveMsrp {
  readonly #server: MsrpServer;
  readonly #waiting = new Map<string, (binding: Binding) => void>();
  readonly #publicHost: string;
  #port = 0;

  private constructor(publicHost: string) {
    this.#publicHost = publicHost;
    this.#server = new MsrpServer({
      resolveSession: ({ sessionId, connection, fromPath }) => {
        const bound = this.#waiting.get(sessionId);
        if (!bound) return Promise.resolve(481);
        this.#waiting.delete(sessionId);
        bound({ connection, fromPath });
        return Promise.resolve(SEND_ONLY);
      },
    });
  }

  static async listen(options: PassiveMsrpOptions): Promise<PassiveMsrp> {
    const passive = new PassiveMsrp(options.publicHost);
    passive.#port = (
      await passive.#server.listenWebSocket({ host: options.host, port: options.port })
    ).port;
    return passive;
  }

  get port(): number {
    return this.#port;
  }

  /** A new session for one delivery. */
  open(): PassiveSession {
    const sessionId = randomBytes(12).toString('hex');
    let bind: (binding: Binding) => void = () => undefined;
    const bound = new Promise<Binding>((resolve) => (bind = resolve));
    let connection: MsrpConnection | undefined;
    this.#waiting.set(sessionId, (binding) => {
      connection = binding.connection;
      bind(binding);
    });
    const end = (): void => {
      this.#waiting.delete(sessionId);
      void connection?.close();
    };
    return {
      path: formatMsrpUri({
        secure: false,
        host: this.#publicHost,
        port: this.#port,
        sessionId,
        transport: 'ws',
      }),
      host: this.#publicHost,
      port: this.#port,
      end,
      connected: async ({ peerPath, timeoutMs }) => {
        const binding = await withDeadline(bound, timeoutMs, end);
        // RFC 4975 §7.3: the session is the answerer's; another endpoint that knew the id is not it.
        if (!samePeer(binding.fromPath, peerPath))
          throw new MsrpError(MsrpErrorCode.REFUSED, 'the session was bound from another path');
        return binding.connection;
      },
    };
  }

  close(): Promise<void> {
    this.#waiting.clear();
    return this.#server.close(0);
  }
}

function samePeer(fromPath: readonly string[], peerPath: readonly string[]): boolean {
  try {
    return sameMsrpUri(parseMsrpUri(fromPath[0] ?? ''), parseMsrpUri(peerPath[0] ?? ''));
  } catch {
    return false;
  }
}

function withDeadline(
  bound: Promise<Binding>,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<Binding> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new MsrpError(
          MsrpErrorCode.CONNECTION_CLOSED,
          `the device did not connect within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
  });
  return Promise.race([bound, late]).finally(() => clearTimeout(timer));
}
