import { MinuteCounters, createLogger } from '@pigeonhole/app-runtime';
import { SipEndpoint } from '@pigeonhole/sip';
import { LocationStore, MessageStore } from '@pigeonhole/store';
import { startTestRedis, uniquePrefix, type TestRedis } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import type { DeliveryDeps } from '../src/deliver-inbox.js';

/** Delivery's dependencies on a fresh test Redis, with the worker's own SIP endpoint on loopback. */
export interface DeliveryHarness {
  readonly deps: DeliveryDeps;
  readonly redis: TestRedis;
  readonly client: Redis;
  /** The key prefix of this harness's store. */
  readonly prefix: string;
  close(): Promise<void>;
}

/** Starts a test Redis and the worker's side of delivery (short SIP timers: T1 50 ms). */
export async function startDeliveryHarness(): Promise<DeliveryHarness> {
  const redis = await startTestRedis();
  const client = new Redis(redis.url);
  const prefix = uniquePrefix('ph');
  const endpoint = new SipEndpoint({ timers: { T1: 50 } });
  const udp = await endpoint.listenUdp({ host: '127.0.0.1', port: 0 });
  const tcp = await endpoint.listenTcp({ host: '127.0.0.1', port: 0 });
  const deps: DeliveryDeps = {
    messages: new MessageStore({ client, prefix }),
    location: new LocationStore({ client, prefix }),
    endpoint,
    local: { host: '127.0.0.1', udpPort: udp.port, tcpPort: tcp.port },
    figures: new MinuteCounters(client, prefix),
    log: createLogger('delivery', 'silent'),
  };
  return {
    deps,
    redis,
    client,
    prefix,
    async close() {
      await endpoint.close();
      await deps.figures.close();
      await client.quit();
      await redis.destroy();
    },
  };
}
