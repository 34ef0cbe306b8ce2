import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import {
  startTestRedis,
  startTestRedisCluster,
  type TestRedis,
  type TestRedisCluster,
} from '@pigeonhole/testkit';
import { messageStoreEdgeContract } from '../test/contract-edges.js';
import { messageStoreContract } from '../test/contract.js';

describe('MessageStore on one Redis node', () => {
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
  messageStoreContract(() => client);
  messageStoreEdgeContract(() => client);
});

describe('MessageStore on a 3-master Redis Cluster', () => {
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
  messageStoreContract(() => client);
  messageStoreEdgeContract(() => client);
});
