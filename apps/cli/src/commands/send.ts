import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { IMDN_HEADER_NAMESPACE, buildCpim, newImdnMessageId } from '@pigeonhole/cpim';
import type { Env } from '@pigeonhole/config';
import { activeEndpointUri, buildSendOffer, connectMsrp, parseMsrpSdp } from '@pigeonhole/msrp';
import { SipError, type SipResponse } from '@pigeonhole/sip';
import { ImdnWaiter, type Awaited } from './imdn-wait.js';
import { ProgressBar } from './progress.js';
import { openAccount, type SipAccount } from './sip-account.js';
import { UsageError } from './usage-error.js';

/** Files above this are never read whole to be wrapped: they go in large message mode. */
const MAX_WRAPPED_READ = 1024 * 1024;

/** OMA SIMPLE IM large message mode, asked for in Accept-Contact. */
const LARGE_MESSAGE = '*;+g.oma.sip-im.large-message';

/** What to send. */
interface Outgoing {
  readonly to: string;
  readonly contentType: string;
  readonly size: number;
  /** The whole body (pager mode), or the file it streams from (large message mode). */
  readonly body: Buffer | { readonly file: string };
}

/**
 * `pigeonhole send --from alice --password secret --to bob (--text T | --file F) [--type T]
 * [--wait stored|delivered [--timeout S]]`: pager mode (MESSAGE, RFC 3428) when the body fits
 * PAGER_MAX_BYTES, large message mode (INVITE + MSRP, RFC 4975) otherwise, with a progress bar. Prints
 * the final SIP status; exit 0 when the server took the message. With `--wait`, a pager message asks for
 * IMDNs (RFC 5438) and the command waits for the `stored` or `delivered` notification; a large message
 * is stored once its last chunk is answered 200, so `--wait stored` needs nothing more for it.
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
  const account = await openAccount(env, { user: from, password });
  try {
    const messageId = newImdnMessageId();
    const asking = wait && (await withImdnRequest(account, { outgoing, messageId }));
    if (wait && asking && asking.size <= env.PAGER_MAX_BYTES)
      return await sendPagerAndWait(account, { outgoing: asking, messageId, wait, print });
    if (wait?.wanted === 'delivered')
      throw new UsageError(
        `--wait delivered needs a message of at most PAGER_MAX_BYTES (${env.PAGER_MAX_BYTES}) bytes`,
      );
    const large = outgoing.size > env.PAGER_MAX_BYTES;
    const status = large ? await sendLarge(account, outgoing) : await sendPager(account, outgoing);
    print(`${large ? 'large message' : 'pager message'} to ${to}: ${status}`);
    return status.startsWith('2') ? 0 : 1;
  } finally {
    await account.close();
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
 * A pager message wrapped in CPIM asking for every notification (RFC 5438 §5.3), sent while the sender
 * is registered to take them; resolves with the exit code: 0 once the awaited notification came.
 */
async function sendPagerAndWait(
  account: SipAccount,
  {
    outgoing,
    messageId,
    wait,
    print,
  }: { outgoing: Outgoing; messageId: string; wait: Wait; print: (line: string) => void },
): Promise<number> {
  const waiter = new ImdnWaiter(account, { messageId, wanted: wait.wanted }, print);
  await waiter.start();
  try {
    const status = await sendPager(account, outgoing);
    print(`pager message to ${outgoing.to}: ${status}`);
    if (!status.startsWith('2')) return 1;
    if (status.startsWith('200')) waiter.deliveredDirectly(); // a device took it at once
    return (await waiter.until(wait.timeoutMs)) ? 0 : 1;
  } finally {
    await waiter.close();
  }
}

/**
 * The message as `message/cpim` with `imdn.Message-ID` and `Disposition-Notification` (RFC 5438 §5);
 * undefined for a file too big to be a pager message anyway.
 */
