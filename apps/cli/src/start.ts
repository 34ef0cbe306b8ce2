import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Env } from '@pigeonhole/config';
import { APPS, appEntry, isBuilt } from './apps.js';
import { connectRedis } from '@pigeonhole/app-runtime';

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
  const redis = await connectRedis(env);
  print(`redis      ${redis.url} (${redis.description})`);
  const children = new Map<string, ChildProcess>();
  for (const app of APPS) {
    if (!isBuilt(app)) {
      print(`${app.name.padEnd(10)} not built yet; skipped`);
      continue;
    }
    children.set(
      app.name,
      spawn(process.execPath, [...(app.nodeOptions ?? []), appEntry(app)], {
        stdio: 'inherit',
        env: { ...app.env, ...childEnv(redis.url) }, // the user's own values win
      }),
    );
    print(`${app.name.padEnd(10)} ${app.listens(env)}`);
  }
  const stopped = firstStopReason(children, print);
  // "Running" only once every app answers its /readyz: a client may send at once.
  const ready = await Promise.race([allReady(children, env), stopped.then(() => false)]);
  if (ready) print('Pigeonhole is running. Ctrl-C stops it.');
  const code = await stopped;
  // A second Ctrl-C does not wait for the apps to finish.
  const force = (): void => children.forEach((child) => child.kill('SIGKILL'));
  for (const name of STOP_SIGNALS) process.on(name, force);
  await stopChildren(children, print);
  await redis.stop();
  print('stopped');
  return code;
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
      const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return true;
      await delay(200);
    }
    return false;
  });
  return (await Promise.all(checks)).every(Boolean);
}

/** Waits for a stop signal (exit code 0) or for an app to exit on its own (exit code 1). */
async function firstStopReason(children: Map<string, ChildProcess>, print: Print): Promise<number> {
  const controller = new AbortController();
  const { signal } = controller;
  const signals = STOP_SIGNALS.map((name) => once(process, name, { signal }).then(() => 0));
  const exits = [...children].map(([name, child]) =>
    once(child, 'exit', { signal }).then(([code, sig]) => {
      print(`${name} exited (${String(code ?? sig)}); stopping the service`);
      return 1;
    }),
  );
  const code = await Promise.race([...signals, ...exits]);
  controller.abort();
  await Promise.allSettled([...signals, ...exits]);
  return code;
}

async function stopChildren(children: Map<string, ChildProcess>, print: Print): Promise<void> {
  await Promise.all(
    [...children].map(async ([name, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = new AbortController();
      const inTime = await Promise.race([
        exited.then(() => true),
        delay(STOP_GRACE_MS, false, { signal: timer.signal }),
      ]);
      timer.abort();
      if (inTime) return;
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
    const answered = url
      ? await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
          () => true,
          () => false,
        )
      : false;
    if (answered)
      throw new AlreadyRunningError(
        `${url ?? ''} already answers: is Pigeonhole already running? Stop it, or give this one other ports (README: Configuration).`,
      );
  }
}

/** Something already answers where an app of ours would listen. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}
