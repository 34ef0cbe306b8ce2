#!/usr/bin/env node
// The Debian packages each README command needs, in one place, and their installation when missing.
// `npm start` and `npm test` call it; so does .ci/run. Run alone: node infra/scripts/system-packages.mjs test
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each needed program, found on PATH (or at an absolute path), and the Debian package that has it. */
const PROGRAMS = {
  'redis-server': 'redis-server', // a real Redis: the embedded default and every test's own
  'redis-cli': 'redis-tools', // the tests' Redis Cluster is made with `redis-cli --cluster create`
  sipp: 'sip-tester', // the SIP peer of the integration tests
  '/usr/bin/chromium': 'chromium', // the dashboard and browser-client tests (playwright-core drives it)
  openssl: 'openssl', // the TLS tests make their certificates
};

const NEEDS = {
  start: ['redis-server'],
  test: Object.keys(PROGRAMS),
};

function found(program) {
  const candidates = program.startsWith('/')
    ? [program]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, program));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Installs with apt-get the packages `command` needs that are missing, when this is a Debian machine
 * and we are root; otherwise says which to install. Returns false when some are still missing.
 * `start` with REDIS_URL set needs none.
 */
export function ensureSystemPackages(command) {
  const programs = command === 'start' && process.env.REDIS_URL ? [] : (NEEDS[command] ?? []);
  const missing = [...new Set(programs.filter((p) => !found(p)).map((p) => PROGRAMS[p]))];
  if (missing.length === 0) return true;
  const canInstall = process.getuid?.() === 0 && found('apt-get');
  if (!canInstall) {
    process.stderr.write(
      `Missing Debian packages: ${missing.join(' ')}. Install them with\n` +
        `  sudo apt-get install -y ${missing.join(' ')}\n`,
    );
    return false;
  }
  process.stderr.write(`Installing ${missing.join(' ')} (apt-get)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  const installed =
    apt(['update', '-qq']).status === 0 && apt(['install', '-y', '-qq', ...missing]).status === 0;
  if (!installed) process.stderr.write(`apt-get could not install ${missing.join(' ')}\n`);
  return installed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(ensureSystemPackages(process.argv[2]) ? 0 : 1);
}
