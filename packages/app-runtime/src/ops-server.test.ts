import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsServer, type OpsServer } from './ops-server.js';

describe('ops endpoints', () => {
  let ops: OpsServer;
  let redisUp = true;
  beforeAll(async () => {
    const registry = new Registry();
    new Counter({ name: 'ph_messages_stored_total', help: 'stored', registers: [registry] }).inc(3);
    ops = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      checks: {
        redis: () => Promise.resolve(redisUp),
        queues: () => Promise.reject(new Error('down')),
      },
    });
  });
  afterAll(() => ops.close());

  const get = (path: string): Promise<Response> => fetch(`http://127.0.0.1:${ops.port}${path}`);

  it('says the process is up on /healthz', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers 503 on /readyz naming the failing check', async () => {
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ redis: true, queues: false });
    redisUp = false;
    expect(await (await get('/readyz')).json()).toEqual({ redis: false, queues: false });
  });

  it('serves Prometheus text on /metrics', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^ph_messages_stored_total 3$/m);
  });

  it('answers 404 elsewhere', async () => {
    expect((await get('/nope')).status).toBe(404);
  });
});
