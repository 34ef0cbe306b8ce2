import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { PigeonholeClient, SendResult } from '@pigeonhole/client';
import { IMDN_HEADER_NAMESPACE, buildCpim, newImdnMessageId } from '@pigeonhole/cpim';
import type { Env } from '@pigeonhole/config';
import { ImdnWaiter, type Awaited } from './imdn-wait.js';
import { ProgressBar } from './progress.js';
import { openClient } from './sip-client.js';
import { UsageError } from './usage-error.js';

/** Long enough for a short wait; the binding is removed when the client stops. */
const REGISTER_EXPIRES = 300;
/** What to send. */
interface Outgoing {
  readonly to: string;
  readonly contentType: string;
  readonly size: number;
  /**
   * The whole body, or the file it streams from (after `prefix`: the CPIM headers of a message that
   * asks for notifications).
   */
  readonly body: Buffer | { readonly file: string; readonly prefix?: Buffer };
}

/** Who sends, and to which domain. */
interface Sender {
  readonly client: PigeonholeClient;
  readonly user: string;
  readonly domain: string;
}

/**
 * `pigeonhole send --from alice --password secret --to bob (--text T | --file F) [--type T]
 * [--wait stored|delivered [--timeout S]]`, as the user's SIP.js client over SIP WebSocket: pager mode
 * (MESSAGE, RFC 3428) when the body is text that fits PAGER_MAX_BYTES, large message mode (INVITE +
 * MSRP, RFC 4975) otherwise (binary bodies too: MSRP carries bytes, a SIP.js body is text), with a
 * progress bar. Prints
 * the final SIP status; exit 0 when the server took the message. With `--wait`, the message goes as CPIM
 * asking for IMDNs (RFC 5438) and the command, registered meanwhile, waits for the `stored` or
 * `delivered` notification; a large message is stored once its last chunk is answered 200, so
 * `--wait stored` waits for nothing more for it.
 */
export async function sendCommand(
  env: Env,
  argv: readonly string[],
  print: (line: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      password: { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string' },
      file: { type: 'string' },
      type: { type: 'string' },
      wait: { type: 'string' },
      timeout: { type: 'string', default: '60' },
    },
  });
  const { from, password, to } = values;
  if (!from || !password || !to || (values.text === undefined) === (values.file === undefined))
    throw new UsageError(
      'send needs --from USER --password PASSWORD --to USER and one of --text TEXT or --file PATH',
    );
  const wait = parseWait(values.wait, values.timeout);
  const outgoing = await readOutgoing({
    to,
    text: values.text,
    file: values.file,
    type: values.type,
  });
  const fitsPager = async (candidate: Outgoing): Promise<boolean> =>
    candidate.size <= env.PAGER_MAX_BYTES && isText(await bodyOf(candidate));
  const messageId = newImdnMessageId();
  const domain = env.SIP_DOMAIN;
  // A large message is stored once its last chunk is answered 200: `stored` needs no notification.
  const waits = wait && !(wait.wanted === 'stored' && !(await fitsPager(outgoing)));
  const message = waits
    ? withImdnRequest({ user: from, domain }, { outgoing, messageId, wanted: wait.wanted })
    : outgoing;
  const large = !(await fitsPager(message));
  if (waits && !(large && wait.wanted === 'stored')) {
    const waiter = new ImdnWaiter({ user: from, messageId, wanted: wait.wanted }, print);
    const client = await openClient(env, {
      user: from,
      password,
      onMessage: (notice) => waiter.take(notice),
    });
    try {
      return await sendAndWait(
        { client, user: from, domain },
        { outgoing: message, large, waiter, wait, print },
      );
    } finally {
      await client.stop();
    }
  }
  const client = await openClient(env, { user: from, password });
  try {
    const sender = { client, user: from, domain };
    const result = large ? await sendLarge(sender, message) : await sendPager(sender, message);
    report({ print, large, to, from }, result);
    return result.startsWith('2') ? 0 : 1;
  } finally {
    await client.stop();
  }
}

/** What `--wait` asks for. */
interface Wait {
  readonly wanted: Awaited;
  readonly timeoutMs: number;
}

function parseWait(wanted: string | undefined, timeout: string): Wait | undefined {
  if (wanted === undefined) return undefined;
  if (wanted !== 'stored' && wanted !== 'delivered')
    throw new UsageError('--wait takes stored or delivered');
  const seconds = Number(timeout);
  if (!(seconds > 0)) throw new UsageError('--timeout takes a number of seconds above 0');
  return { wanted, timeoutMs: seconds * 1000 };
}

/**
 * A message wrapped in CPIM asking for every notification (RFC 5438 §5.3), sent while the sender is
 * registered to take them; resolves with the exit code: 0 once the awaited notification came.
 */
