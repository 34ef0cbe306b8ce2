// A 202 responder's sustained rate under sipp over UDP: @pigeonhole/sip (a SipEndpoint with server
// transactions, §17.2.2) vs the npm `sip` package answering the same load, each in its own process,
// in the same run. Per offered rate: calls answered, failed, retransmissions, p99.
// Usage: pnpm --filter @pigeonhole/sip bench:responder [--rates 5000,10000,20000 --seconds 5]
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '5000,10000,20000' },
    seconds: { type: 'string', default: '5' },
  },
});
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const HERE = fileURLToPath(new URL('.', import.meta.url));

interface Outcome {
  readonly answered: number;
  readonly failed: number;
  readonly retransmissions: number;
  readonly p99: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Starts a responder process and resolves with it once it listens. */
async function startResponder(impl: string, port: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      join(HERE, 'responder.ts'),
      '--impl',
      impl,
      '--port',
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve) =>
    lines.on('line', (line) => line.startsWith('ready') && resolve()),
  );
  return child;
}

function load(port: number, rate: number): Outcome {
  const dir = mkdtempSync(join(tmpdir(), 'responder-'));
  try {
    const run = spawnSync(
      'sipp',
      [
        `127.0.0.1:${port}`,
        ...['-sf', join(HERE, 'uac_message_202.xml'), '-i', '127.0.0.1', '-t', 'u1'],
        ...['-r', String(rate), '-m', String(rate * SECONDS), '-l', '30000'],
        ...['-timeout', `${SECONDS + 40}s`, '-recv_timeout', '32000', '-nostdin'],
        ...['-trace_rtt', '-rtt_freq', '1000'],
      ],
      { cwd: dir, encoding: 'utf8', timeout: (SECONDS + 60) * 1000 },
    );
    const count = (label: string): number =>
      Number(new RegExp(`${label}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`).exec(run.stdout)?.[1] ?? NaN);
    const retrans = /MESSAGE ---------->\s+B-RTD1\s+\d+\s+(\d+)/.exec(run.stdout)?.[1];
    const rtt = readdirSync(dir).find((name) => name.endsWith('_rtt.csv'));
    const times = rtt
      ? readFileSync(join(dir, rtt), 'utf8')
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((line) => Number(line.split(';')[1]))
          .sort((a, b) => a - b)
      : [];
    return {
      answered: count('Successful call'),
      failed: count('Failed call'),
      retransmissions: Number(retrans ?? NaN),
      p99: times[Math.floor(times.length * 0.99)] ?? NaN,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(impl: string): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const rate of RATES) {
    const port = await freePort();
    const responder = await startResponder(impl, port);
    try {
      results.push(load(port, rate));
    } finally {
      responder.kill('SIGKILL');
    }
  }
  return results;
}

const ours = await measure('ours');
const theirs = await measure('npm-sip');
const describe = (o: Outcome): string =>
  `${o.answered} answered, ${o.failed} failed, ${o.retransmissions} retrans, p99 ${o.p99} ms`;
console.log(`\nsip 202 responder benchmark (UDP, ${SECONDS} s per rate)\n`);
console.log('figure | @pigeonhole/sip | npm sip 0.0.6 (same run) | ratio');
RATES.forEach((rate, i) => {
  const a = ours[i];
  const b = theirs[i];
  if (!a || !b) return;
  console.log(
    `202 responder at ${rate} MESSAGE/s (ratio: npm sip p99 / ours) | ${describe(a)} | ${describe(b)} | ${(b.p99 / Math.max(1, a.p99)).toFixed(2)}`,
  );
});
