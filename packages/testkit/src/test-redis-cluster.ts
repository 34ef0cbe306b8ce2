import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RedisServer } from '@pigeonhole/embedded-redis';
import { withTimeout } from './wait.js';

const run = promisify(execFile);

/** A 3-master Redis Cluster of a test suite's own, on free loopback ports. */
export interface TestRedisCluster {
  /** `{ host, port }` of every master, for ioredis `new Cluster(nodes)`. */
  readonly nodes: readonly { host: string; port: number }[];
  /** Stops every node and deletes their data dirs. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Starts three redis-server nodes with `--cluster-enabled yes`, joins them with
 * `redis-cli --cluster create` (no replicas) and waits until the cluster reports `cluster_state:ok`.
 */
export async function startTestRedisCluster(): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'pigeonhole-cluster-'));
  const servers: RedisServer[] = [];
  let destroyed: Promise<void> | undefined;
  const destroy = (): Promise<void> =>
    (destroyed ??= Promise.all(servers.map((s) => s.stop())).then(() =>
      rm(dir, { recursive: true, force: true }),
    ));
  try {
    for (let i = 0; i < 3; i++) {
      servers.push(
        await RedisServer.start({
          dir: join(dir, `node${i}`),
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      );
    }
    const addresses = servers.map((s) => `${s.host}:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'], {
      timeout: 30_000,
    });
    await withTimeout(clusterReady(servers), 30_000, 'cluster_state:ok on every node');
  } catch (err) {
    await destroy();
    throw err;
  }
  return { nodes: servers.map((s) => ({ host: s.host, port: s.port })), destroy };
}

async function clusterReady(servers: readonly RedisServer[]): Promise<void> {
  for (;;) {
    const states = await Promise.all(
      servers.map(
        async (s) => (await run('redis-cli', ['-p', String(s.port), 'cluster', 'info'])).stdout,
      ),
    );
    if (states.every((info) => info.includes('cluster_state:ok'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
