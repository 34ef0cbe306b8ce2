// The dashboard over real HTTP with real BullMQ queues and real per-minute figures in Redis. The store
// is an in-memory StoreView here; the store's own adapter is tested with the store.
import type { Server } from 'node:http';
import { once } from 'node:events';
import { MinuteCounters } from '@pigeonhole/app-runtime';
import { DeliverProducer } from '@pigeonhole/queue';
import { startTestRedis, uniquePrefix, type TestRedis } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardApp } from './server.js';
import type { MessageSummary, StoreView } from './store-view.js';

const ADMIN = 'admin-token-0123456789';
const VIEWER = 'viewer-token-0123456789';

function memoryStore(): StoreView & { readonly data: Map<string, MessageSummary[]> } {
  const data = new Map<string, MessageSummary[]>();
  return {
    data,
    recipients: () =>
      Promise.resolve(
        [...data].map(([aor, list]) => ({
          aor,
          count: list.length,
          bytes: list.reduce((n, m) => n + m.size, 0),
          oldestCreatedAt: list[0]?.createdAt,
        })),
      ),
    messages: (aor) => Promise.resolve(data.get(aor) ?? []),
    purge: (aor, id) => {
      const list = data.get(aor) ?? [];
      const kept = list.filter((m) => m.id !== id);
      if (kept.length === 0) data.delete(aor);
      else data.set(aor, kept);
      return Promise.resolve(kept.length !== list.length);
    },
    activeSessions: () => Promise.resolve(2),
  };
}

describe('dashboard', () => {
  let redis: TestRedis;
  let client: Redis;
  let producer: DeliverProducer;
  let server: Server;
  let base: string;
  const store = memoryStore();
  const retried: string[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    client = new Redis(redis.url);
    producer = new DeliverProducer({ url: redis.url });
    const figures = new MinuteCounters(client, uniquePrefix());
    figures.add('stored', 2);
    await figures.flush();
    const app = createDashboardApp({
      store,
      figures,
      queues: [producer.queue],
      retry: (aor) => {
        retried.push(aor);
        return Promise.resolve();
      },
      credentials: { adminToken: ADMIN, viewerToken: VIEWER },
      checks: { redis: async () => (await client.ping()) === 'PONG' },
      registry: new Registry(),
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await producer.close();
    await client.quit();
    await redis.destroy();
  });

  const bearer = (token: string): RequestInit => ({
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
  const basic = (password: string): RequestInit => ({
    headers: { authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` },
  });

  it('serves nothing without credentials but the health probes', async () => {
    for (const path of ['/', '/queues', '/metrics', '/api/overview', '/recipients/x']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/`, bearer('wrong-token-0123456789'))).status).toBe(401);
  });

  it('lists recipients with stored messages and live figures', async () => {
    const now = Date.now();
    store.data.set('sip:bob@localhost', [
      {
        id: 'm1',
        from: 'sip:alice@localhost',
        kind: 'pager',
        contentType: 'text/plain',
        size: 200,
        createdAt: now - 60_000,
        expiresAt: now + 3_600_000,
        attempts: 0,
      },
      {
        id: 'm2',
        from: 'sip:alice@localhost',
        kind: 'large',
        contentType: 'application/octet-stream',
        size: 200e6,
        createdAt: now,
        expiresAt: now + 3_600_000,
        attempts: 1,
      },
    ]);
    const page = await (await fetch(`${base}/`, basic(VIEWER))).text();
    expect(page).toContain('sip:bob@localhost');
    expect(page).toMatch(/<td class="n">2<\/td>/);
    expect(page).toContain('200.0 MB');
    const overview = (await (await fetch(`${base}/api/overview`, bearer(ADMIN))).json()) as {
      minutes: { values: { stored: number } }[];
      activeSessions: number;
    };
    expect(overview.minutes.at(-1)?.values.stored).toBe(2);
    expect(overview.activeSessions).toBe(2);
  });

  it('escapes what senders control', async () => {
    store.data.set('sip:eve@localhost', [
      {
        id: '<script>',
        from: '"><img src=x>',
        kind: 'pager',
        contentType: 'text/plain',
        size: 1,
        createdAt: 0,
        expiresAt: 0,
        attempts: 0,
      },
    ]);
    const page = await (
      await fetch(`${base}/recipients/${encodeURIComponent('sip:eve@localhost')}`, basic(ADMIN))
    ).text();
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
  });

  it('lets an admin purge and retry, and a viewer only look', async () => {
    const path = `/recipients/${encodeURIComponent('sip:bob@localhost')}`;
    expect(
      (await fetch(`${base}${path}/retry`, { ...bearer(VIEWER), method: 'POST' })).status,
    ).toBe(403);
    expect(await (await fetch(`${base}${path}`, bearer(VIEWER))).text()).not.toContain('Purge');
    const retry = await fetch(`${base}${path}/retry`, { ...bearer(ADMIN), method: 'POST' });
    expect(retry.status).toBe(303);
    expect(retried).toEqual(['sip:bob@localhost']);
    const purge = await fetch(`${base}${path}/messages/m1/purge`, {
      ...bearer(ADMIN),
      method: 'POST',
    });
    expect(purge.status).toBe(303);
    expect((await store.messages('sip:bob@localhost')).map((m) => m.id)).toEqual(['m2']);
  });

  it('mounts Bull Board for the queues under /queues', async () => {
    const res = await fetch(`${base}/queues/api/queues`, basic(ADMIN));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name)).toContain('deliver');
  });
});
