import type { Cluster, Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, waitUntil, withTimeout } from '@pigeonhole/testkit';
import { onNodeAndCluster } from '../test/on-node-and-cluster.js';
import {
  LocationStore,
  SessionStore,
  StoreErrorCode,
  UserStore,
  digestHa1,
  type Binding,
} from './index.js';

const binding = (contact: string, expiresInMs: number, extra: Partial<Binding> = {}): Binding => ({
  contact,
  expiresAt: Date.now() + expiresInMs,
  params: { '+g.oma.sip-im.large-message': '' },
  callId: 'c1',
  cseq: 1,
  flow: {
    transport: 'ws',
    remote: '127.0.0.1:40000',
    connectionId: 'conn-1',
    edge: 'sip:127.0.0.1:5060;transport=tcp',
  },
  ...extra,
});

/** Location, sessions and users against the client `getClient()` returns. */
function registryContract(getClient: () => Redis | Cluster): void {
  let client: Redis | Cluster;
  beforeAll(() => {
    client = getClient();
  });

  describe('LocationStore', () => {
    it('adds, refreshes and lists live bindings, highest q first', async () => {
      const location = new LocationStore({ client, prefix: uniquePrefix() });
      const aor = 'sip:bob@example.com';
      expect(await location.put(aor, binding('sip:bob@10.0.0.1', 60_000, { q: 0.5 }))).toBe(true);
      expect(await location.put(aor, binding('sip:bob@10.0.0.1', 60_000, { q: 0.5 }))).toBe(false);
      expect(await location.put(aor, binding('sip:bob@10.0.0.2', 60_000, { q: 1 }))).toBe(true);
      const live = await location.live(aor);
      expect(live.map((b) => b.contact)).toEqual(['sip:bob@10.0.0.2', 'sip:bob@10.0.0.1']);
      expect(live[0]?.params).toEqual({ '+g.oma.sip-im.large-message': '' });
      expect(live[0]?.flow.connectionId).toBe('conn-1');
    });

    it('says an AOR may be online while it has a binding, and not after the last one went', async () => {
      const location = new LocationStore({ client, prefix: uniquePrefix() });
      const aor = 'sip:erin@example.com';
      expect(await location.mayBeOnline(aor)).toBe(false);
      await location.put(aor, binding('sip:erin@10.0.0.3', 60_000));
      expect(await location.mayBeOnline(aor)).toBe(true);
      await location.remove(aor, { contact: 'sip:erin@10.0.0.3' });
      expect(await location.mayBeOnline(aor)).toBe(false);
    });

    it('calls exactly one of two simultaneous REGISTERs of a contact new', async () => {
      const location = new LocationStore({ client, prefix: uniquePrefix() });
      const aor = 'sip:dave@example.com';
      const results = await Promise.all(
        Array.from({ length: 5 }, () => location.put(aor, binding('sip:dave@10.0.0.9', 60_000))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('drops expired bindings and removes one or all', async () => {
      const prefix = uniquePrefix();
      const location = new LocationStore({ client, prefix });
      const aor = 'sip:carol@example.com';
      await location.put(aor, binding('sip:carol@old', 10));
      expect((await location.live(aor, Date.now() + 1000)).map((b) => b.contact)).toEqual([]);
      await location.put(aor, binding('sip:carol@a', 60_000), Date.now() + 1000);
      await location.put(aor, binding('sip:carol@b', 60_000, { instance: '<urn:uuid:1>' }));
      expect((await location.live(aor, Date.now() + 1000)).map((b) => b.contact).sort()).toEqual([
        'sip:carol@a',
        'sip:carol@b',
      ]);
      await location.remove(aor, { contact: 'sip:carol@a' });
      // The next put dropped the expired binding from Redis, not just from the answer.
      expect(await client.hkeys(`${prefix}:{${encodeURIComponent(aor)}}:loc`)).toEqual([
        '<urn:uuid:1>',
      ]);
      expect((await location.live(aor)).map((b) => b.contact)).toEqual(['sip:carol@b']);
      // A binding with an instance id is replaced by a new contact of the same instance (RFC 5626 §6).
      expect(
        await location.put(aor, binding('sip:carol@c', 60_000, { instance: '<urn:uuid:1>' })),
      ).toBe(false);
      expect((await location.live(aor)).map((b) => b.contact)).toEqual(['sip:carol@c']);
      await location.removeAll(aor);
      expect(await location.live(aor)).toEqual([]);
    });
  });

  describe('SessionStore', () => {
    const reservation = (sessionId: string) => ({
      sessionId,
      to: 'sip:bob@example.com',
      from: 'sip:alice@example.com',
      peerPath: ['msrp://127.0.0.1:40001/a1;tcp'],
      localPath: `msrp://127.0.0.1:2855/${sessionId};tcp`,
      maxSize: 1000,
      callId: 'call-1',
    });

    it('binds a session to exactly one connection', async () => {
      const sessions = new SessionStore({ client, prefix: uniquePrefix() });
      await sessions.reserve(reservation('s1'), 30);
      expect(await sessions.get('s1')).toMatchObject({
        state: 'reserved',
        to: 'sip:bob@example.com',
        boundTo: undefined,
      });
      await sessions.bind('s1', 'conn-a', 300);
      await sessions.bind('s1', 'conn-a', 300);
      await expect(sessions.bind('s1', 'conn-b', 300)).rejects.toMatchObject({
        code: StoreErrorCode.SESSION_BOUND,
      });
      await expect(sessions.bind('nope', 'conn-a', 300)).rejects.toMatchObject({
        code: StoreErrorCode.NOT_FOUND,
      });
      expect(await sessions.get('s1')).toMatchObject({ state: 'bound', boundTo: 'conn-a' });
      expect(await sessions.active()).toBe(1);
    });

    it('publishes the end of a session to subscribers', async () => {
      const prefix = uniquePrefix();
      const sessions = new SessionStore({ client, prefix });
      const subscriber = client.duplicate();
      await subscriber.subscribe(sessions.endedChannel);
      const ended = new Promise<string>((resolve) =>
        subscriber.once('message', (_channel: string, id: string) => resolve(id)),
      );
      await sessions.reserve(reservation('s2'), 30);
      expect(await sessions.endByCall('call-unknown')).toBe(false);
      expect(await sessions.endByCall('call-1')).toBe(true);
      expect(await withTimeout(ended, 5000, 'the ended notice')).toBe('s2');
      expect(await sessions.get('s2')).toBeUndefined();
      expect(await sessions.active()).toBe(0);
      await subscriber.quit();
    });

    it('lets a reservation that was never connected expire', async () => {
      const prefix = uniquePrefix();
      const sessions = new SessionStore({ client, prefix });
      await sessions.reserve(reservation('s3'), 1);
      expect(await client.ttl(`${prefix}:sess:s3`)).toBeGreaterThan(0);
      await waitUntil(
        async () => (await sessions.get('s3')) === undefined,
        5000,
        'the reservation to expire',
      );
    });
  });

  describe('UserStore', () => {
    it('stores only HA1 hashes and lists users', async () => {
      const users = new UserStore({ client, prefix: uniquePrefix() });
      await users.add('alice', 'secret', 'example.com');
      await users.add('bob', 'hunter2', 'example.com');
      const alice = await users.get('alice');
      expect(alice).toEqual({
        user: 'alice',
        realm: 'example.com',
        ha1Md5: digestHa1('md5', { user: 'alice', realm: 'example.com', password: 'secret' }),
        ha1Sha256: digestHa1('sha256', { user: 'alice', realm: 'example.com', password: 'secret' }),
      });
      expect(JSON.stringify(alice)).not.toContain('secret');
      expect(await users.list()).toEqual(['alice', 'bob']);
      expect(await users.remove('bob')).toBe(true);
      expect(await users.exists('bob')).toBe(false);
      await expect(users.add('bad name', 'x', 'r')).rejects.toThrow(TypeError);
    });
  });
}

onNodeAndCluster(registryContract);

describe('digestHa1', () => {
  it('computes the RFC 2617 HA1', () => {
    // RFC 2617 §3.5: Mufasa / testrealm@host.com / Circle Of Life
    expect(
      digestHa1('md5', { user: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life' }),
    ).toBe('939e7578ed9e3c518a452acee763bce9');
  });
});