async function sendAndWait(
  sender: Sender,
  {
    outgoing,
    large,
    waiter,
    wait,
    print,
  }: {
    outgoing: Outgoing;
    large: boolean;
    waiter: ImdnWaiter;
    wait: Wait;
    print: (line: string) => void;
  },
): Promise<number> {
  await sender.client.register(REGISTER_EXPIRES);
  const result = large ? await sendLarge(sender, outgoing) : await sendPager(sender, outgoing);
  report({ print, large, to: outgoing.to, from: sender.user }, result);
  if (!result.startsWith('2')) return 1;
  if (result.startsWith('200') && !large) waiter.deliveredDirectly(); // a device took it at once
  return (await waiter.until(wait.timeoutMs)) ? 0 : 1;
}

/** Prints the final answer; a digest challenge as the final answer means the password was refused. */
function report(
  what: { print: (line: string) => void; large: boolean; to: string; from: string },
  result: string,
): void {
  what.print(`${what.large ? 'large message' : 'pager message'} to ${what.to}: ${result}`);
  if (/^40[17] /.test(result))
    what.print(`${what.from}: the service refused these credentials (wrong user name or password)`);
}

/**
 * The message as `message/cpim` with `imdn.Message-ID` and `Disposition-Notification` (RFC 5438 §5)
 * asking for what is awaited (`processing` for `stored`; delivery too for `delivered`): the CPIM headers
 * go before the body, which a file keeps streaming from.
 */
function withImdnRequest(
  sender: { user: string; domain: string },
  { outgoing, messageId, wanted }: { outgoing: Outgoing; messageId: string; wanted: Awaited },
): Outgoing {
  const dispositions =
    wanted === 'delivered' ? 'positive-delivery, negative-delivery, processing' : 'processing';
  const prefix = buildCpim({
    from: `<sip:${sender.user}@${sender.domain}>`,
    to: `<${outgoing.to.startsWith('sip:') ? outgoing.to : `sip:${outgoing.to}@${sender.domain}`}>`,
    headers: [
      ['NS', `imdn <${IMDN_HEADER_NAMESPACE}>`],
      ['imdn.Message-ID', messageId],
      ['DateTime', new Date().toISOString()],
      ['imdn.Disposition-Notification', dispositions],
    ],
    contentType: outgoing.contentType,
    content: Buffer.alloc(0),
  });
  const body = Buffer.isBuffer(outgoing.body)
    ? Buffer.concat([prefix, outgoing.body])
    : { file: outgoing.body.file, prefix };
  return { ...outgoing, contentType: 'message/cpim', size: prefix.length + outgoing.size, body };
}

async function readOutgoing(options: {
  to: string;
  text: string | undefined;
  file: string | undefined;
  type: string | undefined;
}): Promise<Outgoing> {
  if (options.text !== undefined) {
    const body = Buffer.from(options.text, 'utf8');
    const contentType = options.type ?? 'text/plain;charset=utf-8';
    return { to: options.to, contentType, size: body.length, body };
  }
  const file = options.file ?? '';
  const { size } = await stat(file).catch(() => {
    throw new UsageError(`cannot read ${file}`);
  });
  const contentType = options.type ?? 'application/octet-stream';
  return { to: options.to, contentType, size, body: { file } };
}

/** Reads a body that is a file (only ever for one small enough to be a pager message). */
async function bodyOf(outgoing: Outgoing): Promise<Buffer> {
  if (Buffer.isBuffer(outgoing.body)) return outgoing.body;
  const { file, prefix } = outgoing.body;
  return Buffer.concat([prefix ?? Buffer.alloc(0), await readFile(file)]);
}

/** A file's body as a stream, after its CPIM prefix if it has one. */
async function* streamOf(body: { file: string; prefix?: Buffer }): AsyncGenerator<Buffer> {
  if (body.prefix) yield body.prefix;
  for await (const piece of createReadStream(body.file)) yield piece as Buffer;
}

/** True when the bytes are UTF-8 text: what a SIP.js MESSAGE body carries unchanged. */
function isText(body: Buffer): boolean {
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

async function sendPager(sender: Sender, outgoing: Outgoing): Promise<string> {
  const body = await bodyOf(outgoing);
  return describe(sender.client.sendText(outgoing.to, body.toString('utf8'), outgoing.contentType));
}

/**
 * INVITE with an MSRP offer (`a=setup:active`, `a=file-selector` with the size); on 200 the client
 * connects to the answer's path and sends the body with a progress bar; the last chunk's 200 means
 * stored; then BYE.
 */
async function sendLarge(sender: Sender, outgoing: Outgoing): Promise<string> {
  const progress = new ProgressBar('sending', outgoing.size);
  const result = await describe(
    sender.client.sendFile(
      outgoing.to,
      {
        name: Buffer.isBuffer(outgoing.body) ? 'message' : basename(outgoing.body.file),
        type: outgoing.contentType,
        size: outgoing.size,
        body: Buffer.isBuffer(outgoing.body) ? outgoing.body : streamOf(outgoing.body),
      },
      (sent) => progress.update(sent),
    ),
  );
  return result.startsWith('2') ? `${result}, ${outgoing.size} bytes stored` : result;
}

async function describe(pending: Promise<SendResult>): Promise<string> {
  try {
    const { status, reason, warning } = await pending;
    return `${status} ${reason}${warning ? ` (${warning})` : ''}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
