// The pigeonhole commands a user types, run from the build against the running service: users, send
// (a text in pager mode and a file in large message mode to offline Bob), stats, and listen as Bob,
// which must receive both, in order, byte for byte. The dashboard, in headless Chromium, shows Bob's two
// stored messages, then none.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '@pigeonhole/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test/chromium.js';
import { ROOT, startService, type RunningService } from '../test/service-harness.js';

const run = promisify(execFile);
let service: RunningService;
let dir = '';

beforeAll(async () => {
  service = await startService('alice:secret,bob:secret');
  dir = await mkdtemp(join(tmpdir(), 'pigeonhole-cli-'));
}, 120_000);

afterAll(async () => {
  await service?.stop(); // missing when the service did not start
  await rm(dir, { recursive: true, force: true });
});

/** Runs `pigeonhole …` from the build; resolves with its exit code and output. */
async function pigeonhole(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['apps/cli/dist/main.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...service.env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * What the dashboard's overview shows for `aor` in headless Chromium: its stored-message count, or
 * `none` when the page says nothing is stored. With `screenshot`, the page is saved to .data/.
 */
async function storedOnDashboard(
  aor: string,
  options: { screenshot?: boolean } = {},
): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({
      httpCredentials: { username: 'admin', password: service.dashboard.token },
      viewport: { width: 1100, height: 720 },
    });
    const response = await page.goto(service.dashboard.url);
    expect(response?.status()).toBe(200);
    if (options.screenshot) await page.screenshot({ path: join(ROOT, '.data', 'dashboard.png') });
    if (await page.locator('#no-recipients').count()) return 'none';
    return (await page.locator(`tr[data-aor="${aor}"] td.n`).first().textContent())?.trim() ?? '';
  } finally {
    await browser.close();
  }
}

