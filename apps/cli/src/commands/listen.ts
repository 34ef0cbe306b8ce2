import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import { buildImdn, parseCpim, readImdnRequest } from '@pigeonhole/cpim';
import type { Env } from '@pigeonhole/config';
import {
  MsrpServer,
  buildMsrpSdp,
  parseMsrpSdp,
  streamingSession,
  type SessionHandler,
} from '@pigeonhole/msrp';
import { aorOf, type ServerContext, type SipRequest } from '@pigeonhole/sip';
import { openAccount, register, type SipAccount } from './sip-account.js';
import { UsageError } from './usage-error.js';

/** What is written next to each received body. */
interface ReceivedMetadata {
  readonly kind: 'pager' | 'large';
  readonly from: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly receivedAt: string;
}

const REGISTER_EXPIRES = 300;

/**
 * `pigeonhole listen --as bob --password secret --out DIR [--count N]`: registers as the user (stored
 * messages then arrive), takes pager messages (MESSAGE) and large ones (INVITE + MSRP, answered
 * `a=setup:passive` on an MSRP listener of its own), writes each body to DIR as `<n>.body` with
 * `<n>.json` beside it, answers an IMDN `delivered` when a pager message asked for one, and prints one
 * line per message. Runs until Ctrl-C, or until `--count` messages arrived.
 */
export async function listenCommand(
  env: Env,
  argv: readonly string[],
  print: (line: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      as: { type: 'string' },
      password: { type: 'string' },
      out: { type: 'string' },
      count: { type: 'string' },
    },
  });
  const { as: user, password, out } = values;
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!user || !password || !out || !(count > 0))
    throw new UsageError('listen needs --as USER --password PASSWORD --out DIR [--count N]');
  await mkdir(out, { recursive: true });
  const account = await openAccount(env, { user, password });
  const inbox = new Inbox({ account, dir: out, print });
  const msrp = new MsrpServer({
    resolveSession: ({ sessionId }) => Promise.resolve(inbox.session(sessionId) ?? 481),
  });
  const msrpPort = (await msrp.listenTcp({ host: env.SIP_HOST, port: 0 })).port;
  account.endpoint.handle('MESSAGE', (request, server) => inbox.pager(request, server));
  account.endpoint.handle('INVITE', (request, server) =>
    inbox.invite(request, { server, msrpHost: env.SIP_HOST, msrpPort }),
  );
  try {
    await register(account, REGISTER_EXPIRES);
    print(`listening as ${user}@${account.domain}, writing to ${out}`);
    const refresh = setInterval(
      () => void register(account, REGISTER_EXPIRES).catch(warn('registration refresh failed')),
      (REGISTER_EXPIRES / 2) * 1000,
    );
    try {
      await inbox.until(count);
    } finally {
      clearInterval(refresh);
    }
    await register(account, 0).catch(warn('unregistering failed'));
    return 0;
  } finally {
    await msrp.close();
    await account.close();
  }
}

/** The messages received so far, written to disk in arrival order. */
class Inbox {
  readonly #account: SipAccount;
  readonly #dir: string;
  readonly #print: (line: string) => void;
  readonly #sessions = new Map<string, SessionHandler>();
  #received = 0;
  #wanted = Infinity;
  #done: () => void = () => undefined;
  readonly #finished = new Promise<void>((resolve) => (this.#done = resolve));

  constructor(options: { account: SipAccount; dir: string; print: (line: string) => void }) {
    this.#account = options.account;
    this.#dir = options.dir;
    this.#print = options.print;
    process.once('SIGINT', () => this.#done());
  }

  /** Resolves after `count` messages, or on Ctrl-C. */
  until(count: number): Promise<void> {
    this.#wanted = count;
    if (this.#received >= count) this.#done();
    return this.#finished;
  }

  session(sessionId: string): SessionHandler | undefined {
    return this.#sessions.get(sessionId);
  }

  async pager(request: SipRequest, server: ServerContext): Promise<void> {
    const n = ++this.#received;
    await writeFile(join(this.#dir, `${n}.body`), request.body);
    const contentType = request.contentType ?? 'text/plain';
    await this.#record(n, {
      kind: 'pager',
      from: aorOf(request.from.uri),
      contentType,
      size: request.body.length,
      sha256: createHash('sha256').update(request.body).digest('hex'),
      receivedAt: new Date().toISOString(),
    });
    server.reply(200);
    await this.#acknowledge(request).catch(warn('the delivered notification was not sent'));
  }

  invite(
    request: SipRequest,
    { server, msrpHost, msrpPort }: { server: ServerContext; msrpHost: string; msrpPort: number },
  ): void {
    const offer = parseMsrpSdp(request.body.toString('utf8'));
    if (!offer?.path.length) return server.reply(488);
    const sessionId = randomBytes(12).toString('hex');
    const from = aorOf(request.from.uri);
    this.#sessions.set(
      sessionId,
      streamingSession(async (message, body) => {
        const n = ++this.#received;
        const hash = createHash('sha256');
        let size = 0;
        const tap = new Transform({
          transform(piece: Buffer, _encoding, done) {
            hash.update(piece);
            size += piece.length;
            done(null, piece);
          },
        });
        await pipeline(body, tap, createWriteStream(join(this.#dir, `${n}.body`)));
        this.#sessions.delete(sessionId);
        await this.#record(n, {
          kind: 'large',
          from,
          contentType: message.contentType,
          size,
          sha256: hash.digest('hex'),
          receivedAt: new Date().toISOString(),
        });
      }),
    );
    const host = msrpHost.includes(':') ? `[${msrpHost}]` : msrpHost;
    server.reply(200, {
      headers: [
        ['Contact', `<${this.#account.contact}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: Buffer.from(
        buildMsrpSdp({
          address: msrpHost,
          port: msrpPort,
          path: [`msrp://${host}:${msrpPort}/${sessionId};tcp`],
          acceptTypes: ['*'],
          setup: 'passive',
        }),
      ),
    });
  }

  async #record(n: number, metadata: ReceivedMetadata): Promise<void> {
    await writeFile(join(this.#dir, `${n}.json`), `${JSON.stringify(metadata, null, 2)}\n`);
    this.#print(
      `${n}: ${metadata.kind} message from ${metadata.from}, ${metadata.contentType}, ${metadata.size} bytes, sha256 ${metadata.sha256}`,
    );
    if (this.#received >= this.#wanted) this.#done();
  }

  /** RFC 5438 §7.2.1: a `delivered` notification when the sender asked for positive-delivery. */
  async #acknowledge(request: SipRequest): Promise<void> {
    if (!request.contentType?.toLowerCase().startsWith('message/cpim')) return;
    const imdn = readImdnRequest(parseCpim(request.body));
    if (!imdn?.messageId || !imdn.dispositions.includes('positive-delivery')) return;
    const me = `sip:${this.#account.user}@${this.#account.domain}`;
    const sender = aorOf(request.from.uri);
    await this.#account.endpoint.request(
      {
        method: 'MESSAGE',
        uri: sender,
        from: `<${me}>`,
        to: `<${sender}>`,
        contentType: 'message/cpim',
        body: buildImdn({
          kind: 'delivery',
          status: 'delivered',
          original: { messageId: imdn.messageId, dateTime: imdn.dateTime, dispositions: [] },
          from: me,
          to: sender,
          recipientUri: me,
        }),
      },
      this.#account.server,
      { credentials: this.#account },
    );
  }
}

/** Reports a failure that does not stop listening, on stderr (stdout lists the messages). */
function warn(what: string): (err: unknown) => void {
  return (err) => {
    process.stderr.write(
      `pigeonhole: ${what}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  };
}
