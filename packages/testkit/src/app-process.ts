import { readFile } from 'node:fs/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { withTimeout } from './wait.js';

/** One JSON log line of an app (pino). */
export type LogEntry = Readonly<Record<string, unknown>> & { readonly msg?: string };

/** One of the service's apps running as its own process. */
export interface AppProcess {
  readonly child: ChildProcess;
  /** The log entry that said the app was ready (its ports, for one). */
  readonly ready: LogEntry;
  /** SIGKILL, and waits for the exit: a crash, for fault tests. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** How to start an app. */
export interface AppProcessOptions {
  /** The project root (where `apps/` is). */
  readonly root: string;
  /** The built entry point, relative to the root, e.g. `apps/delivery/dist/main.js`. */
  readonly script: string;
  /** The environment (PATH is added); the app reads only these variables. */
  readonly env: Readonly<Record<string, string>>;
  /** The `msg` of the log line that means ready. */
  readonly readyMessage: string;
  readonly nodeOptions?: readonly string[];
  /** @defaultValue 30000 */
  readonly timeoutMs?: number;
}

/**
 * Starts an app from its build as a child process (the way it runs in production; `npm test` builds
 * first) and resolves once it logged `readyMessage`. Its stderr goes to ours.
 */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), options.script], {
    cwd: options.root,
    stdio: ['ignore', 'pipe', 'inherit'],
    // eslint-disable-next-line no-restricted-properties -- only PATH is passed on, for the app's tools
    env: { PATH: process.env['PATH'], ...options.env },
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await withTimeout(
    new Promise<LogEntry>((resolve, reject) => {
      lines.on('line', (line) => {
        const entry = parseEntry(line);
        if (entry?.msg === options.readyMessage) resolve(entry);
      });
      child.once('exit', (code) =>
        reject(new Error(`${options.script} exited with ${String(code)} before it was ready`)),
      );
    }),
    options.timeoutMs ?? 30_000,
    `${options.script} to log '${options.readyMessage}'`,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return { child, ready, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

function parseEntry(line: string): LogEntry | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as LogEntry) : undefined;
  } catch {
    return undefined; // not a log line
  }
}

/** A process's peak resident set so far (VmHWM from /proc, Linux), in bytes. */
export async function peakRssBytes(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid ?? 0}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
