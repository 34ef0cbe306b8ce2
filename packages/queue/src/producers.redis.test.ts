import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, withTimeout, type TestRedis } from '@pigeonhole/testkit';
import {
  DeliverProducer,
  QUEUE_PREFIX,
  QueueName,
  deliverJobId,
  type DeliverJob,
} from './index.js';

describe('DeliverProducer', () => {
  let redis: TestRedis;
  let producer: DeliverProducer;
  beforeAll(async () => {
    redis = await startTestRedis();
    producer = new DeliverProducer({ url: redis.url });
  });
  afterAll(async () => {
    await producer.close();
    await redis.destroy();
  });

  it('makes one job of ten enqueues for one AOR', async () => {
    const aor = 'sip:bob@example.com';
    await Promise.all(
      Array.from({ length: 10 }, () => producer.enqueue({ aor, reason: 'register' })),
    );
    const counts = await producer.queue.getJobCounts('waiting', 'delayed', 'active');
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(1);
    const job = await producer.queue.getJob(deliverJobId(aor));
    expect(job?.data).toEqual({ aor, reason: 'register' });
  });

  it('keeps AORs apart', async () => {
    await producer.enqueue({ aor: 'sip:carol@example.com', reason: 'register' });
    await producer.enqueue({ aor: 'sip:dave@example.com', reason: 'register' });
    expect(await producer.queue.getJob(deliverJobId('sip:carol@example.com'))).toBeDefined();
    expect(await producer.queue.getJob(deliverJobId('sip:dave@example.com'))).toBeDefined();
  });

  it('allows a new run once the previous one completed', async () => {
    const aor = 'sip:erin@example.com';
    const runs: DeliverJob[] = [];
    const worker = new Worker<DeliverJob>(
      QueueName.deliver,
      (job) => {
        if (job.data.aor === aor) runs.push(job.data);
        return Promise.resolve();
      },
      { connection: { url: redis.url, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX },
    );
    try {
      const completed = (): Promise<void> =>
        new Promise((resolve) => {
          const onDone = (job: { data: DeliverJob }): void => {
            if (job.data.aor !== aor) return;
            worker.off('completed', onDone);
            resolve();
          };
          worker.on('completed', onDone);
        });
      let done = completed();
      await producer.enqueue({ aor, reason: 'register' });
      await withTimeout(done, 10_000, 'the first run');
      done = completed();
      await producer.enqueue({ aor, reason: 'register' });
      await withTimeout(done, 10_000, 'the second run');
      expect(runs).toHaveLength(2);
    } finally {
      await worker.close();
    }
  });

  it('starts a run waiting out a retry backoff when the recipient registers again', async () => {
    const aor = 'sip:gus@example.com';
    await producer.enqueue({ aor, reason: 'stored' }, { delayMs: 60_000 });
    const state = async (): Promise<string | undefined> =>
      (await producer.queue.getJob(deliverJobId(aor)))?.getState();
    expect(await state()).toBe('delayed');
    await producer.enqueue({ aor, reason: 'stored' });
    expect(await state()).toBe('delayed');
    await producer.enqueue({ aor, reason: 'register' });
    expect(await state()).toBe('waiting');
  });

  it('keeps every queue key under one Cluster hash tag', async () => {
    const client = new Redis(redis.url);
    const keys = await client.keys('*');
    await client.quit();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.startsWith(`${QUEUE_PREFIX}:`))).toBe(true);
  });
});
