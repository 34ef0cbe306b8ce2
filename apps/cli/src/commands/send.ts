import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Env } from '@pigeonhole/config';
import { activeEndpointUri, buildSendOffer, connectMsrp, parseMsrpSdp } from '@pigeonhole/msrp';
import { SipError, type SipResponse } from '@pigeonhole/sip';
import { ProgressBar } from './progress.js';
import { openAccount, type SipAccount } from './sip-account.js';
import { UsageError } from './usage-error.js';

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
 * `pigeonhole send --from alice --password secret --to bob (--text T | --file F) [--type T]`: pager mode
 * (MESSAGE, RFC 3428) when the body fits PAGER_MAX_BYTES, large message mode (INVITE + MSRP, RFC 4975)
 * otherwise, with a progress bar. Prints the final SIP status; exit 0 when the server took the message.
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
    },
  });
  const { from, password, to } = values;
  if (!from || !password || !to || (values.text === undefined) === (values.file === undefined))
    throw new UsageError(
      'send needs --from USER --password PASSWORD --to USER and one of --text TEXT or --file PATH',
    );
  const outgoing = await readOutgoing({
    to,
    text: values.text,
    file: values.file,
    type: values.type,
  });
  const account = await openAccount(env, { user: from, password });
  try {
    const large = outgoing.size > env.PAGER_MAX_BYTES;
    const status = large ? await sendLarge(account, outgoing) : await sendPager(account, outgoing);
    print(`${large ? 'large message' : 'pager message'} to ${to}: ${status}`);
    return status.startsWith('2') ? 0 : 1;
  } finally {
    await account.close();
  }
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
