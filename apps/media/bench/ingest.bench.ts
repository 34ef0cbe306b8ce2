// Media ingest: a message sent over MSRP (loopback TCP, from a sender in its own process) into Redis
// through the media app (its build, as its own process with its production Node options), vs a raw
// client writing the same 256 KiB chunk keys straight to Redis with SETRANGE, in the same run on the same
// redis-server (AOF everysec), each side on a quiet Redis (no AOF rewrite, lazy free or write-back
// left from the other side), the sides taking turns going first. Peak RSS is the media process's (VmHWM from /proc).
// Usage: pnpm --filter @pigeonhole/media bench [--mb 1024 --runs 3]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessageStore, SessionStore } from '@pigeonhole/store';
import { peakRssBytes, startTestRedis, uniquePrefix, untilRedisQuiet } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { startMediaProcess } from '../src/test-media.js';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '1024' }, runs: { type: 'string', default: '3' } },
});
const BYTES = Number(values.mb) * 1024 * 1024;
const CHUNK = 256 * 1024;
const block = randomBytes(64 * 1024);
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Runs msrp-sender.ts against the reserved session; resolves with the seconds it took. */
async function sendFromAnotherProcess(paths: {
  toPath: string[];
  fromPath: string[];
}): Promise<number> {
  const sender = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', '--conditions=source'],
      fileURLToPath(new URL('msrp-sender.ts', import.meta.url)),
      ...['--to-path', paths.toPath[0] ?? '', '--from-path', paths.fromPath[0] ?? ''],
      ...['--mb', String(values.mb)],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  sender.stdout.on('data', (data: Buffer) => (output += data.toString()));
  const [code] = (await once(sender, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the sender exited with ${String(code)}`);
  return Number(output.trim());
}

/** Reserves an upload session, as the signalling app does for a large-message INVITE. */
async function reserve(
  sessions: SessionStore,
  { to, tcpPort }: { to: string; tcpPort: number },
): Promise<{ toPath: string[]; fromPath: string[] }> {
  const sessionId = randomUUID().replace(/-/g, '');
  const localPath = `msrp://127.0.0.1:${tcpPort}/${sessionId};tcp`;
  const fromPath = [`msrp://127.0.0.1:9/s${sessionId.slice(0, 8)};tcp`];
  await sessions.reserve(
    {
      sessionId,
      to,
      from: 'sip:bench@localhost',
      peerPath: fromPath,
      localPath,
      maxSize: 1e15,
      callId: sessionId,
    },
    600,
  );
  return { toPath: [localPath], fromPath };
}

const redis = await startTestRedis({ appendfsync: 'everysec' });
const prefix = uniquePrefix('bench');
const client = new Redis(redis.url);
const media = await startMediaProcess(redis.url, prefix);
const tcpPort = Number(media.ready['tcp']);
const sessions = new SessionStore({ client, prefix });
const messages = new MessageStore({ client, prefix });
const raw: number[] = [];
const ingest: number[] = [];
let mediaRss = 0;

/** Writes the raw side's chunk keys, then deletes them. */
async function measureRaw(run: number): Promise<void> {
  const since = process.hrtime.bigint();
  const window: Promise<unknown>[] = [];
  for (let at = 0; at < BYTES; at += block.length) {
    window.push(client.setrange(`raw:${run}:c:${Math.floor(at / CHUNK)}`, at % CHUNK, block));
    if (window.length >= 64) await window.shift();
  }
  await Promise.all(window);
  raw.push(BYTES / 1e6 / seconds(since));
  await client.del(...Array.from({ length: BYTES / CHUNK }, (_, n) => `raw:${run}:c:${n}`));
}

/** Sends one message through the media app, then acknowledges it (which deletes it). */
async function measureMedia(run: number): Promise<void> {
  const to = `sip:bench${run}@localhost`;
  // The sender is a client elsewhere in production: here, another process, not this event loop.
  const taken = await sendFromAnotherProcess(await reserve(sessions, { to, tcpPort }));
  ingest.push(BYTES / 1e6 / taken);
  const stored = await messages.peek(to);
  if (!stored) throw new Error(`run ${run}: nothing stored for ${to}`);
  await messages.ack(to, stored.id);
}

try {
  for (let run = 0; run < Number(values.runs); run++) {
    // Each side starts on a quiet Redis, and they take turns going first: an AOF rewrite forked by
    // one side's gigabyte must not run on the other side's time.
    const sides = [() => measureRaw(run), () => measureMedia(run)];
    for (const side of run % 2 === 0 ? sides : sides.reverse()) {
      await untilRedisQuiet(client);
      await side();
    }
  }
  mediaRss = (await peakRssBytes(media.child.pid)) / 2 ** 20;
} finally {
  await media.stop();
  await client.quit();
  await redis.destroy();
}
console.log(
  `\nmedia ingest benchmark (node ${process.version}, ${values.mb} MiB, median of ${values.runs})\n`,
);
console.log('figure | media | raw Redis client (same run) | ratio');
console.log(
  `ingest MB/s | ${median(ingest).toFixed(0)} | ${median(raw).toFixed(0)} | ${(median(ingest) / median(raw)).toFixed(2)}`,
);
console.log(`peak RSS of the media process (MB) | ${mediaRss.toFixed(0)} | |`);
