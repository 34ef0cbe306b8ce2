import { buildImdn, parseCpim, readImdnRequest } from '@pigeonhole/cpim';
import {
  aorOf,
  type RequestHandler,
  type ServerContext,
  type SipEndpoint,
  type SipRequest,
} from '@pigeonhole/sip';
import { StoreError, StoreErrorCode, type CpimInfo } from '@pigeonhole/store';
import type { SignallingContext } from '../context.js';
import { isOurRecipient } from './recipient.js';
import { forwardToLiveContacts } from './forward-message.js';
import { admitSender, decline, declineOnFailure } from './admission.js';

/** Why a message is not stored, for `Warning` and the declined counter. */
const DECLINE_REASONS: Readonly<Record<string, string>> = {
  [StoreErrorCode.QUOTA_MESSAGES]: 'quota exceeded',
  [StoreErrorCode.QUOTA_BYTES]: 'quota exceeded',
  [StoreErrorCode.TOO_LARGE]: 'message too large',
};

/**
 * MESSAGE (RFC 3428) for a user of our domain, from a sender {@link admitSender} lets in. A recipient with live bindings gets it forwarded and the sender gets the
 * device's answer; otherwise (or when no device took it) the message is stored and answered
 * `202 Accepted` once Redis has it. Not stored → `603 Decline` with `Warning: 399 <host> "<reason>"`
 * (quota, too large, store unavailable, a foreign sender refused by policy).
 */
export function messageHandler(ctx: SignallingContext, endpoint: SipEndpoint): RequestHandler {
  return declineOnFailure(ctx, async (request, server) => {
    if (!(await admitSender(ctx, { request, server }))) return;
    const target = request.requestUri;
    const to = `sip:${target.user ?? ''}@${ctx.domain}`;
    // Both reads in one round trip (one pipeline). The location read decides both whether to try the
    // devices and whether a stored copy needs a delivery run.
    const [recipient, online] = await Promise.all([
      isOurRecipient(ctx, target),
      ctx.location.mayBeOnline(to),
    ]);
    if (!recipient) return server.reply(404, { reason: 'No such user' });
    const answer = online ? await forwardToLiveContacts(ctx, { endpoint, request, to }) : undefined;
    if (answer) {
      ctx.figures.add('forwarded');
      ctx.metrics.forwarded.inc();
      return server.relay(answer);
    }
    await store(ctx, { request, server, to, online });
  });
}

async function store(
  ctx: SignallingContext,
  {
    request,
    server,
    to,
    online,
  }: { request: SipRequest; server: ServerContext; to: string; online: boolean },
): Promise<void> {
  const cpim = cpimInfo(request);
  let duplicate = false;
  try {
    ({ duplicate } = await ctx.messages.storePager({
      to,
      from: aorOf(request.from.uri),
      contentType: request.contentType ?? 'text/plain',
      body: request.body,
      expiresInSeconds: request.expires,
      cpim,
    }));
  } catch (err) {
    const reason =
      err instanceof StoreError
        ? (DECLINE_REASONS[err.code] ?? 'store unavailable')
        : 'store unavailable';
    if (!(err instanceof StoreError) || err.code === StoreErrorCode.UNAVAILABLE)
      ctx.log.error({ err, callId: request.callId }, 'store failed');
    return decline(ctx, server, reason);
  }
  ctx.metrics.stored.inc();
  ctx.figures.add('stored');
  server.reply(202);
  // A registered recipient gets it through delivery now; an offline one when it registers (REGISTER
  // enqueues the run), so a queue job per stored message is spared under offline load.
  if (online) await askForDelivery(ctx, to);
  // At most one notification per disposition (RFC 5438 §6.2): none for a retransmitted duplicate.
  if (!duplicate)
    await notifyStored(ctx, { request, to, cpim }).catch((err: unknown) =>
      ctx.log.warn({ err }, 'stored IMDN not sent'),
    );
}

/**
 * RFC 5438 §7.2.1: when the sender asked for `processing`, one `stored` notification (the seed's "notify
 * Client A that it is stored"). It goes into the sender's own inbox and reaches the sender as a MESSAGE
 * through delivery, at least once and even if the sender is offline now.
 */
async function notifyStored(
  ctx: SignallingContext,
  { request, to, cpim }: { request: SipRequest; to: string; cpim: CpimInfo | undefined },
): Promise<void> {
  if (!cpim?.imdnId || !cpim.dispositions?.includes('processing')) return;
  const sender = aorOf(request.from.uri);
  const body = buildImdn({
    kind: 'processing',
    status: 'stored',
    original: { messageId: cpim.imdnId, dateTime: cpim.dateTime, dispositions: [] },
    from: to,
    to: sender,
    recipientUri: to,
  });
  await ctx.messages.storePager({ to: sender, from: to, contentType: 'message/cpim', body });
  await deliverIfOnline(ctx, sender);
}

/** IMDN details of a `message/cpim` body; an unreadable CPIM body is stored as it came. */
function cpimInfo(request: SipRequest): CpimInfo | undefined {
  if (!request.contentType?.toLowerCase().startsWith('message/cpim')) return undefined;
  try {
    const cpim = parseCpim(request.body);
    const imdn = readImdnRequest(cpim);
    return {
      imdnId: imdn?.messageId,
      dateTime: imdn?.dateTime,
      dispositions: imdn?.dispositions,
      headers: cpim.headerBytes.toString('utf8'),
    };
  } catch {
    return undefined;
  }
}

/** Asks for a delivery run when `aor` may be online. */
async function deliverIfOnline(ctx: SignallingContext, aor: string): Promise<void> {
  if (await ctx.location.mayBeOnline(aor)) await askForDelivery(ctx, aor);
}

/** Queues a delivery run for `aor`; a failure is logged, the message stays stored for the next one. */
async function askForDelivery(ctx: SignallingContext, aor: string): Promise<void> {
  await ctx.deliver
    .enqueue({ aor, reason: 'stored' })
    .catch((err: unknown) => ctx.log.warn({ err, aor }, 'deliver not queued'));
}
