import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { freePort } from './free-port.js';
import { RedisServerError, notInstalledMessage } from './redis-server-error.js';

/** How a redis-server process is started. */
export interface RedisServerOptions {
  /** Data directory (AOF, pid file); created when missing. */
  readonly dir: string;
  /** TCP port; 0 picks a free one. @defaultValue 0 */
  readonly port?: number;
  /** Address to bind. @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** AOF fsync policy. @defaultValue 'everysec' */
  readonly appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra command-line arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly extraArgs?: readonly string[];
  /** The binary to run. @defaultValue 'redis-server' */
  readonly binary?: string;
  /** How long to wait for "Ready to accept connections". @defaultValue 10000 */
  readonly startTimeoutMs?: number;
  /**
   * Runs the server in a process group of its own, out of reach of a Ctrl-C in the terminal: for a
   * parent that stops it itself, after other processes that still need it while they stop.
   * @defaultValue false
   */
  readonly ownProcessGroup?: boolean;
}

const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  appendfsync: 'everysec',
  extraArgs: [] as readonly string[],
  binary: 'redis-server',
  startTimeoutMs: 10_000,
  ownProcessGroup: false,
} as const;

type ResolvedOptions = Required<RedisServerOptions>;

/** Attempts when a picked free port is taken before redis-server binds it. */
const PORT_ATTEMPTS = 5;

/**
 * A redis-server child process with AOF on and `noeviction`, bound to loopback.
 * It can be stopped, killed with SIGKILL (for crash tests) and restarted on the same data and port.
 */
export class RedisServer {
  #child: ChildProcess | undefined;
  readonly #options: ResolvedOptions;

  private constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  /** Starts a server and resolves once it accepts connections. */
  static async start(options: RedisServerOptions): Promise<RedisServer> {
    const resolved: ResolvedOptions = { ...DEFAULTS, ...options };
    await mkdir(resolved.dir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const port = resolved.port || (await freePort(resolved.host));
      const server = new RedisServer({ ...resolved, port });
      try {
        await server.#spawn();
        return server;
      } catch (err) {
        const portTaken = err instanceof RedisServerError && /in use/i.test(err.message);
        if (!portTaken || resolved.port !== 0 || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  }

  /** `redis://host:port` of this server. */
  get url(): string {
    return `redis://${this.#options.host}:${this.#options.port}`;
  }

  get port(): number {
    return this.#options.port;
  }

  get host(): string {
    return this.#options.host;
  }

  get dir(): string {
    return this.#options.dir;
  }

  /** Process id, or undefined when not running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Graceful shutdown (SIGTERM): Redis flushes the AOF before it exits. Idempotent. */
  stop(): Promise<void> {
    return this.#signal('SIGTERM');
  }

  /** SIGKILL: the process dies at once, as in a crash. */
  kill(): Promise<void> {
    return this.#signal('SIGKILL');
  }

  /** Starts the process again on the same data directory and port. */
  async restart(): Promise<void> {
    if (this.#child) await this.stop();
    await this.#spawn();
  }

  #args(): string[] {
    const o = this.#options;
    return [
      '--port',
      String(o.port),
      '--bind',
      o.host,
      '--dir',
      o.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      o.appendfsync,
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--logfile',
      '',
      ...o.extraArgs,
    ];
  }

  #spawn(): Promise<void> {
    const { binary, startTimeoutMs, ownProcessGroup } = this.#options;
    const child = spawn(binary, this.#args(), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: ownProcessGroup,
    });
    this.#child = child;
    return new Promise<void>((resolve, reject) => {
      let output = '';
      const fail = (err: RedisServerError): void => {
        clearTimeout(timer);
        this.#child = undefined;
        child.kill('SIGKILL');
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(
          new RedisServerError(
            'REDIS_ERR_START_TIMEOUT',
            `${binary} did not become ready in ${startTimeoutMs} ms:\n${output}`,
          ),
        );
      }, startTimeoutMs);
      child.once('error', (err: NodeJS.ErrnoException) => {
        const notFound = err.code === 'ENOENT';
        fail(
          new RedisServerError(
            notFound ? 'REDIS_ERR_NOT_INSTALLED' : 'REDIS_ERR_START_FAILED',
            notFound ? notInstalledMessage(binary) : err.message,
            { cause: err },
          ),
        );
      });
      child.once('exit', (code, signal) => {
        if (this.#child === child) this.#child = undefined;
        if (output.includes('Ready to accept connections')) return;
        fail(
          new RedisServerError(
            'REDIS_ERR_START_FAILED',
            `${binary} exited (${code ?? signal}) before it was ready:\n${output}`,
          ),
        );
      });
      const onData = (data: Buffer): void => {
        if (output.length < 64 * 1024) output += data.toString('utf8');
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child?.exitCode !== null || child.signalCode !== null) {
      this.#child = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.#child = undefined;
  }
}
