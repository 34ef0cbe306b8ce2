import { randomBytes } from 'node:crypto';
import { buildMsrpSdp, parseMsrpSdp, type MsrpMedia } from '@pigeonhole/msrp';
import {
  aorOf,
  type RequestHandler,
  type ServerContext,
  type SipEndpoint,
  type SipRequest,
} from '@pigeonhole/sip';
import { StoreError, StoreErrorCode } from '@pigeonhole/store';
import type { SignallingContext } from '../context.js';
import { isOurRecipient } from './recipient.js';
import { forwardInvite } from './forward-invite.js';
import { admitSender, decline, declineOnFailure } from './admission.js';

/** OMA SIMPLE IM's feature tag of large message mode. */
const LARGE_MESSAGE_TAG = '+g.oma.sip-im.large-message';
/** A reservation not connected within this many seconds expires. */
const RESERVATION_TTL_SECONDS = 60;

/**
 * Large message mode is asked for by the feature tag in Accept-Contact or Contact — matched as a whole
 * parameter name, since `+g.oma.sip-im` is a prefix of it — or by an RFC 5547 `a=file-selector`.
 */
export function isLargeMessage(request: SipRequest, media: MsrpMedia | undefined): boolean {
  const tagged = [...request.getAll('Accept-Contact'), ...request.getAll('Contact')].some((value) =>
    value
      .split(';')
      .slice(1)
      .some((param) => param.trim().split('=')[0]?.toLowerCase() === LARGE_MESSAGE_TAG),
  );
  return tagged || media?.fileSelector !== undefined;
}

/**
 * INVITE for a user of ours, from a sender {@link admitSender} lets in. Online (a contact takes the call): proxied to it, see {@link forwardInvite}.
 * Offline, in large message mode: check the quota and the announced size, reserve the MSRP session in
 * Redis, then answer `200 OK` with our `a=path` (a media instance); the sender connects and sends the
 * message over MSRP. Not stored → `603 Decline` + Warning. A conversation (session mode) to an offline
 * user → `480`.
 */
export function inviteHandler(ctx: SignallingContext, endpoint: SipEndpoint): RequestHandler {
  return declineOnFailure(ctx, async (request, server) => {
    if (!(await admitSender(ctx, { request, server }))) return;
    const target = request.requestUri;
    if (!(await isOurRecipient(ctx, target))) return server.reply(404, { reason: 'No such user' });
    const to = `sip:${target.user}@${ctx.domain}`;
    const fork = await forwardInvite(ctx, { endpoint, request, server, to });
    if (fork.answered) return;
    const media = request.contentType?.toLowerCase().startsWith('application/sdp')
      ? parseMsrpSdp(request.body.toString('utf8'))
      : undefined;
    if (!isLargeMessage(request, media)) {
      // A conversation cannot be stored: the device's own refusal (486 busy…), else offline.
      if (fork.refusal) return server.relay(fork.refusal);
      return server.reply(480, { reason: 'Recipient offline' });
    }
    // RFC 4975 §8.5: the offerer connects; an offer that insists on being passive cannot store here.
    if (!media?.path.length || media.setup === 'passive')
      return server.reply(488, { reason: 'MSRP offer with a path needed' });
    // An msrps sender wants TLS (RFC 4975 §6): not a plain TCP session in its place.
    if (wantsTls(media) && ctx.media.tlsPort === undefined)
      return server.reply(488, { reason: 'MSRP over TLS is not offered here' });
    await reserve(ctx, { request, server, media, to });
  });
}

async function reserve(
  ctx: SignallingContext,
  {
    request,
    server,
    media,
    to,
  }: { request: SipRequest; server: ServerContext; media: MsrpMedia; to: string },
): Promise<void> {
  const announced = Number(media.fileSelector?.['size'] ?? media.maxSize ?? 0) || undefined;
  try {
    await ctx.messages.checkQuota(to, announced ?? 0, 'large');
  } catch (err) {
    const reason =
      err instanceof StoreError && err.code !== StoreErrorCode.UNAVAILABLE
        ? err.code === StoreErrorCode.TOO_LARGE
          ? 'message too large'
          : 'quota exceeded'
        : 'store unavailable';
    return decline(ctx, server, reason);
  }
  const sessionId = randomBytes(12).toString('hex');
  const { scheme, port, transport } = mediaListener(ctx, media);
  const localPath = `${scheme}://${ctx.media.host}:${port}/${sessionId};${transport}`;
  const maxSize = ctx.messages.limits.largeMaxBytes;
  await ctx.sessions.reserve(
    {
      sessionId,
      to,
      from: aorOf(request.from.uri),
      peerPath: media.path,
      localPath,
      maxSize,
      announcedSize: announced,
      callId: request.callId,
      expiresInSeconds: request.expires,
    },
    RESERVATION_TTL_SECONDS,
  );
  // RFC 3261 §9.2: a CANCEL that came meanwhile was answered 487; the session it reserved goes too.
  if (server.transaction?.signal.aborted) {
    await ctx.sessions.endByCall(request.callId);
    return;
  }
  const sdp = buildMsrpSdp({
    address: ctx.media.host,
    port,
    path: [localPath],
    acceptTypes: ['*'],
    maxSize,
    setup: 'passive',
    secure: scheme === 'msrps',
  });
  // The 200 goes out only now that the reservation is in Redis.
  server.reply(200, {
    headers: [
      ['Contact', `<sip:${ctx.host}:${ctx.sipPort}>`],
      ['Content-Type', 'application/sdp'],
    ],
    body: Buffer.from(sdp),
  });
}

/** BYE ends the dialog's MSRP session (media closes the connection after the chunks in flight). */
export function byeHandler(ctx: SignallingContext): RequestHandler {
  return async (request, server) => {
    const ended = await ctx.sessions.endByCall(request.callId);
    server.reply(ended ? 200 : 481);
  };
}

/** An `msrps` offer over TCP (over WebSocket, TLS is the web server's, RFC 7977 §5). */
function wantsTls(offer: MsrpMedia): boolean {
  const first = offer.path[0] ?? '';
  return /^msrps:/i.test(first) && !/;ws$/i.test(first);
}

/**
 * The media listener a sender can reach: WebSocket when its own path is `;ws` (a browser, which can
 * speak MSRP over nothing else, RFC 7977 §5); TLS when it offered `msrps` (RFC 4975 §6: it wants a
 * secure session) and media has a certificate; else TCP.
 */
function mediaListener(
  ctx: SignallingContext,
  offer: MsrpMedia,
): { scheme: 'msrp' | 'msrps'; port: number; transport: 'tcp' | 'ws' } {
  const first = offer.path[0] ?? '';
  if (/;ws$/i.test(first) && ctx.media.wsPort !== undefined)
    return { scheme: 'msrp', port: ctx.media.wsPort, transport: 'ws' };
  if (wantsTls(offer) && ctx.media.tlsPort !== undefined)
    return { scheme: 'msrps', port: ctx.media.tlsPort, transport: 'tcp' };
  return { scheme: 'msrp', port: ctx.media.port, transport: 'tcp' };
}
