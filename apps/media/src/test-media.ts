// Test helpers: a media server on a real Redis, and a way to reserve sessions as signalling would.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MinuteCounters, STREAMING_PROCESS, createLogger } from '@pigeonhole/app-runtime';
import { DeliverProducer } from '@pigeonhole/queue';
import { MessageStore, SessionStore, type StoreLimits } from '@pigeonhole/store';
import { startAppProcess, uniquePrefix, type AppProcess } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { MediaMetrics } from './media-metrics.js';
import { startMediaServer, type MediaServer } from './media-server.js';

export interface TestMedia {
  readonly server: MediaServer;
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  readonly metrics: MediaMetrics;
  /** The key prefix in Redis: a second instance on the same prefix shares its sessions and store. */
  readonly prefix: string;
  /** Reserves a session for `to` (for `ttlSeconds`, 60 by default) and returns the paths a sender uses. */
  reserve(options: {
    to: string;
    maxSize?: number;
    announcedSize?: number;
    transport?: 'tcp' | 'ws';
    ttlSeconds?: number;
  }): Promise<{ toPath: string[]; fromPath: string[]; sessionId: string }>;
  close(): Promise<void>;
}

export async function startTestMedia(
  redisUrl: string,
  {
    limits = {},
    prefix = uniquePrefix('ph'),
  }: { limits?: Partial<StoreLimits>; prefix?: string } = {},
): Promise<TestMedia> {
  const client = new Redis(redisUrl);
  const subscriber = new Redis(redisUrl);
  const messages = new MessageStore({ client, prefix, limits, chunks: { chunkBytes: 256 * 1024 } });
  const sessions = new SessionStore({ client, prefix });
  const deliver = new DeliverProducer({ url: redisUrl });
  const figures = new MinuteCounters(client, prefix);
  const metrics = new MediaMetrics(new Registry());
  const server = await startMediaServer(
    {
      messages,
      sessions,
      subscriber,
      deliver,
      metrics,
      figures,
      log: createLogger('media', 'silent'),
    },
    { host: '127.0.0.1', tcpPort: 0, wsPort: 0 },
  );
  return {
    server,
    messages,
    sessions,
    metrics,
    prefix,
    async reserve({
      to,
      maxSize = 2 * 1024 ** 3,
      announcedSize,
      transport = 'tcp',
      ttlSeconds = 60,
    }) {
      const sessionId = randomUUID().replace(/-/g, '');
      const port = transport === 'tcp' ? server.tcp.port : (server.ws?.port ?? 0);
      const localPath = `msrp://127.0.0.1:${port}/${sessionId};${transport}`;
      const fromPath = [`msrp://127.0.0.1:9/${randomUUID().slice(0, 8)};${transport}`];
      await sessions.reserve(
        {
          sessionId,
          to,
          from: 'sip:alice@localhost',
          peerPath: fromPath,
          localPath,
          maxSize,
          announcedSize,
          callId: randomUUID(),
        },
        ttlSeconds,
      );
      return { toPath: [localPath], fromPath, sessionId };
    },
    async close() {
      await server.close();
      await figures.close();
      await deliver.close();
      subscriber.disconnect();
      await client.quit();
    },
  };
}

/**
 * The built media app as its own process, as the start command runs it (its Node options and malloc
 * setting), on `redisUrl` under `prefix`, listening on ports of its own: `ready` has `tcp` and `ws`.
 */
export function startMediaProcess(redisUrl: string, prefix: string): Promise<AppProcess> {
  return startAppProcess({
    root: fileURLToPath(new URL('../../../', import.meta.url)),
    script: 'apps/media/dist/main.js',
    nodeOptions: STREAMING_PROCESS.nodeOptions,
    env: {
      ...STREAMING_PROCESS.env,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      MSRP_TCP_PORT: '0',
      MSRP_WS_PORT: '0',
      MEDIA_OPS_PORT: '0',
      LOG_LEVEL: 'info',
    },
    readyMessage: 'MSRP listening',
  });
}
