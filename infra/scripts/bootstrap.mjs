#!/usr/bin/env node
// The README's commands: `npm start`, `npm test`, `npm run bench`.
// They need only Node 20 and npm: pnpm comes through corepack at the version pinned in package.json,
// the workspace is installed from the lockfile, turbo builds what is stale, then the command runs.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './system-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// pnpm is linked here by corepack, so that turbo (which looks for `pnpm` on PATH) finds it too.
const binDir = join(root, '.data', 'bin');
const env = {
  ...process.env,
  PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_ENABLE_STRICT: '0',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};

/** The command running now: a SIGTERM or SIGHUP sent to us alone is passed on to it. */
let current;
// A terminal's Ctrl-C (or its closing) reaches the whole process group by itself; a kill of this
// process alone does not.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => current?.kill(signal));

/** Runs a command in the workspace root; resolves with its exit code. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit', ...options });
    current = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}

async function step(what, command, args) {
  const code = await run(command, args);
  if (code !== 0) {
    process.stderr.write(`\n${what} failed (exit ${code}).\n`);
    process.exit(code);
  }
}

const pnpm = (args) => ['pnpm', args];

async function prepare() {
  // Missing Debian packages are installed when we can (root on Debian), else named; not fatal here:
  // the service or the tests then say precisely what they lack.
  ensureSystemPackages(process.argv[2]);
  mkdirSync(binDir, { recursive: true });
  await step('Linking pnpm through corepack', 'corepack', [
    'enable',
    '--install-directory',
    binDir,
    'pnpm',
  ]);
  await step(
    'Installing the workspace',
    ...pnpm(['install', '--frozen-lockfile', '--prefer-offline']),
  );
  await step('Building', ...pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']));
}

const commands = {
  async start() {
    await prepare();
    // The service handles Ctrl-C itself; keep this process alive until it has stopped everything.
    process.on('SIGINT', () => {});
    return run(process.execPath, ['apps/cli/dist/main.js', 'start', ...process.argv.slice(3)]);
  },
  async test() {
    await prepare();
    return run(
      ...pnpm([
        'exec',
        'vitest',
        'run',
        '--reporter=default',
        '--reporter=json',
        '--outputFile.json=.data/test-results.json',
        ...process.argv.slice(3),
      ]),
    );
  },
  async bench() {
    await prepare();
    return run(process.execPath, ['bench/run.mjs', ...process.argv.slice(3)]);
  },
};

const command = commands[process.argv[2]];
if (!command) {
  process.stderr.write(
    `usage: node infra/scripts/bootstrap.mjs ${Object.keys(commands).join('|')}\n`,
  );
  process.exit(2);
}
process.exitCode = await command();
