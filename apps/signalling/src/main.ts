#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createRedis, runApp } from '@pigeonhole/app-runtime';
import { parseSipUsers } from '@pigeonhole/config';
import { createSignallingContext } from './create-context.js';
import { startSignalling } from './signalling-server.js';

await runApp({
  name: 'signalling',
  opsPort: (env) => env.SIGNALLING_OPS_PORT,
  async start({ env, log, redisUrl, registry }) {
    const client = createRedis(redisUrl, 'command', { name: 'signalling', log });
    const ctx = createSignallingContext({
      client,
      prefix: env.REDIS_PREFIX,
      domain: env.SIP_DOMAIN,
      host: env.SIP_HOST,
      sipPort: env.SIP_TCP_PORT,
      media: {
        host: env.MSRP_PUBLIC_HOST,
        port: env.MSRP_TCP_PORT,
        wsPort: env.MSRP_WS_PORT,
        // The media app listens for msrps when it has the same certificate (TLS_CERT_FILE).
        tlsPort: env.TLS_CERT_FILE && env.TLS_KEY_FILE ? env.MSRP_TLS_PORT : undefined,
      },
      limits: {
        maxMessages: env.STORE_MAX_MESSAGES,
        maxBytes: env.STORE_MAX_BYTES,
        pagerMaxBytes: env.PAGER_MAX_BYTES,
        largeMaxBytes: env.LARGE_MAX_BYTES,
        maxTtlSeconds: env.MESSAGE_MAX_TTL_S,
      },
      policy: {
        foreignSenders: env.SIP_FOREIGN_SENDERS,
        recipients: env.SIP_RECIPIENTS,
        minExpires: env.REGISTER_MIN_EXPIRES,
        maxExpires: env.REGISTER_MAX_EXPIRES,
      },
      registry,
      log,
    });
    for (const { user, password } of parseSipUsers(env.SIP_USERS))
      await ctx.users.add(user, password, env.SIP_DOMAIN);
    const server = await startSignalling(ctx, {
      host: env.SIP_HOST,
      udpPort: env.SIP_UDP_PORT,
      tcpPort: env.SIP_TCP_PORT,
      wsPort: env.SIP_WS_PORT,
      tls:
        env.TLS_CERT_FILE && env.TLS_KEY_FILE
          ? {
              port: env.SIP_TLS_PORT,
              wssPort: env.SIP_WSS_PORT,
              cert: readFileSync(env.TLS_CERT_FILE),
              key: readFileSync(env.TLS_KEY_FILE),
            }
          : undefined,
    });
    log.info(
      {
        udp: server.udp.port,
        tcp: server.tcp.port,
        ws: server.ws?.port,
        tls: server.tls?.port,
        wss: server.wss?.port,
        domain: env.SIP_DOMAIN,
      },
      'SIP listening',
    );
    return {
      checks: { redis: async () => (await client.ping()) === 'PONG' },
      async close() {
        await server.close();
        await ctx.figures.close();
        await ctx.deliver.close();
        await client.quit();
      },
    };
  },
});