describe('the pigeonhole command', () => {
  it('adds, lists and removes users', async () => {
    expect((await pigeonhole('users', 'add', 'carol', 'pw')).code).toBe(0);
    expect((await pigeonhole('users', 'list')).stdout.split('\n')).toContain('carol');
    expect((await pigeonhole('users', 'remove', 'carol')).code).toBe(0);
    expect((await pigeonhole('users', 'list')).stdout.split('\n')).not.toContain('carol');
  });

  it('ends quietly when its reader goes away (pigeonhole stats | head)', async () => {
    const child = spawn(process.execPath, ['apps/cli/dist/main.js', 'stats'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...service.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line: writing gets EPIPE
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);
  });

  it('refuses a wrong command line with exit code 2 and says how to call it', async () => {
    const { code, stderr } = await pigeonhole('send', '--from', 'alice');
    expect(code).toBe(2);
    expect(stderr).toContain('send needs --from USER');
  });

  it('answers an unknown option with the usage (exit 2) and --help with it (exit 0)', async () => {
    const wrong = await pigeonhole('listen', '--as', 'bob', '--bogus', '1');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage: pigeonhole/);
    expect(wrong.stderr).not.toMatch(/^\s+at /m);
    const help = await pigeonhole('send', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: pigeonhole');
  });

  it('says plainly that a password was refused, for send and for listen', async () => {
    const sent = await pigeonhole(
      'send',
      '--from',
      'alice',
      '--password',
      'wrong',
      '--to',
      'bob',
      '--text',
      'hi',
    );
    expect(sent.code).toBe(1);
    expect(sent.stdout).toContain('alice: the service refused these credentials');
    const listened = await pigeonhole('listen', '--as', 'bob', '--password', 'wrong', '--out', dir);
    expect(listened.code).toBe(1);
    expect(listened.stderr).toContain('wrong user name or password');
    expect(listened.stderr).not.toMatch(/^\s+at /m);
  });

  it('stops listening after --timeout, saying how many of --count came', async () => {
    const { code, stdout } = await pigeonhole(
      ...['listen', '--as', 'bob', '--password', 'secret', '--out', join(dir, 'quiet')],
      ...['--count', '1', '--timeout', '1'],
    );
    expect(code).toBe(1);
    expect(stdout).toContain('0 of 1 messages within 1 s');
  });

  it('sends a text and a file to offline Bob, shows them stored, and Bob receives both', async () => {
    const text = await pigeonhole(
      ...['send', '--from', 'alice', '--password', 'secret', '--to', 'bob', '--text', 'Hello Bob'],
    );
    expect(text.stdout).toContain('pager message to bob: 202 Accepted');
    expect(text.code).toBe(0);

    const file = join(dir, 'photo.bin');
    // 200 MB, written in 1 MiB pieces that all differ: a misplaced or repeated chunk changes the hash.
    const content = Buffer.allocUnsafe(200 * 1000 * 1000);
    const block = randomBytes(1024 * 1024);
    for (let at = 0; at < content.length; at += block.length) {
      block.writeUInt32BE(at, 0);
      block.copy(content, at);
    }
    await writeFile(file, content);
    const large = await pigeonhole(
      ...['send', '--from', 'alice', '--password', 'secret', '--to', 'bob', '--file', file],
    );
    expect(large.stdout).toContain(`large message to bob: 200 OK, ${content.length} bytes stored`);
    expect(large.stderr).toContain('sending 100%');
    expect(large.code).toBe(0);

    const stats = await pigeonhole('stats');
    expect(stats.stdout).toContain('sip:bob@localhost  2 messages');
    expect(await storedOnDashboard('sip:bob@localhost', { screenshot: true })).toBe('2');

    const out = join(dir, 'bob');
    const listen = await pigeonhole(
      ...['listen', '--as', 'bob', '--password', 'secret', '--out', out, '--count', '2'],
    );
    expect(listen.code, listen.stderr).toBe(0);
    const first = JSON.parse(await readFile(join(out, '1.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const second = JSON.parse(await readFile(join(out, '2.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(first).toMatchObject({ kind: 'pager', from: 'sip:alice@localhost', size: 9 });
    expect((await readFile(join(out, '1.body'))).toString()).toBe('Hello Bob');
    expect(second).toMatchObject({
      kind: 'large',
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    // The worker removes a message once the device accepted it, just after listen has its copy.
    await waitUntil(
      async () => (await pigeonhole('stats')).stdout.includes('recipients with stored messages: 0'),
      15_000,
      'the delivered messages to leave the store',
    );
    expect((await pigeonhole('stats')).stdout).toContain('recipients with stored messages: 0');
    expect(await storedOnDashboard('sip:bob@localhost')).toBe('none');
  }, 120_000);
  it('waits with --wait for the stored, then the delivered notification (RFC 5438)', async () => {
    const sending = pigeonhole(
      ...['send', '--from', 'alice', '--password', 'secret', '--to', 'bob', '--text', 'Ping'],
      ...['--wait', 'delivered', '--timeout', '60'],
    );
    // Bob is offline: the message is stored first; then Bob listens and his client says delivered.
    await waitUntil(
      async () => (await pigeonhole('stats')).stdout.includes('sip:bob@localhost  1 message'),
      30_000,
      'the message to be stored for Bob',
    );
    const listen = await pigeonhole(
      ...[
        'listen',
        '--as',
        'bob',
        '--password',
        'secret',
        '--out',
        join(dir, 'ping'),
        '--count',
        '1',
      ],
    );
    expect(listen.code, listen.stderr).toBe(0);
    const sent = await sending;
    expect(sent.stdout).toContain('pager message to bob: 202 Accepted');
    const lines = sent.stdout.split('\n');
    expect(lines.indexOf('notification: stored (IMDN processing-notification)')).toBeGreaterThan(
      -1,
    );
    expect(lines.indexOf('notification: delivered (IMDN delivery-notification)')).toBeGreaterThan(
      lines.indexOf('notification: stored (IMDN processing-notification)'),
    );
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    // The CPIM wrapper that asked for the notifications is not part of what Bob keeps.
    expect((await readFile(join(dir, 'ping', '1.body'))).toString()).toBe('Ping');
    expect(JSON.parse(await readFile(join(dir, 'ping', '1.json'), 'utf8'))).toMatchObject({
      kind: 'pager',
      contentType: 'text/plain;charset=utf-8',
      size: 4,
    });
  }, 120_000);

  it('waits with --wait delivered for a large message, which listen writes without its CPIM wrapper', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 7);
    const file = join(dir, 'report.bin');
    await writeFile(file, content);
    const sending = pigeonhole(
      ...['send', '--from', 'alice', '--password', 'secret', '--to', 'bob', '--file', file],
      ...['--wait', 'delivered', '--timeout', '60'],
    );
    await waitUntil(
      async () => (await pigeonhole('stats')).stdout.includes('sip:bob@localhost  1 message'),
      30_000,
      'the large message to be stored for Bob',
    );
    const out = join(dir, 'report');
    const listen = await pigeonhole(
      ...['listen', '--as', 'bob', '--password', 'secret', '--out', out, '--count', '1'],
    );
    expect(listen.code, listen.stderr).toBe(0);
    const sent = await sending;
    expect(sent.stdout).toMatch(/large message to bob: 200 OK, \d+ bytes stored/);
    expect(sent.stdout.split('\n')).toContain(
      'notification: delivered (IMDN delivery-notification)',
    );
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    expect((await readFile(join(out, '1.body'))).equals(content)).toBe(true);
    expect(JSON.parse(await readFile(join(out, '1.json'), 'utf8'))).toMatchObject({
      kind: 'large',
      contentType: 'application/octet-stream',
      size: content.length,
    });
  }, 120_000);
});
