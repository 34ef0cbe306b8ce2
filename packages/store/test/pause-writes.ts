// Holds every write a Redis node (or every master of a Cluster) receives, as a slow or stalled Redis would.
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import type { RedisClient } from '../src/index.js';

/** Writes held by `CLIENT PAUSE … WRITE`, sent from connections of their own. */
export interface PausedWrites {
  /** Clients the paused nodes hold a command of (`blocked_clients`, summed over the nodes). */
  held(): Promise<number>;
  /** `CLIENT UNPAUSE` on every node; the held commands run. Idempotent. */
  resume(): Promise<void>;
}

/**
 * `CLIENT PAUSE <ms> WRITE` on the node `client` talks to, or on every master of a Cluster, from a
 * second connection per node (the pausing connection must not queue behind the held writes).
 * `ms` is a last net: a test resumes explicitly.
 */
export async function pauseWrites(client: RedisClient, ms = 15_000): Promise<PausedWrites> {
  const pausers = client.isCluster
    ? (client as Cluster)
        .nodes('master')
        .map((node) => new Redis({ host: node.options.host, port: node.options.port }))
    : [(client as Redis).duplicate()];
  await Promise.all(pausers.map((pauser) => pauser.call('CLIENT', 'PAUSE', String(ms), 'WRITE')));
  let resumed: Promise<void> | undefined;
  return {
    held: async () => {
      const infos = await Promise.all(pausers.map((pauser) => pauser.info('clients')));
      return infos.reduce((sum, info) => sum + Number(/blocked_clients:(\d+)/.exec(info)?.[1]), 0);
    },
    resume: () =>
      (resumed ??= Promise.all(
        pausers.map(async (pauser) => {
          await pauser.call('CLIENT', 'UNPAUSE');
          await pauser.quit();
        }),
      ).then(() => undefined)),
  };
}
