// `pigeonhole start` as a user meets it at its edges: a second start while one runs, and Ctrl-C after
// Redis went away first (the apps must still stop, and nothing may be left running).
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { withTimeout } from '@pigeonhole/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startService, type RunningService } from '../test/service-harness.js';

const run = promisify(execFile);
let service: RunningService;

beforeAll(async () => {
  service = await startService('alice:secret');
}, 120_000);

afterAll(() => service?.stop()); // missing when the service did not start

/** The pids of the processes `pid` started (its apps). */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({
    stdout: '', // ps exits 1 when no process matched
  }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('pigeonhole start', () => {
  it('refuses to start a second time on the same ports, saying why', async () => {
    const second = run(process.execPath, ['apps/cli/dist/main.js', 'start'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...service.env },
    });
    const failure = await second.then(
      () => undefined,
      (err: { code?: number; stdout?: string; stderr?: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/already answers: is Pigeonhole already running\?/);
    expect(failure?.stdout).not.toMatch(/Pigeonhole is running/);
  });

  it('stops every app on Ctrl-C even when Redis went away first', async () => {
    const apps = await childrenOf(service.child.pid ?? 0);
    expect(apps).toHaveLength(4);
    await service.redis.kill();
    const exited = once(service.child, 'exit');
    service.child.kill('SIGINT');
    // Each app gives each step of its stop at most 10 s, and the start command kills an app after 20 s.
    const [code] = (await withTimeout(exited, 45_000, 'the service to stop')) as [number | null];
    expect(code).toBe(0);
    expect(apps.filter(isRunning)).toEqual([]);
    // The apps stopped by themselves, within their own limits, rather than being killed by start.
    expect(service.output.filter((line) => line.includes('did not stop within'))).toEqual([]);
  }, 60_000);
});
