import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, uniquePrefix, type TestRedis } from '@pigeonhole/testkit';
import { MinuteCounters } from './minute-counters.js';

describe('MinuteCounters', () => {
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

  it('sums the figures of several instances per minute', async () => {
    const prefix = uniquePrefix();
    const a = new MinuteCounters(client, prefix);
    const b = new MinuteCounters(client, prefix);
    a.add('stored');
    a.add('stored');
    b.add('stored');
    b.add('msrp_bytes_in', 65536);
    await Promise.all([a.close(), b.close()]);
    const [current] = (await a.last(1)).slice(-1);
    expect(current?.values.stored).toBe(3);
    expect(current?.values.msrp_bytes_in).toBe(65536);
    expect(current?.values.delivered).toBe(0);
  });

  it('returns zeros for minutes without figures, oldest first', async () => {
    const counters = new MinuteCounters(client, uniquePrefix());
    const minutes = await counters.last(5);
    await counters.close();
    expect(minutes).toHaveLength(5);
    expect(minutes.every((m) => m.values.stored === 0)).toBe(true);
    expect(minutes.map((m) => m.minute)).toEqual(
      [...minutes.map((m) => m.minute)].sort((x, y) => x - y),
    );
  });
});
