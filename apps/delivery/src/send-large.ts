import {
  MsrpError,
  activeEndpointUri,
  buildSendOffer,
  connectMsrp,
  parseMsrpSdp,
  parseMsrpUri,
  type MsrpConnection,
  type MsrpMedia,
} from '@pigeonhole/msrp';
import { SipError, type ContactTarget, type Dialog, type SipResponse } from '@pigeonhole/sip';
import type { StoredMessage } from '@pigeonhole/store';
import type { DeliveryDeps } from './delivery-deps.js';
import type { PassiveSession } from './passive-msrp.js';

/** A 2xx whose SDP we cannot use: the session is not acceptable (RFC 3261 §21.4.26). */
const NOT_ACCEPTABLE = 488;
/** The device took the INVITE but the MSRP transfer broke: worth a retry (RFC 3261 §21.5.4). */
const TRANSFER_BROKE = 503;
/** MSRP answers that no retry will change (RFC 4975 §10: 413 too large, 415 unsupported type). */
const PERMANENT_MSRP = new Set([413, 415]);

/** How long a device that must connect to us may take once it answered (RFC 4975 §5.4). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Delivers a stored large message to one contact as `INVITE` + MSRP (RFC 4975) with a `sendonly` MSRP
 * stream. To a device we can reach, the offer is `a=setup:active` and we connect to the answer's
 * `a=path` (RFC 4975 §5.4, RFC 6135 §4); to a device behind a WebSocket flow of an edge (a browser,
 * which is always the active end, RFC 7977 §5) the INVITE follows the edge's Route and the offer is
 * `a=setup:passive` on our MSRP WebSocket listener, which the device connects to and binds. The body
 * goes out of Redis chunk by chunk with backpressure, with the stored Message-ID so a retried delivery
 * is recognisably the same message. The last chunk's 200 is the device's acceptance; the session then
 * ends with BYE. Returns the SIP-style status of the attempt: the INVITE's final status when it was
 * refused, 200 when the message was taken, 413/415 when MSRP refused it for good, 488/503 otherwise.
 */
export async function sendLarge(
  deps: DeliveryDeps,
  { message, contact }: { message: StoredMessage; contact: ContactTarget },
): Promise<number> {
  const passive = contact.route === undefined ? undefined : deps.passiveMsrp?.open();
  const ourPath = passive?.path ?? activeEndpointUri(deps.local.host);
  try {
    let invited: { response: SipResponse; dialog: Dialog | undefined };
    try {
      invited = await invite(deps, { message, contact, ourPath, passive });
    } catch (err) {
      return err instanceof SipError ? err.status : TRANSFER_BROKE;
    }
    const { response, dialog } = invited;
    if (!dialog) return response.status;
    try {
      const answer = parseMsrpSdp(response.body.toString('utf8'));
      if (!usableAnswer(answer, { weListen: passive !== undefined })) return NOT_ACCEPTABLE;
      const connect = passive
        ? () => passive.connected({ peerPath: answer.path, timeoutMs: CONNECT_TIMEOUT_MS })
        : () => connectMsrp(answer.path[0] ?? '');
      return await transfer(deps, { message, answer, ourPath, connect });
    } finally {
      await dialog.bye().catch(() => undefined);
    }
  } finally {
    passive?.end();
  }
}

function invite(
  deps: DeliveryDeps,
  {
    message,
    contact,
    ourPath,
    passive,
  }: {
    message: StoredMessage;
    contact: ContactTarget;
    ourPath: string;
    passive: PassiveSession | undefined;
  },
): Promise<{ response: SipResponse; dialog: Dialog | undefined }> {
  const { host, udpPort, tcpPort } = deps.local;
  const ourContact =
    contact.target.transport === 'tcp'
      ? `<sip:pigeonhole@${uriHost(host)}:${tcpPort};transport=tcp>`
      : `<sip:pigeonhole@${uriHost(host)}:${udpPort}>`;
  const offer = buildSendOffer({
    address: passive?.host ?? host,
    path: ourPath,
    contentType: message.contentType,
    size: message.size,
    passivePort: passive?.port,
  });
  return deps.endpoint.invite(
    {
      uri: contact.uri,
      from: `<${message.from}>`,
      to: `<${message.to}>`,
      headers: [
        ['Contact', ourContact],
        ...(contact.route ? [['Route', contact.route] as const] : []),
      ],
      contentType: 'application/sdp',
      body: Buffer.from(offer),
    },
    contact.target,
    { signal: AbortSignal.timeout(deps.answerTimeoutMs ?? 30_000) },
  );
}

/**
 * The answer names its path and takes the other role (RFC 6135 §4; an answer never says `actpass`):
 * passive when we connect, over TCP; active when it connects to us. Without `a=setup` the answerer is
 * passive (RFC 4975 §8.5: the offerer connects), so it fits only when we connect.
 */
function usableAnswer(
  answer: MsrpMedia | undefined,
  { weListen }: { weListen: boolean },
): answer is MsrpMedia {
  if (!answer || answer.path.length === 0 || answer.setup === 'actpass') return false;
  if (weListen) return answer.setup === 'active';
  if (answer.setup === 'active') return false;
  try {
    const first = parseMsrpUri(answer.path[0] ?? '');
    return first.transport === 'tcp';
  } catch {
    return false;
  }
}

/** Connects (or waits for the device to), and sends the body; the last chunk's 200 means accepted. */
async function transfer(
  deps: DeliveryDeps,
  {
    message,
    answer,
    ourPath,
    connect,
  }: {
    message: StoredMessage;
    answer: MsrpMedia;
    ourPath: string;
    connect: () => Promise<MsrpConnection>;
  },
): Promise<number> {
  try {
    const connection = await connect();
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