async function withImdnRequest(
  account: SipAccount,
  { outgoing, messageId }: { outgoing: Outgoing; messageId: string },
): Promise<Outgoing | undefined> {
  if (outgoing.size > MAX_WRAPPED_READ) return undefined;
  const content = Buffer.isBuffer(outgoing.body)
    ? outgoing.body
    : await readFile(outgoing.body.file);
  const body = buildCpim({
    from: `<sip:${account.user}@${account.domain}>`,
    to: `<sip:${outgoing.to}@${account.domain}>`,
    headers: [
      ['NS', `imdn <${IMDN_HEADER_NAMESPACE}>`],
      ['imdn.Message-ID', messageId],
      ['DateTime', new Date().toISOString()],
      ['imdn.Disposition-Notification', 'positive-delivery, negative-delivery, processing'],
    ],
    contentType: outgoing.contentType,
    content,
  });
  return { ...outgoing, contentType: 'message/cpim', size: body.length, body };
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

async function sendPager(account: SipAccount, outgoing: Outgoing): Promise<string> {
  const body = Buffer.isBuffer(outgoing.body) ? outgoing.body : await readFile(outgoing.body.file);
  return describe(
    account.endpoint.request(
      {
        method: 'MESSAGE',
        uri: `sip:${outgoing.to}@${account.domain}`,
        from: `<sip:${account.user}@${account.domain}>`,
        to: `<sip:${outgoing.to}@${account.domain}>`,
        contentType: outgoing.contentType,
        body,
      },
      account.server,
      { credentials: account },
    ),
  );
}

/**
 * INVITE with an MSRP offer (`a=setup:active`, `a=file-selector` with the size); on 200, connect to the
 * answer's path and send the body with a progress bar; the last chunk's 200 means stored; then BYE.
 */
async function sendLarge(account: SipAccount, outgoing: Outgoing): Promise<string> {
  const ourPath = activeEndpointUri(account.server.host);
  const offer = buildSendOffer({
    address: account.server.host,
    path: ourPath,
    contentType: outgoing.contentType,
    size: outgoing.size,
    fileName: Buffer.isBuffer(outgoing.body) ? 'message' : basename(outgoing.body.file),
  });
  let invited;
  try {
    invited = await account.endpoint.invite(
      {
        uri: `sip:${outgoing.to}@${account.domain}`,
        from: `<sip:${account.user}@${account.domain}>`,
        to: `<sip:${outgoing.to}@${account.domain}>`,
        headers: [
          ['Contact', `<${account.contact}>`],
          ['Accept-Contact', LARGE_MESSAGE],
        ],
        contentType: 'application/sdp',
        body: Buffer.from(offer),
      },
      account.server,
      { credentials: account },
    );
  } catch (err) {
    return err instanceof SipError ? `${err.status} ${err.reason}` : String(err);
  }
  const { response, dialog } = invited;
  if (!dialog) return statusLine(response);
  try {
    const path = parseMsrpSdp(response.body.toString('utf8'))?.path ?? [];
    const connection = await connectMsrp(path[0] ?? '');
    const progress = new ProgressBar('sending', outgoing.size);
    try {
      await connection.send({
        toPath: path,
        fromPath: [ourPath],
        contentType: outgoing.contentType,
        body: Buffer.isBuffer(outgoing.body) ? outgoing.body : createReadStream(outgoing.body.file),
        size: outgoing.size,
        onProgress: (sent) => progress.update(sent),
      });
    } finally {
      await connection.close();
    }
    return `${statusLine(response)}, ${outgoing.size} bytes stored`;
  } finally {
    await dialog.bye().catch(() => undefined);
  }
}

async function describe(pending: Promise<SipResponse>): Promise<string> {
  try {
    return statusLine(await pending);
  } catch (err) {
    return err instanceof SipError ? `${err.status} ${err.reason}` : String(err);
  }
}

function statusLine(response: SipResponse): string {
  const warning = response.get('Warning');
  return `${response.status} ${response.reason}${warning ? ` (${warning})` : ''}`;
}
