#!/usr/bin/env node
// `npm run bench`: runs every package's benchmark on this machine, one after another (each measures
// against its own baseline in the same run), prints one table and writes bench/results/<date>.json.
//   npm run bench            full sizes (1 GiB transfers; about 10 minutes)
//   npm run bench -- --quick small sizes (about 1 minute), for development
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');

const SUITES = [
  {
    name: 'sip',
    filter: '@pigeonhole/sip',
    args: quick ? ['--n', '20000', '--runs', '3'] : ['--n', '200000', '--runs', '5'],
  },
  {
    name: 'sip',
    filter: '@pigeonhole/sip',
    script: 'bench:responder',
    args: quick
      ? ['--rates', '5000', '--seconds', '3']
      : ['--rates', '5000,10000,20000', '--seconds', '5'],
  },
  {
    name: 'msrp',
    filter: '@pigeonhole/msrp',
    args: quick ? ['--mb', '128', '--runs', '1'] : ['--mb', '1024', '--runs', '3'],
  },
  {
    name: 'store',
    filter: '@pigeonhole/store',
    args: quick
      ? ['--large-mb', '64', '--pager', '5000', '--memory', '10000']
      : ['--large-mb', '1024'],
  },
  {
    name: 'signalling',
    filter: '@pigeonhole/signalling',
    args: quick
      ? [
          '--from',
          '2000',
          '--max',
          '4000',
          '--bisect',
          '0',
          '--runs',
          '1',
          '--seconds',
          '2',
          '--fsync',
          'everysec',
        ]
      : ['--from', '1000', '--max', '32000', '--bisect', '2', '--runs', '3', '--seconds', '5'],
  },
  {
    name: 'delivery',
    filter: '@pigeonhole/delivery',
    args: quick ? ['--n', '200', '--runs', '1', '--mb', '64'] : ['--n', '1000', '--runs', '3'],
  },
  {
    name: 'media',
    filter: '@pigeonhole/media',
    args: quick ? ['--mb', '128', '--runs', '1'] : ['--mb', '1024', '--runs', '3'],
  },
];

function run(suite) {
  return new Promise((resolve) => {
    const script = suite.script ?? 'bench';
    const child = spawn('pnpm', ['--silent', '--filter', suite.filter, script, ...suite.args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (data) => {
      output += data;
      process.stdout.write(data);
    });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

const results = [];
for (const suite of SUITES) {
  process.stdout.write(`\n== ${suite.name} benchmark ${quick ? '(quick)' : ''}\n`);
  const { code, output } = await run(suite);
  const rows = output
    .split('\n')
    .filter((line) => line.split('|').length >= 3 && !line.startsWith('figure |'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  results.push({ suite: suite.name, exitCode: code, rows });
}

const header = `Pigeonhole benchmarks — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB${quick ? ', quick' : ''}`;
process.stdout.write(`\n${header}\n\nsuite | figure | pigeonhole | baseline (same run) | ratio\n`);
for (const { suite, rows, exitCode } of results) {
  if (exitCode !== 0) process.stdout.write(`${suite} | failed (exit ${exitCode}) | | |\n`);
  for (const row of rows) process.stdout.write(`${suite} | ${row.join(' | ')}\n`);
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(
  root,
  'bench',
  'results',
  `${new Date().toISOString().slice(0, 10)}${quick ? '-quick' : ''}.json`,
);
writeFileSync(
  file,
  `${JSON.stringify({ header, quick, node: process.version, cores: cpus().length, results }, null, 2)}\n`,
);
process.stdout.write(`\nwritten to ${file}\n`);
process.exitCode = results.every((r) => r.exitCode === 0) ? 0 : 1;
