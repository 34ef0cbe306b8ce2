import { ConfigError, loadEnv, type Env } from '@pigeonhole/config';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createLogger, type Logger } from './logger.js';
import { startOpsServer, type OpsServer, type ReadinessCheck } from './ops-server.js';
import { connectRedis } from './redis-connection.js';
import { withinTime } from './within-time.js';

/** What an app's `start` gets. */
export interface AppContext {
  readonly env: Env;
  readonly log: Logger;
  /** The Redis every app of the service shares. */
  readonly redisUrl: string;
  /** Register the app's metrics here; `/metrics` serves it. */
  readonly registry: Registry;
}

/** A started app: how to stop it, and what `/readyz` checks. */
export interface RunningApp {
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  close(): Promise<void>;
}

/** How `runApp` starts one app. */
export interface AppDefinition {
  readonly name: string;
  /** Port of the app's /healthz, /readyz and /metrics; undefined when the app serves them itself. */
  readonly opsPort?: (env: Env) => number;
  readonly start: (context: AppContext) => Promise<RunningApp>;
}

/** How long one step of stopping may take: a Redis gone first must not keep an app from exiting. */
const STOP_STEP_LIMIT_MS = 10_000;

/** Resolves with `step`, or rejects once it took longer than {@link STOP_STEP_LIMIT_MS}. */
async function withinStopLimit(step: Promise<void> | undefined): Promise<void> {
  if (!(await withinTime(step, STOP_STEP_LIMIT_MS)))
    throw new Error(`did not finish within ${STOP_STEP_LIMIT_MS} ms`);
}

/**
 * The body of every app's `main.ts`: reads the config (a bad value exits 78 with a message naming the
 * variable), connects Redis (the embedded one when REDIS_URL is unset), starts the app and its ops
 * endpoints, and on SIGINT/SIGTERM/SIGHUP stops them in reverse order.
 */
export async function runApp(app: AppDefinition): Promise<void> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${app.name}: ${err.message}\n`);
    process.exit(78);
  }
  const log = createLogger(app.name, env.LOG_LEVEL);
  const redis = await connectRedis(env);
  log.info({ redis: redis.url, how: redis.description }, 'redis');
  const registry = new Registry();
  registry.setDefaultLabels({ app: app.name });
  collectDefaultMetrics({ register: registry });

  let running: RunningApp | undefined;
  let ops: OpsServer | undefined;
  try {
    running = await app.start({ env, log, redisUrl: redis.url, registry });
    const checks = running.checks;
    ops = app.opsPort
      ? await startOpsServer({ host: env.OPS_HOST, port: app.opsPort(env), registry, checks })
      : undefined;
  } catch (err) {
    // A port in use is the usual cause (another instance is running): one line that says so.
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    log.fatal(
      { err },
      inUse ? 'a port it needs is in use: is Pigeonhole already running?' : 'could not start',
    );
    await stopSteps(log, [
      ['app', () => running?.close()],
      ['redis', () => redis.stop()],
    ]);
    process.exit(1);
  }
  if (ops) log.info({ url: `http://${env.OPS_HOST}:${ops.port}/metrics` }, 'ops endpoints');

  const stop = async (signal: string): Promise<void> => {
    log.info({ signal }, 'stopping');
    await stopSteps(log, [
      ['ops endpoints', () => ops?.close()],
      ['app', () => running.close()],
      ['redis', () => redis.stop()],
    ]);
    log.info('stopped');
  };
  let stopping: Promise<void> | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stopping ??= stop(signal).then(() => process.exit(0));
    });
  }
}

/** Runs each step of stopping in turn, within its time limit; a failed step is logged, not fatal. */
async function stopSteps(
  log: Logger,
  steps: readonly (readonly [string, () => Promise<void> | undefined])[],
): Promise<void> {
  for (const [what, step] of steps) {
    try {
      await withinStopLimit(step());
    } catch (err) {
      log.error({ err, what }, 'error while stopping');
    }
  }
}
