import type { RequestHandler, ServerContext, SipRequest } from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';
import { authenticate } from './register.js';

/**
 * Answers `603 Decline` with `Warning: 399 <host> "<reason>"` (the OMA "not stored" answer) and counts
 * it by reason.
 */
export function decline(ctx: SignallingContext, server: ServerContext, reason: string): void {
  ctx.metrics.declined.inc({ reason });
  ctx.figures.add('declined');
  server.reply(603, { headers: [['Warning', `399 ${ctx.host} "${reason}"`]] });
}

/**
 * Who may send a MESSAGE or INVITE through us: a sender of our domain proves it is the user its From
 * names (407 challenge, RFC 3261 §22.3; another user's credentials get 403); a sender of another domain
 * is taken or declined per `SIP_FOREIGN_SENDERS`. Resolves false when the request got its answer.
 */
export async function admitSender(
  ctx: SignallingContext,
  { request, server }: { request: SipRequest; server: ServerContext },
): Promise<boolean> {
  const sender = request.from.uri;
  if (sender.host !== ctx.domain) {
    if (ctx.policy.foreignSenders === 'accept') return true;
    decline(ctx, server, 'sender outside the domain');
    return false;
  }
  const user = await authenticate(ctx, { request, server, proxy: true });
  if (user === undefined) return false;
  if (user === sender.user) return true;
  server.reply(403, { reason: 'From names another user than the credentials' });
  return false;
}

/**
 * Wraps a handler of requests that may be stored: when it fails before a final answer went out (Redis
 * unreachable for the users, location or store reads), the sender gets `603` "store unavailable"
 * rather than a 500 — the message is not stored, and says why.
 */
export function declineOnFailure(ctx: SignallingContext, handler: RequestHandler): RequestHandler {
  return async (request, server) => {
    try {
      await handler(request, server);
    } catch (err) {
      ctx.log.error({ err, callId: request.callId }, `${request.method} failed`);
      if (server.transaction?.pending) decline(ctx, server, 'store unavailable');
    }
  };
}
