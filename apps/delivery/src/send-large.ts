import {
  MsrpError,
  activeEndpointUri,
  buildSendOffer,
  connectMsrp,
  parseMsrpSdp,
  parseMsrpUri,
  type MsrpMedia,
} from '@pigeonhole/msrp';
import { SipError, type ContactTarget, type Dialog, type SipResponse } from '@pigeonhole/sip';
import type { StoredMessage } from '@pigeonhole/store';
import type { DeliveryDeps } from './delivery-deps.js';

/** A 2xx whose SDP we cannot use: the session is not acceptable (RFC 3261 §21.4.26). */
const NOT_ACCEPTABLE = 488;
/** The device took the INVITE but the MSRP transfer broke: worth a retry (RFC 3261 §21.5.4). */
const TRANSFER_BROKE = 503;
/** MSRP answers that no retry will change (RFC 4975 §10: 413 too large, 415 unsupported type). */
const PERMANENT_MSRP = new Set([413, 415]);

/**
 * Delivers a stored large message to one contact as `INVITE` + MSRP (RFC 4975): the offer is
 * `a=setup:active` with a `sendonly` MSRP stream, so we connect to the answer's `a=path` (RFC 4975 §5.4,
 * RFC 6135 §4) and send the body out of Redis chunk by chunk with backpressure, with the stored
 * Message-ID so a retried delivery is recognisably the same message. The last chunk's 200 is the
 * device's acceptance; the session then ends with BYE. Returns the SIP-style status of the attempt:
 * the INVITE's final status when it was refused, 200 when the message was taken, 413/415 when MSRP
 * refused it for good, 488/503 otherwise.
 */
export async function sendLarge(
  deps: DeliveryDeps,
  { message, contact }: { message: StoredMessage; contact: ContactTarget },
): Promise<number> {
  const ourPath = activeEndpointUri(deps.local.host);
  let invited: { response: SipResponse; dialog: Dialog | undefined };
  try {
    invited = await invite(deps, { message, contact, ourPath });
  } catch (err) {
    return err instanceof SipError ? err.status : TRANSFER_BROKE;
  }
  const { response, dialog } = invited;
  if (!dialog) return response.status;
  try {
    const answer = parseMsrpSdp(response.body.toString('utf8'));
    if (!usableAnswer(answer)) return NOT_ACCEPTABLE;
    return await transfer(deps, { message, answer, ourPath });
  } finally {
    await dialog.bye().catch(() => undefined);
  }
}

function invite(
  deps: DeliveryDeps,
  {
    message,
    contact,
    ourPath,
  }: { message: StoredMessage; contact: ContactTarget; ourPath: string },
): Promise<{ response: SipResponse; dialog: Dialog | undefined }> {
  const { host, udpPort, tcpPort } = deps.local;
  const ourContact =
    contact.target.transport === 'tcp'
      ? `<sip:pigeonhole@${uriHost(host)}:${tcpPort};transport=tcp>`
      : `<sip:pigeonhole@${uriHost(host)}:${udpPort}>`;
  const offer = buildSendOffer({
    address: host,
    path: ourPath,
    contentType: message.contentType,
    size: message.size,
  });
  return deps.endpoint.invite(
    {
      uri: contact.uri,
      from: `<${message.from}>`,
      to: `<${message.to}>`,
      headers: [['Contact', ourContact]],
      contentType: 'application/sdp',
      body: Buffer.from(offer),
    },
    contact.target,
    { signal: AbortSignal.timeout(deps.answerTimeoutMs ?? 30_000) },
  );
}

/** The answer names where to connect, and leaves the connecting to us (RFC 6135: passive or absent). */
function usableAnswer(answer: MsrpMedia | undefined): answer is MsrpMedia {
  if (!answer || answer.path.length === 0 || answer.setup === 'active') return false;
  try {
    const first = parseMsrpUri(answer.path[0] ?? '');
    return first.transport === 'tcp';
  } catch {
    return false;
  }
}

/** Connects to the answer's first hop and sends the body; the last chunk's 200 means accepted. */
async function transfer(
  deps: DeliveryDeps,
  { message, answer, ourPath }: { message: StoredMessage; answer: MsrpMedia; ourPath: string },
): Promise<number> {
  try {
    const connection = await connectMsrp(answer.path[0] ?? '');
    try {
      await connection.send({
        toPath: answer.path,
        fromPath: [ourPath],
        contentType: message.contentType,
        body: await deps.messages.readBody(message),
        size: message.size,
        messageId: message.id,
      });
      deps.figures.add('msrp_bytes_out', message.size);
      return 200;
    } finally {
      await connection.close();
    }
  } catch (err) {
    const status = err instanceof MsrpError ? err.status : undefined;
    if (status !== undefined && PERMANENT_MSRP.has(status)) return status;
    deps.log.info({ id: message.id, err }, 'large message transfer broke');
    return TRANSFER_BROKE;
  }
}

const uriHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);
