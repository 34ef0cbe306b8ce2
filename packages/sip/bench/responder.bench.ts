// A 202 responder's sustained rate under sipp over UDP: @pigeonhole/sip (a SipEndpoint with server
// transactions, §17.2.2) vs the npm `sip` package answering the same load, each in its own process,
// in the same run. Per offered rate: calls answered, failed, retransmissions, p99.
// Usage: pnpm --filter @pigeonhole/sip bench:responder [--rates 5000,10000,20000 --seconds 5]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, runSippLoad, type SippLoadResult } from '@pigeonhole/testkit';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '5000,10000,20000' },
    seconds: { type: 'string', default: '5' },
  },
});
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const HERE = fileURLToPath(new URL('.', import.meta.url));

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

function load(port: number, rate: number): SippLoadResult {
  return runSippLoad({
    target: `127.0.0.1:${port}`,
    scenario: join(HERE, 'uac_message_202.xml'),
    transport: 'u1',
    rate,
    seconds: SECONDS,
  });
}

async function measure(impl: string): Promise<SippLoadResult[]> {
  const results: SippLoadResult[] = [];
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
const describe = (o: SippLoadResult): string =>
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
