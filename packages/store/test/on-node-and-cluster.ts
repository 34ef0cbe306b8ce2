// Runs a suite twice: on one Redis node and on a 3-master Redis Cluster, both started by testkit.
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  startTestRedis,
  startTestRedisCluster,
  type TestRedis,
  type TestRedisCluster,
} from '@pigeonhole/testkit';

/** Declares `suite` on one node and on a Cluster; `getClient()` is valid inside its tests and hooks. */
export function onNodeAndCluster(suite: (getClient: () => Redis | Cluster) => void): void {
  describe('on one Redis node', () => {
    let redis: TestRedis;
    let client: Redis;
    beforeAll(async () => {
      redis = await startTestRedis();
      client = new Redis(redis.url);
    });
    afterAll(async () => {
      await client.quit();
      await redis.destroy();
    });
    suite(() => client);
  });

  describe('on a 3-master Redis Cluster', () => {
    let cluster: TestRedisCluster;
    let client: Cluster;
    beforeAll(async () => {
      cluster = await startTestRedisCluster();
      client = new Cluster([...cluster.nodes]);
    });
    afterAll(async () => {
      await client.quit();
      await cluster.destroy();
    });
    suite(() => client);
  });
}
