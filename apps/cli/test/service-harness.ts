import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  startTestRedis,
  uniquePrefix,
  withTimeout,
  type TestRedis,
} from '@pigeonhole/testkit';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** How long the whole service may take to be ready; generous, as tests share two cores. */
const READY_MS = 90_000;
/** Ports are chosen free but bound later, so another process may take one meanwhile. */
const ATTEMPTS = 3;

/** `pigeonhole start` on free ports and a test Redis, as a user runs it. */
export interface RunningService {
  readonly redis: TestRedis;
  readonly prefix: string;
  readonly sipPort: number;
  readonly msrpPort: number;
  /** SIP over WebSocket (RFC 7118). */
  readonly wsPort: number;
  /** The dashboard's address and its admin token. */
  readonly dashboard: { readonly url: string; readonly token: string };
  /** The service's configuration (every port, Redis, prefix): what a CLI command needs to reach it. */
  readonly env: Readonly<Record<string, string>>;
  /** The `pigeonhole start` process. */
  readonly child: ChildProcess;
  /** The lines it printed so far (its apps' logs included), stdout and stderr. */
  readonly output: readonly string[];
  stop(): Promise<void>;
}

/** The service did not say it runs; `output` is what it printed. */
class StartFailed extends Error {
  constructor(
    reason: string,
    readonly output: string,
  ) {
    super(`pigeonhole start ${reason}; it printed:\n${output}`);
  }
  /** A port chosen free was taken before the service bound it (by another test's service, say). */
  get portTaken(): boolean {
    return ['a port it needs is in use', 'is Pigeonhole already running?'].some((says) =>
      this.output.includes(says),
    );
  }
}

/** Starts the whole service from its build and resolves once every app is ready. */
export async function startService(users: string): Promise<RunningService> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(users);
    } catch (err) {
      if (!(err instanceof StartFailed && err.portTaken && attempt < ATTEMPTS)) throw err;
    }
  }
}

async function startOnce(users: string): Promise<RunningService> {
  const redis = await startTestRedis();
  const ports = await choosePorts();
  const prefix = uniquePrefix('ph');
  const token = 'test-token-0123456789';
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    SIP_UDP_PORT: String(ports.sip),
    SIP_TCP_PORT: String(ports.sip),
    SIP_WS_PORT: String(ports.ws),
    MSRP_TCP_PORT: String(ports.msrp),
    MSRP_WS_PORT: String(ports.msrpWs),
    DASHBOARD_PORT: String(ports.dashboard),
    SIGNALLING_OPS_PORT: String(ports.signallingOps),
    MEDIA_OPS_PORT: String(ports.mediaOps),
    DELIVERY_OPS_PORT: String(ports.deliveryOps),
    DELIVERY_MSRP_WS_PORT: String(ports.deliveryMsrpWs),
    DASHBOARD_TOKEN: token,
  };
  const service: ChildProcess = spawn(process.execPath, ['apps/cli/dist/main.js', 'start'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'], ...env, SIP_USERS: users },
  });
  const stop = async (): Promise<void> => {
    try {
      if (service.exitCode === null && service.signalCode === null) {
        const exited = once(service, 'exit');
        service.kill('SIGTERM');
        await withTimeout(exited, 30_000, 'the service to stop');
      }
    } finally {
      await redis.destroy();
    }
  };
  const output: string[] = [];
  try {
    await untilRunning(service, output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    redis,
    prefix,
    sipPort: ports.sip,
    msrpPort: ports.msrp,
    wsPort: ports.ws,
    dashboard: { url: `http://127.0.0.1:${ports.dashboard}`, token },
    env,
    child: service,
    output,
    stop,
  };
}

const PORT_NAMES = [
  ...['sip', 'ws', 'msrp', 'msrpWs', 'dashboard'],
  ...['signallingOps', 'mediaOps', 'deliveryOps', 'deliveryMsrpWs'],
] as const;

/** A free loopback port for every listener of every app. */
async function choosePorts(): Promise<Record<(typeof PORT_NAMES)[number], number>> {
  const ports: Record<string, number> = {};
  for (const name of PORT_NAMES) ports[name] = await freePort();
  return ports;
}

/**
 * Resolves once the start command says the service runs (it does so only when every app answers
 * its /readyz); rejects with everything it printed when it exits first or takes too long.
 */
async function untilRunning(service: ChildProcess, output: string[]): Promise<void> {
  if (service.stderr) {
    createInterface({ input: service.stderr }).on('line', (line) => {
      output.push(line);
      process.stderr.write(`${line}\n`);
    });
  }
  const running = new Promise<void>((resolve, reject) => {
    if (!service.stdout) return;
    createInterface({ input: service.stdout }).on('line', (line) => {
      output.push(line);
      if (line.startsWith('Pigeonhole is running')) resolve();
    });
    // 'close', not 'exit': every line it printed has been read by then.
    service.once('close', (code, signal) =>
      reject(new StartFailed(`exited (${String(code ?? signal)})`, output.join('\n'))),
    );
  });
  try {
    await withTimeout(running, READY_MS, 'signalling, media, delivery and the dashboard');
  } catch (err) {
    if (err instanceof StartFailed) throw err;
    throw new StartFailed(`was not ready within ${READY_MS} ms`, output.join('\n'));
  }
}
