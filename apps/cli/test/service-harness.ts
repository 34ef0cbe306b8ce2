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
  /** The environment a CLI command needs to reach this service. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts the whole service from its build and resolves once signalling, media and delivery run. */
export async function startService(users: string): Promise<RunningService> {
  const redis = await startTestRedis();
  const sipPort = await freePort();
  const msrpPort = await freePort();
  const wsPort = await freePort();
  const dashboardPort = await freePort();
  const token = 'test-token-0123456789';
  const prefix = uniquePrefix('ph');
  const port = async (): Promise<string> => String(await freePort());
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    SIP_UDP_PORT: String(sipPort),
    SIP_TCP_PORT: String(sipPort),
    SIP_WS_PORT: String(wsPort),
  };
  const service: ChildProcess = spawn(process.execPath, ['apps/cli/dist/main.js', 'start'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env['PATH'],
      ...env,
      SIP_USERS: users,
      MSRP_TCP_PORT: String(msrpPort),
      MSRP_WS_PORT: await port(),
      DASHBOARD_PORT: String(dashboardPort),
      SIGNALLING_OPS_PORT: await port(),
      MEDIA_OPS_PORT: await port(),
      DELIVERY_OPS_PORT: await port(),
      DELIVERY_MSRP_WS_PORT: await port(),
      DASHBOARD_TOKEN: token,
    },
  });
  const lines = createInterface({ input: service.stdout as NodeJS.ReadableStream });
  // The start command says it runs only once every app answers its /readyz.
  await withTimeout(
    new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        if (line.startsWith('Pigeonhole is running')) resolve();
      }),
    ),
    30_000,
    'signalling, media, delivery and the dashboard to be ready',
  );
  return {
    redis,
    prefix,
    sipPort,
    msrpPort,
    wsPort,
    dashboard: { url: `http://127.0.0.1:${dashboardPort}`, token },
    env,
    async stop() {
      const exited = once(service, 'exit');
      service.kill('SIGTERM');
      await withTimeout(exited, 15_000, 'the service to stop');
      await redis.destroy();
    },
  };
}
