import { randomBytes } from 'node:crypto';
import {
  MsrpError,
  MsrpErrorCode,
  MsrpServer,
  MsrpStatusError,
  formatMsrpUri,
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
  /** The port for the offer's `m=` line. */
  readonly port: number;
  /** Resolves with the connection the device bound to this session; rejects after `timeoutMs`. */
  connected(timeoutMs: number): Promise<MsrpConnection>;
  /** Forgets the session (a connection for it after this gets 481). */
  end(): void;
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
  readonly #waiting = new Map<string, (connection: MsrpConnection) => void>();
  readonly #publicHost: string;
  #port = 0;

  private constructor(publicHost: string) {
    this.#publicHost = publicHost;
    this.#server = new MsrpServer({
      resolveSession: ({ sessionId, connection }) => {
        const bound = this.#waiting.get(sessionId);
        if (!bound) return Promise.resolve(481);
        this.#waiting.delete(sessionId);
        bound(connection);
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
    let bind: (connection: MsrpConnection) => void = () => undefined;
    const bound = new Promise<MsrpConnection>((resolve) => (bind = resolve));
    this.#waiting.set(sessionId, bind);
    const end = (): void => void this.#waiting.delete(sessionId);
    return {
      path: formatMsrpUri({
        secure: false,
        host: this.#publicHost,
        port: this.#port,
        sessionId,
        transport: 'ws',
      }),
      port: this.#port,
      end,
      connected: (timeoutMs) => withDeadline(bound, timeoutMs, end),
    };
  }

  close(): Promise<void> {
    this.#waiting.clear();
    return this.#server.close(0);
  }
}

function withDeadline(
  bound: Promise<MsrpConnection>,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<MsrpConnection> {
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
