import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs one of the Kamailio msilo reference scripts in `dir` (bench/msilo: start.sh, stop.sh,
 * bench_dump_probe.sh) with extra environment variables.
 */
export function msiloScript(
  dir: string,
  script: string,
  env: Readonly<Record<string, string>> = {},
): SpawnSyncReturns<string> {
  return spawnSync('bash', [join(dir, script)], {
    cwd: dir,
    encoding: 'utf8',
    // eslint-disable-next-line no-restricted-properties -- the scripts need PATH and the like
    env: { ...process.env, ...env },
  });
}

/**
 * Runs `work` while Kamailio msilo runs (started with an empty store, stopped after). Resolves
 * undefined when kamailio is not installed or does not start, saying why on stderr.
 */
export async function withMsilo<TResult>(
  dir: string,
  work: () => TResult | Promise<TResult>,
): Promise<TResult | undefined> {
  const installed = spawnSync('sh', ['-c', 'command -v kamailio']).status === 0;
  if (!installed || !existsSync(join(dir, 'start.sh'))) return undefined;
  const started = msiloScript(dir, 'start.sh', { RESET: '1' });
  if (started.status !== 0) {
    process.stderr.write(`msilo did not start:\n${started.stderr}\n`);
    return undefined;
  }
  try {
    return await work();
  } finally {
    msiloScript(dir, 'stop.sh');
  }
}
