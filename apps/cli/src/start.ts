import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Env } from '@pigeonhole/config';
import { APPS, appEntry, isBuilt } from './apps.js';
import { connectRedis, withinTime } from '@pigeonhole/app-runtime';

type Print = (line: string) => void;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long an app may take to stop (its runs in progress, then Redis) before it is killed. */
const STOP_GRACE_MS = 20_000;

/**
 * Starts the whole service in the foreground: Redis (embedded unless REDIS_URL is set), then every
 * built app as a child process. Ctrl-C (SIGINT), SIGTERM or SIGHUP (its terminal closed) stops the
 * apps, then the Redis it started; an app that does not stop within 20 s is killed, and so is every app
 * at a second signal. Refuses to start when another instance answers on its ports.
 * Resolves with the exit code once everything is stopped.
 */
export async function startService(env: Env, print: Print): Promise<number> {
  await refuseIfAlreadyRunning(env);
  const children = new Map<string, ChildProcess>();
  // Signals are handled from here on: one while Redis starts stops what was started so far.
  const stopSignal = watchStopSignals(children);
  const redis = await connectRedis(env, { ownProcessGroup: true });
  print(`redis      ${redis.url} (${redis.description})`);
  if (!stopSignal.received) spawnApps(env, { children, redisUrl: redis.url, print });
  const stopped = firstStopReason(children, { stopSignal: stopSignal.promise, print });
  // "Running" only once every app answers its /readyz: a client may send at once.
  const ready =
    !stopSignal.received &&
    (await Promise.race([allReady(children, env), stopped.then(() => false)]));
  if (ready) print('Pigeonhole is running. Ctrl-C stops it.');
  const code = await stopped;
  await stopChildren(children, print);
  await redis.stop();
  print('stopped');
  return code;
}

/** Starts every built app as a child process on `redisUrl`. */
function spawnApps(
  env: Env,
  into: { children: Map<string, ChildProcess>; redisUrl: string; print: Print },
): void {
  for (const app of APPS) {
    if (!isBuilt(app)) {
      into.print(`${app.name.padEnd(10)} not built yet; skipped`);
      continue;
    }
    into.children.set(
      app.name,
      spawn(process.execPath, [...(app.nodeOptions ?? []), appEntry(app)], {
        stdio: 'inherit',
        env: { ...app.env, ...childEnv(into.redisUrl) }, // the user's own values win
      }),
    );
    into.print(`${app.name.padEnd(10)} ${app.listens(env)}`);
  }
}

/**
 * The first SIGINT, SIGTERM or SIGHUP asks to stop; a later one kills the apps at once (a second
 * Ctrl-C does not wait for them).
 */
function watchStopSignals(children: Map<string, ChildProcess>): {
  readonly promise: Promise<void>;
  readonly received: boolean;
} {
  let received = false;
  const promise = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      if (received) children.forEach((child) => child.kill('SIGKILL'));
      received = true;
      resolve();
    };
    for (const name of STOP_SIGNALS) process.on(name, onSignal);
  });
  return {
    promise,
    get received() {
      return received;
    },
  };
}

/** The environment of an app: ours, with the Redis every app must share. */
function childEnv(redisUrl: string): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- passed through to children, not read
  return { ...process.env, REDIS_URL: redisUrl };
}

/** True once every started app answers its `/readyz` with 200; false when one exits first. */
async function allReady(children: Map<string, ChildProcess>, env: Env): Promise<boolean> {
  const checks = APPS.filter((app) => children.has(app.name)).map(async (app) => {
    const child = children.get(app.name);
    const url = app.readyUrl(env);
    if (url === undefined) return true;
    while (child?.exitCode === null && child.signalCode === null) {
      if ((await probe(url))?.ok) return true;
      await delay(200);
    }
    return false;
  });
  return (await Promise.all(checks)).every(Boolean);
}

/** Waits for a stop signal (exit code 0) or for an app to exit on its own (exit code 1). */
async function firstStopReason(
  children: Map<string, ChildProcess>,
  { stopSignal, print }: { stopSignal: Promise<void>; print: Print },
): Promise<number> {
  const controller = new AbortController();
  const exits = [...children].map(([name, child]) =>
    once(child, 'exit', { signal: controller.signal }).then(([code, sig]) => {
      print(`${name} exited (${String(code ?? sig)}); stopping the service`);
      return 1;
    }),
  );
  const code = await Promise.race([stopSignal.then(() => 0), ...exits]);
  controller.abort();
  await Promise.allSettled(exits);
  return code;
}

async function stopChildren(children: Map<string, ChildProcess>, print: Print): Promise<void> {
  await Promise.all(
    [...children].map(async ([name, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      if (await withinTime(exited, STOP_GRACE_MS)) return;
      print(`${name} did not stop within ${STOP_GRACE_MS / 1000} s; killed`);
      child.kill('SIGKILL');
      await exited;
    }),
  );
}

/**
 * A second `start` would find the first one's apps answering its readiness checks and say it runs
 * before its own apps fail on the ports in use: it stops here, saying why.
 */
async function refuseIfAlreadyRunning(env: Env): Promise<void> {
  for (const app of APPS) {
    const url = app.readyUrl(env);
    if (url && (await probe(url)))
      throw new AlreadyRunningError(
        `${url} already answers: is Pigeonhole already running? Stop it, or give this one other ports (README: Configuration).`,
      );
  }
}

/** What answers at `url` within a second, if anything does. */
const probe = (url: string): Promise<Response | undefined> =>
  fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);

/** Something already answers where an app of ours would listen. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}
