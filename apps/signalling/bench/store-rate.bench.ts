// Store rate: the highest rate of MESSAGEs for offline users (1000 recipients, 200-byte bodies) that a
// system takes cleanly — every MESSAGE answered 202, none retransmitted, p99 within T1 (500 ms) — over
// UDP (RFC 3261 retransmissions on) and over one TCP connection. sipp offers each rate `--runs` times
// (median run reported, clean when most runs are); the rate doubles from `--from` until a rate fails,
// then `--bisect` halvings narrow the gap. Pigeonhole runs as its own process (the app's build) on a
// test Redis with AOF `everysec`, then `always`; Kamailio msilo (bench/msilo, PostgreSQL, fsync on)
// runs the same search in the same run when kamailio is installed.
// Usage: pnpm --filter @pigeonhole/signalling bench
//          [--from 1000 --max 32000 --bisect 2 --runs 3 --seconds 5 --transports u1,t1 --fsync everysec,always]
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
    from: { type: 'string', default: '1000' },
    max: { type: 'string', default: '32000' },
    bisect: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    transports: { type: 'string', default: 'u1,t1' },
    fsync: { type: 'string', default: 'everysec,always' },
  },
});
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
/** sipp transports: `u1` UDP, `t1` one TCP connection. */
const TRANSPORTS = values.transports.split(',') as ('u1' | 't1')[];
const FSYNC = values.fsync.split(',') as ('everysec' | 'always')[];
const USERS = 1000;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = `${ROOT}bench/sipp/uac_message_store.xml`;
const MSILO = `${ROOT}bench/msilo/`;
/** sipp's socket buffers: 4 MiB, as Pigeonhole's UDP listener asks for (net.core.rmem_max caps it). */
const SIPP_BUFFER_BYTES = 4 * 1024 * 1024;
/** Past T1 a UDP sender retransmits: a response later than this is not a clean one. */
const T1_MS = 500;

/** The median of `RUNS` sipp runs at one rate, and whether most runs were clean. */
interface RateOutcome extends SippLoadResult {
  readonly rate: number;
  readonly clean: boolean;
}

/** A system under load: where sipp sends, and the domain of its recipients. */
interface System {
  readonly target: string;
  readonly domain: string;
}

const isClean = (r: SippLoadResult, rate: number): boolean =>
  r.answered === rate * SECONDS && r.retransmissions === 0 && r.p99 <= T1_MS;

/** sipp offers `rate` MESSAGE/s `RUNS` times; the run with the median p99 speaks for them. */
function measure(system: System, transport: 'u1' | 't1', rate: number): RateOutcome {
  const users = [
    'SEQUENTIAL',
    ...Array.from({ length: USERS }, (_, i) => `off${i};${system.domain}`),
  ];
  const runs = Array.from({ length: RUNS }, () =>
    runSippLoad({
      target: system.target,
      scenario: SCENARIO,
      transport,
      rate,
      seconds: SECONDS,
      files: { 'users.csv': `${users.join('\n')}\n` },
      // sipp's own UDP receive buffer is 64 KiB by default: at thousands of answers a second it drops
      // some (the socket's drop counter shows them), and sipp retransmits. Sized like the systems'.
      args: ['-inf', 'users.csv', '-buff_size', String(SIPP_BUFFER_BYTES)],
    }),
  );
  const byP99 = [...runs].sort((a, b) => (a.p99 || Infinity) - (b.p99 || Infinity));
  const median = byP99[Math.floor(byP99.length / 2)] ?? runs[0];
  if (!median) throw new Error('no sipp run');
  const cleanRuns = runs.filter((r) => isClean(r, rate)).length;
  process.stderr.write(
    `  ${transport} ${rate}/s: ${cleanRuns}/${RUNS} clean, median p99 ${median.p99} ms\n`,
  );
  return { ...median, rate, clean: cleanRuns * 2 > RUNS };
}

/** The highest clean rate found (undefined when even `--from` fails) and the lowest failing one. */
interface Search {
  readonly best: RateOutcome | undefined;
  readonly failed: RateOutcome | undefined;
}

/** Doubles the rate until it fails, then bisects between the last clean rate and the failing one. */
function searchCleanRate(system: System, transport: 'u1' | 't1'): Search {
  let best: RateOutcome | undefined;
  let failed: RateOutcome | undefined;
  for (let rate = Number(values.from); rate <= Number(values.max); rate *= 2) {
    const outcome = measure(system, transport, rate);
    if (!outcome.clean) {
      failed = outcome;
      break;
    }
    best = outcome;
  }
  for (let step = 0; step < Number(values.bisect) && failed; step++) {
    const low = best?.rate ?? 0;
    const rate = Math.round((low + failed.rate) / 2 / 250) * 250;
    if (rate <= low || rate >= failed.rate) break;
    const outcome = measure(system, transport, rate);
    if (outcome.clean) best = outcome;
    else failed = outcome;
  }
  return { best, failed };
}

/** Pigeonhole's signalling app as a process, on a fresh Redis with AOF `fsync`. */
async function pigeonhole(fsync: 'everysec' | 'always'): Promise<Search[]> {
  const redis = await startTestRedis({ appendfsync: fsync });
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
      STORE_MAX_MESSAGES: '10000000',
      LOG_LEVEL: 'info',
    },
    readyMessage: 'SIP listening',
  });
  try {
    process.stderr.write(`pigeonhole, AOF ${fsync}:\n`);
    const system = { target: `127.0.0.1:${sipPort}`, domain: 'localhost' };
    return TRANSPORTS.map((transport) => searchCleanRate(system, transport));
  } finally {
    await signalling.stop();
    await redis.destroy();
  }
}

async function msilo(): Promise<Search[] | undefined> {
  return withMsilo(MSILO, () => {
    process.stderr.write('kamailio msilo:\n');
    const system = { target: '127.0.0.1:5070', domain: '127.0.0.1:5070' };
    return TRANSPORTS.map((transport) => searchCleanRate(system, transport));
  });
}

const ours = new Map<string, Search[]>();
for (const fsync of FSYNC) ours.set(fsync, await pigeonhole(fsync));
const theirs = await msilo();

const describe = (search: Search | undefined): string => {
  if (!search) return 'kamailio not installed';
  const { best, failed } = search;
  const at = best
    ? `${best.rate}/s (p50 ${best.p50} ms, p99 ${best.p99} ms)`
    : `none from ${values.from}/s`;
  const next = failed
    ? `; ${failed.rate}/s failed (${failed.answered}/${failed.rate * SECONDS} answered, ${failed.retransmissions} retrans, p99 ${failed.p99} ms)`
    : `; clean up to --max`;
  return at + next;
};
console.log(
  `\nstore rate benchmark (${SECONDS} s per run, median of ${RUNS} runs per rate, ${USERS} recipients)\n`,
);
console.log('figure | pigeonhole | baseline (same run) | ratio');
for (const [fsync, searches] of ours) {
  for (const [i, transport] of TRANSPORTS.entries()) {
    const mine = searches[i];
    const base = theirs?.[i];
    const ratio = mine?.best && base?.best ? (mine.best.rate / base.best.rate).toFixed(2) : '-';
    console.log(
      `${transport === 't1' ? 'TCP' : 'UDP'} highest clean MESSAGE rate (all 202, no retransmission, p99 ≤ ${T1_MS} ms), AOF ${fsync} (baseline: Kamailio msilo) | ${describe(mine)} | ${describe(base)} | ${ratio}`,
    );
  }
}
