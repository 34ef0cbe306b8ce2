#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { MinuteCounters, createRedis, producerConnection, runApp } from '@pigeonhole/app-runtime';
import { DeliverProducer } from '@pigeonhole/queue';
import { MessageStore, SessionStore } from '@pigeonhole/store';
import { createDashboardApp } from './server.js';
import { redisStoreView } from './redis-store-view.js';

await runApp({
  name: 'dashboard',
  async start({ env, log, redisUrl, registry }) {
    const client = createRedis(redisUrl, 'command', { name: 'dashboard', log });
    const prefix = env.REDIS_PREFIX;
    const deliver = new DeliverProducer(producerConnection(client, { name: 'dashboard', log }));
    const figures = new MinuteCounters(client, prefix);
    // Nothing is served without credentials: without DASHBOARD_TOKEN, a token is made for this run.
    const adminToken = env.DASHBOARD_TOKEN ?? randomBytes(18).toString('base64url');
    const checks = {
      redis: async () => (await client.ping()) === 'PONG',
      queues: async () =>
        typeof (await deliver.queue.getJobCounts('waiting'))['waiting'] === 'number',
    };
    const app = createDashboardApp({
      store: redisStoreView({
        messages: new MessageStore({ client, prefix }),
        sessions: new SessionStore({ client, prefix }),
      }),
      figures,
      queues: [deliver.queue],
      retry: (aor) => deliver.enqueue({ aor, reason: 'retry' }),
      credentials: { adminToken, viewerToken: env.DASHBOARD_VIEWER_TOKEN },
      checks,
      registry,
    });
    const server = app.listen(env.DASHBOARD_PORT, env.DASHBOARD_HOST);
    await once(server, 'listening');
    const url = `http://${env.DASHBOARD_HOST}:${env.DASHBOARD_PORT}/`;
    if (env.DASHBOARD_TOKEN) log.info({ url }, 'dashboard listening (DASHBOARD_TOKEN)');
    else
      log.info(
        { url, user: 'admin', password: adminToken },
        'dashboard listening; set DASHBOARD_TOKEN to choose the password',
      );
    return {
      checks,
      async close() {
        server.closeAllConnections();
        server.close();
        await figures.close();
        await deliver.close();
        await client.quit();
      },
    };
  },
});
