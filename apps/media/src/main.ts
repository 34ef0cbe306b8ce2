#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { MinuteCounters, createRedis, producerConnection, runApp } from '@pigeonhole/app-runtime';
import { DeliverProducer } from '@pigeonhole/queue';
import { MessageStore, SessionStore } from '@pigeonhole/store';
import { MediaMetrics } from './media-metrics.js';
import { startMediaServer } from './media-server.js';

await runApp({
  name: 'media',
  opsPort: (env) => env.MEDIA_OPS_PORT,
  async start({ env, log, redisUrl, registry }) {
    const client = createRedis(redisUrl, 'command', { name: 'media', log });
    const subscriber = createRedis(redisUrl, 'subscriber', { name: 'media', log });
    const prefix = env.REDIS_PREFIX;
    const messages = new MessageStore({
      client,
      prefix,
      limits: {
        maxMessages: env.STORE_MAX_MESSAGES,
        maxBytes: env.STORE_MAX_BYTES,
        largeMaxBytes: env.LARGE_MAX_BYTES,
        maxTtlSeconds: env.MESSAGE_MAX_TTL_S,
      },
    });
    const deliver = new DeliverProducer(producerConnection(client, { name: 'media', log }));
    const figures = new MinuteCounters(client, prefix);
    const tls =
      env.TLS_CERT_FILE && env.TLS_KEY_FILE
        ? {
            port: env.MSRP_TLS_PORT,
            cert: readFileSync(env.TLS_CERT_FILE),
            key: readFileSync(env.TLS_KEY_FILE),
          }
        : undefined;
    const server = await startMediaServer(
      {
        messages,
        sessions: new SessionStore({ client, prefix }),
        subscriber,
        deliver,
        metrics: new MediaMetrics(registry),
        figures,
        log,
      },
      { host: env.MSRP_HOST, tcpPort: env.MSRP_TCP_PORT, wsPort: env.MSRP_WS_PORT, tls },
    );
    log.info({ tcp: server.tcp.port, ws: server.ws?.port, tls: tls?.port }, 'MSRP listening');
    return {
      checks: { redis: async () => (await client.ping()) === 'PONG' },
      async close() {
        await server.close();
        await figures.close();
        await deliver.close();
        subscriber.disconnect();
        await client.quit();
      },
    };
  },
});
