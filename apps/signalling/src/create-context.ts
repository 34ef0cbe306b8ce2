import { MinuteCounters, producerConnection, type Logger } from '@pigeonhole/app-runtime';
import { DeliverProducer } from '@pigeonhole/queue';
import { DigestAuthenticator } from '@pigeonhole/sip';
import {
  LocationStore,
  MessageStore,
  SessionStore,
  UserStore,
  type RedisClient,
  type StoreLimits,
} from '@pigeonhole/store';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { SignallingContext } from './context.js';
import { SignallingMetrics } from './signalling-metrics.js';

/** Everything the handlers need, built on one Redis connection. */
export function createSignallingContext(options: {
  readonly client: Redis;
  readonly prefix: string;
  readonly domain: string;
  readonly host: string;
  readonly sipPort: number;
  readonly media: SignallingContext['media'];
  readonly limits: Partial<StoreLimits>;
  readonly policy: SignallingContext['policy'];
  readonly registry: Registry;
  readonly log: Logger;
}): SignallingContext {
  const client: RedisClient = options.client;
  const users = new UserStore({ client, prefix: options.prefix });
  return {
    domain: options.domain,
    host: options.host,
    edge: `sip:${options.host}:${options.sipPort};transport=tcp`,
    sipPort: options.sipPort,
    media: options.media,
    sessions: new SessionStore({ client, prefix: options.prefix }),
    messages: new MessageStore({ client, prefix: options.prefix, limits: options.limits }),
    location: new LocationStore({ client, prefix: options.prefix }),
    users,
    auth: new DigestAuthenticator({
      realm: options.domain,
      // MD5 first: the SIP.js and sipp clients this service is used with take the first challenge.
      algorithms: ['MD5', 'SHA-256'],
      lookup: async (user, algorithm) => {
        const credentials = await users.get(user);
        return algorithm === 'MD5' ? credentials?.ha1Md5 : credentials?.ha1Sha256;
      },
    }),
    deliver: new DeliverProducer(
      producerConnection(options.client, { name: 'signalling', log: options.log }),
    ),
    metrics: new SignallingMetrics(options.registry),
    figures: new MinuteCounters(options.client, options.prefix),
    log: options.log,
    policy: options.policy,
  };
}
