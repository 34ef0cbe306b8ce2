// @pigeonhole/client's browser bundle (packages/client/dist/browser, built by `npm test`) in headless
// Chromium against the running service: Dave, in the browser, sends offline Erin a text (202) and a
// 3 MB file over MSRP on WebSocket (200, stored byte for byte); Erin, in another page, registers and
// gets both, the file from the delivery worker over MSRP on WebSocket.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type * as Client from '@pigeonhole/client';
import { MessageStore } from '@pigeonhole/store';
import { waitUntil } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test/chromium.js';
import { ROOT, startService, type RunningService } from '../test/service-harness.js';

const BUNDLE = join(ROOT, 'packages/client/dist/browser/pigeonhole-client.js');
const FILE_BYTES = 3 * 1024 * 1024;
const PAGE = `<!doctype html><title>Pigeonhole client</title>
<script type="module">
  import * as pigeonhole from '/pigeonhole-client.js';
  window.pigeonhole = pigeonhole;
  document.title = 'ready';
</script>`;

let service: RunningService;
let redis: Redis;
let store: MessageStore;
let site: Server;
let browser: Browser;

beforeAll(async () => {
  service = await startService('dave:secret,erin:secret');
  redis = new Redis(service.redis.url);
  store = new MessageStore({ client: redis, prefix: service.prefix });
  const bundle = await readFile(BUNDLE);
  site = createServer((request, response) => {
    const script = request.url === '/pigeonhole-client.js';
    response.writeHead(200, { 'content-type': script ? 'text/javascript' : 'text/html' });
    response.end(script ? bundle : PAGE);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  // Each may be missing when the service did not start.
  await browser?.close();
  site?.close();
  await redis?.quit();
  await service?.stop();
});

/** A page that loaded the bundle; page errors fail the test. */
async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  await page.waitForFunction("document.title === 'ready'", undefined, { timeout: 10_000 });
  expect(errors).toEqual([]);
  return page;
}

describe('@pigeonhole/client in a browser', () => {
  let sentSha = '';

  it('sends offline Erin a text (202) and a file over MSRP on WebSocket (200), both stored', async () => {
    const page = await openPage();
    const result = await page.evaluate(
      async ({ server, size }) => {
        const { PigeonholeClient } = (globalThis as unknown as { pigeonhole: typeof Client })
          .pigeonhole;
        const dave = new PigeonholeClient({
          server,
          user: 'dave',
          password: 'secret',
          domain: 'localhost',
        });
        await dave.start();
        const bytes = new Uint8Array(size);
        for (let at = 0; at < size; at += 65_536)
          crypto.getRandomValues(bytes.subarray(at, at + 65_536));
        const text = await dave.sendText('erin', 'Hello from a browser');
        let progress = 0;
        const file = await dave.sendFile(
          'erin',
          { name: 'photo.bin', type: 'application/octet-stream', size, body: bytes },
          (sent) => (progress = sent),
        );
        await dave.stop();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        const sha = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        return { text: text.status, file: file.status, progress, sha };
      },
      { server: `ws://127.0.0.1:${service.wsPort}`, size: FILE_BYTES },
    );
    expect(result).toMatchObject({ text: 202, file: 200, progress: FILE_BYTES });
    sentSha = result.sha;
    const stored = await store.list('sip:erin@localhost');
    expect(stored.map((m) => [m.kind, m.from, m.size])).toEqual([
      ['pager', 'sip:dave@localhost', 20],
      ['large', 'sip:dave@localhost', FILE_BYTES],
    ]);
    const large = stored[1];
    if (!large) throw new Error('the file is not stored');
    const hash = createHash('sha256');
    for await (const piece of await store.readBody(large)) hash.update(piece as Buffer);
    expect(hash.digest('hex')).toBe(sentSha);
    await page.close();
  }, 60_000);

  it('gets Erin, registered in a browser, the text and the file stored for her', async () => {
    const page = await openPage();
    const received = await page.evaluate(
      async ({ server }) => {
        const { PigeonholeClient } = (globalThis as unknown as { pigeonhole: typeof Client })
          .pigeonhole;
        const texts: string[] = [];
        const files: { from: string; size: number | undefined; sha: string }[] = [];
        let fileArrived: () => void = () => undefined;
        const fileDone = new Promise<void>((resolve) => (fileArrived = resolve));
        const erin = new PigeonholeClient({
          server,
          user: 'erin',
          password: 'secret',
          domain: 'localhost',
          onMessage: (message) => void texts.push(message.body),
          onFile: async (file) => {
            const pieces: Uint8Array[] = [];
            for await (const piece of file.body) pieces.push(piece as Uint8Array);
            const whole = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
            pieces.reduce((at, piece) => (whole.set(piece, at), at + piece.length), 0);
            const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', whole));
            const sha = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
            files.push({ from: file.from, size: file.size, sha });
            fileArrived();
          },
        });
        await erin.start();
        await erin.register(300);
        await fileDone;
        await erin.stop();
        return { texts, files };
      },
      { server: `ws://127.0.0.1:${service.wsPort}` },
    );
    expect(received.texts).toEqual(['Hello from a browser']);
    expect(received.files.map((f) => [f.from, f.size, f.sha])).toEqual([
      ['sip:dave@localhost', FILE_BYTES, sentSha],
    ]);
    await waitUntil(
      async () => (await store.count('sip:erin@localhost')) === 0,
      10_000,
      'the service to drop what Erin took',
    );
    await page.close();
  }, 60_000);
});
