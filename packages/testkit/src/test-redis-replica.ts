import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestRedis, type TestRedis } from './test-redis.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

/** Where the primary of {@link startTestRedisReplica} listens. */
export interface ReplicaPrimary {
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  readonly port: number;
}

/**
 * Starts a redis-server with `--replicaof` the given test Redis (a `TestRedis` will do) and resolves
 * once the replica has synced and the primary counts it online, so that `WAIT 1` can be answered.
 * The replica is a `TestRedis` of its own (port, data dir, `destroy()`), without AOF. The primary's
 * `repl-diskless-sync-delay` is set to 0 first, so the sync starts at once instead of after 5 s.
 */
export async function startTestRedisReplica(
  primary: ReplicaPrimary,
  timeoutMs = 20_000,
): Promise<TestRedis> {
  const host = primary.host ?? '127.0.0.1';
  await run('redis-cli', [
    ...['-h', host, '-p', String(primary.port)],
    ...['config', 'set', 'repl-diskless-sync-delay', '0'],
  ]);
  const replica = await startTestRedis({
    // No AOF: a replica rewrites its AOF after every full sync and refuses SIGTERM meanwhile
    // ("Writing initial AOF, can't exit"), so `destroy()` right after a sync would hang.
    extraArgs: ['--replicaof', host, String(primary.port), '--appendonly', 'no'],
  });
  try {
    await waitUntil(
      () => replicaOnline({ host, port: primary.port }, replica.port),
      timeoutMs,
      `the replica on port ${replica.port} to sync with ${host}:${primary.port}`,
    );
  } catch (err) {
    await replica.destroy();
    throw err;
  }
  return replica;
}

/** The replica's link is up and the primary lists it `online` (a replica that can acknowledge). */
async function replicaOnline(
  primary: Required<ReplicaPrimary>,
  replicaPort: number,
): Promise<boolean> {
  const info = async (host: string, port: number): Promise<string> =>
    (await run('redis-cli', ['-h', host, '-p', String(port), 'info', 'replication'])).stdout;
  const [own, primaries] = await Promise.all([
    info('127.0.0.1', replicaPort),
    info(primary.host, primary.port),
  ]);
  const online = new RegExp(`slave\\d+:.*port=${replicaPort},state=online`);
  return own.includes('master_link_status:up') && online.test(primaries);
}
