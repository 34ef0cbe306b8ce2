import type { EventEmitter } from 'node:events';

/** Resolves with `promise`, or rejects after `ms` with an error that names `what`. */
export async function withTimeout<TValue>(
  promise: Promise<TValue>,
  ms: number,
  what: string,
): Promise<TValue> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for one `event` from `emitter` (its arguments as an array), failing after `ms`. */
export function waitForEvent(emitter: EventEmitter, event: string, ms = 5000): Promise<unknown[]> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const fired = new Promise<unknown[]>((resolve) => {
    listener = (...args: unknown[]) => resolve(args);
    emitter.once(event, listener);
  });
  return withTimeout(fired, ms, `event '${event}'`).finally(() => {
    if (listener) emitter.off(event, listener);
  });
}

/** Polls `check` on every turn of the event loop until it returns true, failing after `ms`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
