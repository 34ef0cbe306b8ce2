import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import type { PigeonholeClient, ReceivedFile, ReceivedText } from '@pigeonhole/client';
import { buildImdn, readImdnRequest, type CpimMessage } from '@pigeonhole/cpim';
import type { Env } from '@pigeonhole/config';
import { readCpimStream, tryParseCpim } from './cpim-stream.js';
import { ProgressBar } from './progress.js';
import { openClient } from './sip-client.js';
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

/** SIP.js refreshes the registration before it runs out. */
const REGISTER_EXPIRES = 300;

/**
 * `pigeonhole listen --as bob --password secret --out DIR [--count N]`: registers as the user's SIP.js
 * client over SIP WebSocket (stored messages then arrive), takes pager messages (MESSAGE) and large ones
 * (INVITE + MSRP over WebSocket, the client connecting to the sender, with a progress bar), writes each
 * body to DIR as `<n>.body` (a CPIM-wrapped message without its wrapper) with `<n>.json` beside
 * it before the sender hears it arrived, answers an IMDN `delivered` when the message asked for one,
 * and prints one line per message. Runs until Ctrl-C, until `--count` messages arrived, or for
 * `--timeout` seconds (then exit 1 if fewer than `--count` came).
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
      timeout: { type: 'string' },
    },
  });
  const { as: user, password, out } = values;
  const count = values.count === undefined ? Infinity : Number(values.count);
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (!user || !password || !out || !(count > 0) || (timeoutS !== undefined && !(timeoutS > 0)))
    throw new UsageError(
      'listen needs --as USER --password PASSWORD --out DIR [--count N] [--timeout S]',
    );
  await mkdir(out, { recursive: true });
  const inbox = new Inbox({ dir: out, print, me: `sip:${user}@${env.SIP_DOMAIN}` });
  const client = await openClient(env, {
    user,
    password,
    onMessage: (message) => inbox.pager(message),
    onFile: (file) => inbox.file(file),
  });
  inbox.replyWith(client);
  client.on('receiveFailed', warn('a message was not received (the service sends it again)'));
  try {
    await client.register(REGISTER_EXPIRES);
    print(`listening as ${user}@${env.SIP_DOMAIN}, writing to ${out} (Ctrl-C stops)`);
    const timer =
      timeoutS === undefined ? undefined : setTimeout(() => inbox.stop(), timeoutS * 1000);
    await inbox.until(count);
    clearTimeout(timer);
    if (inbox.received >= count || count === Infinity) return 0;
    print(`${inbox.received} of ${count} messages within ${timeoutS ?? 0} s`);
    return 1;
  } finally {
    await client.stop();
  }
}

/** The messages received so far, written to disk in arrival order. */
class Inbox {
  readonly #dir: string;
  readonly #print: (line: string) => void;
  readonly #me: string;
  #client: PigeonholeClient | undefined;
  readonly #notifying = new Set<Promise<void>>();
  #received = 0;
  #wanted = Infinity;
  #done: () => void = () => undefined;
  readonly #finished = new Promise<void>((resolve) => (this.#done = resolve));

  constructor(options: { dir: string; print: (line: string) => void; me: string }) {
    this.#dir = options.dir;
    this.#print = options.print;
    this.#me = options.me;
    process.once('SIGINT', () => this.#done());
  }

  /** Messages received so far. */
  get received(): number {
    return this.#received;
  }

  /** Ends listening now (a timeout), as Ctrl-C does. */
  stop(): void {
    this.#done();
  }

  /** The client that sends `delivered` notifications. */
  replyWith(client: PigeonholeClient): void {
    this.#client = client;
  }

  /** Resolves after `count` messages (and the notifications they asked for), or on Ctrl-C. */
  async until(count: number): Promise<void> {
    this.#wanted = count;
    if (this.#received >= count) this.#done();
    await this.#finished;
    await Promise.allSettled(this.#notifying);
  }

  /** Writes a pager message; the MESSAGE is answered 200 once this resolved. */
  async pager(message: ReceivedText): Promise<void> {
    const n = ++this.#received;
    const body = Buffer.from(message.body, 'utf8');
    const cpim = message.contentType.toLowerCase().startsWith('message/cpim')
      ? tryParseCpim(body)
      : undefined;
    const content = cpim?.content ?? body;
    await writeFile(join(this.#dir, `${n}.body`), content);
    // Queued before the record, which may end the run: `until` then waits for this notification too.
    if (cpim) this.#notify(() => this.#acknowledge(cpim, message.from));
    await this.#record(n, {
      kind: 'pager',
      from: message.from,
      contentType: cpim?.contentType ?? message.contentType,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      receivedAt: new Date().toISOString(),
    });
  }

  /** Writes a large message as it streams in; its last chunk is answered 200 once this resolved. */
  async file(file: ReceivedFile): Promise<void> {
    const n = ++this.#received;
    const body = file.body as AsyncIterable<Buffer>;
    const cpim = file.contentType.toLowerCase().startsWith('message/cpim')
      ? await readCpimStream(body)
      : undefined;
    const progress = new ProgressBar(`receiving ${n}`, (file.size ?? 0) - (cpim?.headBytes ?? 0));
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(piece: Buffer, _encoding, done) {
        hash.update(piece);
        size += piece.length;
        progress.update(size);
        done(null, piece);
      },
    });
    await pipeline(cpim?.content ?? body, tap, createWriteStream(join(this.#dir, `${n}.body`)));
    const head = cpim?.head;
    if (head) this.#notify(() => this.#acknowledge(head, file.from));
    await this.#record(n, {
      kind: 'large',
      from: file.from,
      contentType: cpim?.head?.contentType ?? file.contentType,
      size,
      sha256: hash.digest('hex'),
      receivedAt: new Date().toISOString(),
    });
  }

  /** Sends a notification in the background; `until` waits for it. */
  #notify(send: () => Promise<void>): void {
    const notice = Promise.resolve()
      .then(send)
      .catch(warn('the delivered notification was not sent'));
    this.#notifying.add(notice);
    void notice.finally(() => this.#notifying.delete(notice));
  }

  async #record(n: number, metadata: ReceivedMetadata): Promise<void> {
    await writeFile(join(this.#dir, `${n}.json`), `${JSON.stringify(metadata, null, 2)}\n`);
    this.#print(
      `${n}: ${metadata.kind} message from ${metadata.from}, ${metadata.contentType}, ${metadata.size} bytes, sha256 ${metadata.sha256}`,
    );
    if (this.#received >= this.#wanted) this.#done();
  }

  /** RFC 5438 §7.2.1: a `delivered` notification when the sender asked for positive-delivery. */
  async #acknowledge(cpim: CpimMessage, sender: string): Promise<void> {
    const imdn = readImdnRequest(cpim);
    if (!this.#client || !imdn?.messageId || !imdn.dispositions.includes('positive-delivery'))
      return;
    const notice = buildImdn({
      kind: 'delivery',
      status: 'delivered',
      original: { messageId: imdn.messageId, dateTime: imdn.dateTime, dispositions: [] },
      from: this.#me,
      to: sender,
      recipientUri: this.#me,
    });
    const { status, reason } = await this.#client.sendText(
      sender,
      notice.toString('utf8'),
      'message/cpim',
    );
    if (status >= 300) throw new Error(`answered ${status} ${reason}`);
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
