import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fixed-rate sipp load (benchmarks). */
export interface SippLoadOptions {
  /** `host:port` of the system under load. */
  readonly target: string;
  readonly scenario: string;
  /** sipp transport: `u1` UDP, `t1` one TCP connection. */
  readonly transport: 'u1' | 't1';
  /** Calls per second, for `seconds`. */
  readonly rate: number;
  readonly seconds: number;
  /** Files written into sipp's working directory first, e.g. an `-inf` CSV. */
  readonly files?: Readonly<Record<string, string>>;
  /** More sipp arguments, e.g. `['-inf', 'users.csv']`. */
  readonly args?: readonly string[];
}

/** What sipp saw: calls that got their answer, failed calls, retransmissions, response times. */
export interface SippLoadResult {
  readonly answered: number;
  readonly failed: number;
  readonly retransmissions: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * Runs sipp at `rate` calls per second for `seconds` (RFC 3261 retransmissions on UDP as the scenario
 * says) and reads its final screen and its `-trace_rtt` file. Blocks until sipp exits.
 */
export function runSippLoad(options: SippLoadOptions): SippLoadResult {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-load-'));
  try {
    for (const [name, text] of Object.entries(options.files ?? {}))
      writeFileSync(join(dir, name), text);
    const { rate, seconds } = options;
    const run = spawnSync(
      'sipp',
      [
        options.target,
        ...['-sf', options.scenario, '-i', '127.0.0.1', '-t', options.transport],
        ...['-r', String(rate), '-m', String(rate * seconds), '-l', '30000'],
        ...['-timeout', `${seconds + 40}s`, '-recv_timeout', '32000', '-nostdin'],
        ...['-trace_rtt', '-rtt_freq', '1000'],
        ...(options.args ?? []),
      ],
      { cwd: dir, encoding: 'utf8', timeout: (seconds + 60) * 1000 },
    );
    const total = (label: string): number =>
      Number(new RegExp(`${label}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`).exec(run.stdout)?.[1] ?? NaN);
    // The first request line of the message table: Messages, then Retrans.
    const retransmissions = /---------->\s+B-RTD1\s+\d+\s+(\d+)/.exec(run.stdout)?.[1];
    const times = responseTimes(dir);
    const at = (q: number): number =>
      times[Math.min(times.length - 1, Math.floor(times.length * q))] ?? NaN;
    return {
      answered: total('Successful call'),
      failed: total('Failed call'),
      retransmissions: Number(retransmissions ?? NaN),
      p50: at(0.5),
      p99: at(0.99),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every response time of sipp's `-trace_rtt` file (ms), sorted. */
function responseTimes(dir: string): number[] {
  const file = readdirSync(dir).find((name) => name.endsWith('_rtt.csv'));
  if (!file) return [];
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => Number(line.split(';')[1]))
    .sort((a, b) => a - b);
}
