// Store rate: sipp offers MESSAGEs for 1000 offline users at fixed rates (UDP with RFC 3261
// retransmissions, then one TCP connection; 200-byte bodies) to the signalling app (its build, as a process, on a test Redis with AOF everysec)
// and, in the same run when kamailio is installed, to Kamailio msilo (bench/msilo, PostgreSQL, fsync on).
// Each offered rate reports what was answered 202, the retransmissions (a request unanswered for 500 ms)
// and the response-time percentiles from sipp's own trace.
// Usage: pnpm --filter @pigeonhole/signalling bench [--rates 2000,5000,8000 --seconds 5 --transports u1,t1]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  freePort,
  runSippLoad,
  startAppProcess,
  startTestRedis,
  uniquePrefix,
  withMsilo,
  type SippLoadResult,
} from '@pigeonhole/testkit';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '2000,5000,8000' },
    transports: { type: 'string', default: 'u1,t1' },
    seconds: { type: 'string', default: '5' },
  },
});
const RATES = values.rates.split(',').map(Number);
/** sipp transports: `u1` UDP, `t1` one TCP connection. */
const TRANSPORTS = values.transports.split(',');
/** Every (transport, rate) pair, in the order both systems run them. */
const LOADS = TRANSPORTS.flatMap((transport) => RATES.map((rate) => ({ transport, rate })));
const SECONDS = Number(values.seconds);
const USERS = 1000;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = `${ROOT}bench/sipp/uac_message_store.xml`;
const MSILO = `${ROOT}bench/msilo/`;

/** What sipp saw at one offered rate. */
interface RateResult extends SippLoadResult {
  readonly rate: number;
  readonly transport: string;
}

/** Runs sipp at `rate` against `target`, recipients `off<n>@<domain>` from an `-inf` file. */
function offer(
  target: string,
  { rate, domain, transport }: { rate: number; domain: string; transport: string },
): RateResult {
  const users = ['SEQUENTIAL', ...Array.from({ length: USERS }, (_, i) => `off${i};${domain}`)];
  const result = runSippLoad({
    target,
    scenario: SCENARIO,
    transport: transport === 't1' ? 't1' : 'u1',
    rate,
    seconds: SECONDS,
    files: { 'users.csv': `${users.join('\n')}\n` },
    args: ['-inf', 'users.csv'],
  });
  return { ...result, rate, transport };
}

async function pigeonhole(): Promise<RateResult[]> {
  const redis = await startTestRedis({ appendfsync: 'everysec' });
  const sipPort = await freePort();
  const signalling = await startAppProcess({
    root: ROOT,
    script: 'apps/signalling/dist/main.js',
    env: {
      REDIS_URL: redis.url,
      REDIS_PREFIX: uniquePrefix('bench'),
      SIP_UDP_PORT: String(sipPort),
      SIP_TCP_PORT: String(sipPort),
      SIP_WS_PORT: '0',
      SIGNALLING_OPS_PORT: '0',
      SIP_FOREIGN_SENDERS: 'accept',
      SIP_USERS: Array.from({ length: USERS }, (_, i) => `off${i}:pw`).join(','),
      STORE_MAX_MESSAGES: '1000000',
      LOG_LEVEL: 'info',
    },
    readyMessage: 'SIP listening',
  });
  try {
    return LOADS.map((load) => offer(`127.0.0.1:${sipPort}`, { ...load, domain: 'localhost' }));
  } finally {
    await signalling.stop();
    await redis.destroy();
  }
}

async function msilo(): Promise<RateResult[]> {
  const results = await withMsilo(MSILO, () =>
    LOADS.map((load) => offer('127.0.0.1:5070', { ...load, domain: '127.0.0.1:5070' })),
  );
  return results ?? [];
}

const ours = await pigeonhole();
const theirs = await msilo();
console.log(`\nstore rate benchmark (${SECONDS} s per rate and transport, ${USERS} recipients)\n`);
console.log('figure | pigeonhole | baseline (same run) | ratio');
for (const [i, result] of ours.entries()) {
  const base = theirs[i];
  const describe = (r: RateResult | undefined): string =>
    r
      ? `${r.answered}/${r.rate * SECONDS} answered, ${r.retransmissions} retrans, p50 ${r.p50} ms, p99 ${r.p99} ms`
      : 'kamailio not installed';
  console.log(
    `${result.transport === 't1' ? 'TCP' : 'UDP'} ${result.rate} MESSAGE/s offered (baseline: Kamailio msilo; ratio: msilo p99 / ours) | ${describe(result)} | ${describe(base)} | ${
      base ? (base.p99 / Math.max(1, result.p99)).toFixed(2) : '-'
    }`,
  );
}

/**
 * The highest offered rate of `transport` met cleanly: every MESSAGE answered, none retransmitted, p99
 * within T1 (500 ms, past which a UDP sender would retransmit).
 */
function cleanRate(results: readonly RateResult[], transport: string): number {
  const clean = results.filter(
    (r) =>
      r.transport === transport &&
      r.retransmissions === 0 &&
      r.answered === r.rate * SECONDS &&
      r.p99 <= 500,
  );
  return Math.max(0, ...clean.map((r) => r.rate));
}

for (const transport of TRANSPORTS) {
  const name = transport === 't1' ? 'TCP' : 'UDP';
  const oursClean = cleanRate(ours, transport);
  const theirsClean = theirs.length > 0 ? cleanRate(theirs, transport) : undefined;
  console.log(
    `${name}: highest offered rate met cleanly (all answered, no retransmission, p99 ≤ 500 ms), MESSAGE/s (of ${RATES.join('/')}) | ${oursClean} | ${
      theirsClean ?? 'kamailio not installed'
    } | ${theirsClean ? (oursClean / theirsClean).toFixed(2) : '-'}`,
  );
}
