#!/usr/bin/env node
import { MinuteCounters, createRedis, runApp } from '@pigeonhole/app-runtime';
import { SipEndpoint } from '@pigeonhole/sip';
import { LocationStore, MessageStore } from '@pigeonhole/store';
import { startDeliveryWorker } from './delivery-worker.js';
import { PassiveMsrp } from './passive-msrp.js';

await runApp({
  name: 'delivery',
  opsPort: (env) => env.DELIVERY_OPS_PORT,
  async start({ env, log, redisUrl }) {
    const client = createRedis(redisUrl, 'command', { name: 'delivery', log });
    const prefix = env.REDIS_PREFIX;
    // The worker's own SIP endpoint (UAC): ephemeral ports on the SIP address.
    const endpoint = new SipEndpoint();
    const udp = await endpoint.listenUdp({ host: env.SIP_HOST, port: 0 });
    const tcp = await endpoint.listenTcp({ host: env.SIP_HOST, port: 0 });
    const passiveMsrp = await PassiveMsrp.listen({
      host: env.MSRP_HOST,
      port: env.DELIVERY_MSRP_WS_PORT,
      publicHost: env.DELIVERY_MSRP_PUBLIC_HOST,
    });
    const figures = new MinuteCounters(client, prefix);
    const worker = await startDeliveryWorker(
      {
        messages: new MessageStore({ client, prefix }),
        location: new LocationStore({ client, prefix }),
        endpoint,
        passiveMsrp,
        local: { host: env.SIP_HOST, udpPort: udp.port, tcpPort: tcp.port },
        figures,
        log,
        answerTimeoutMs: env.DELIVERY_ANSWER_TIMEOUT_MS,
      },
      {
        connection: createRedis(redisUrl, 'worker', { name: 'delivery', log }),
        concurrency: env.DELIVERY_CONCURRENCY,
        stalledMs: env.DELIVERY_STALLED_MS,
      },
    );
    log.info({ msrpWs: passiveMsrp.port }, 'delivery worker running');
    return {
      checks: { redis: async () => (await client.ping()) === 'PONG' },
      async close() {
        await worker.close();
        await endpoint.close();
        await passiveMsrp.close();
        await figures.close();
        await client.quit();
      },
    };
  },
});
