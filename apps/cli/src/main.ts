#!/usr/bin/env node
import { RedisServerError } from '@pigeonhole/app-runtime';
import { RegistrationError } from '@pigeonhole/client';
import { ConfigError, loadEnv } from '@pigeonhole/config';
import { listenCommand } from './commands/listen.js';
import { sendCommand } from './commands/send.js';
import { statsCommand } from './commands/stats.js';
import { UsageError } from './commands/usage-error.js';
import { usersCommand } from './commands/users.js';
import { AlreadyRunningError, startService } from './start.js';

const USAGE = `usage: pigeonhole <command>

commands:
  start                          run the whole service (Redis, signalling, media, delivery, dashboard)
  users add NAME PASSWORD        add (or change) a SIP digest user of SIP_DOMAIN
  users remove NAME | users list
  send --from USER --password PW --to USER (--text TEXT | --file PATH) [--type CONTENT-TYPE]
       [--wait stored|delivered] [--timeout S]
                                 pager MESSAGE when it fits PAGER_MAX_BYTES, else INVITE + MSRP
  listen --as USER --password PW --out DIR [--count N] [--timeout S]
                                 register and write every message received to DIR
  stats                          stored messages per recipient and the last 15 minutes' figures

send and listen reach the service's SIP WebSocket at SIP_HOST:SIP_WS_PORT; users and stats reach the
store through REDIS_URL (or the embedded Redis).
`;

// A reader that went away (`pigeonhole stats | head`) ends the output, not the command with a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.stdout.destroy();
});

/** node:util parseArgs refusing an option or value (ERR_PARSE_ARGS_*). */
function isParseArgsError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'start':
      return startService(loadEnv(), print);
    case 'users':
      return usersCommand(loadEnv(), rest, print);
    case 'send':
      return sendCommand(loadEnv(), rest, print);
    case 'listen':
      return listenCommand(loadEnv(), rest, print);
    case 'stats':
      return statsCommand(loadEnv(), print);
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
    // A bad configuration, command line, password or a missing redis-server is the user's to fix: its
    // message alone says what to change; a wrong command line shows the usage too.
    const usage = err instanceof UsageError || isParseArgsError(err);
    const known =
      usage ||
      err instanceof ConfigError ||
      err instanceof RedisServerError ||
      err instanceof RegistrationError ||
      err instanceof AlreadyRunningError;
    const message = known
      ? err.message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
    process.stderr.write(`pigeonhole: ${message}\n${usage ? USAGE : ''}`);
    process.exitCode = err instanceof ConfigError ? 78 : usage ? 2 : 1;
  },
);
