#!/usr/bin/env node
import { ConfigError, loadEnv } from '@pigeonhole/config';
import { startService } from './start.js';

const USAGE = `usage: pigeonhole <command>

commands:
  start     run the whole service (Redis, signalling, media, delivery, dashboard) in the foreground
`;

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'start':
      return startService(loadEnv(), print);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`pigeonhole: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bad configuration is the user's to fix: its message alone says what to change.
    const message =
      err instanceof ConfigError
        ? err.message
        : err instanceof Error
          ? (err.stack ?? err.message)
          : String(err);
    process.stderr.write(`pigeonhole: ${message}\n`);
    process.exitCode = err instanceof ConfigError ? 78 : 1;
  },
);
