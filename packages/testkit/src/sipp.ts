import { spawn } from 'node:child_process';
import { withTimeout } from './wait.js';

/** A sipp process: `done` resolves with its exit code (0: every call went as the scenario says) and output. */
export interface SippRun {
  readonly done: Promise<{ readonly code: number | null; readonly output: string }>;
  kill(): void;
}

/**
 * Starts sipp (Debian package `sip-tester`) with `args`, always non-interactive (`-nostdin`). The last
 * 4 KB of its output are kept for assertion messages; `done` rejects after `timeoutMs`.
 */
export function startSipp(args: readonly string[], options: { timeoutMs?: number } = {}): SippRun {
  const child = spawn('sipp', [...args, '-nostdin'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (data: Buffer): void => {
    output = (output + data.toString()).slice(-4096);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new Error(`sipp could not start (apt-get install -y sip-tester): ${err.message}`)),
    );
    child.once('exit', resolve);
  });
  return {
    done: withTimeout(exited, options.timeoutMs ?? 40_000, 'sipp to finish').then((code) => ({
      code,
      output,
    })),
    kill: () => child.kill('SIGKILL'),
  };
}
