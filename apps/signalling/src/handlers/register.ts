import {
  aorOf,
  type NameAddr,
  type RequestHandler,
  type ServerContext,
  type SipRequest,
} from '@pigeonhole/sip';
import type { Binding } from '@pigeonhole/store';
import type { SignallingContext } from '../context.js';

/** Contact parameters the registrar keeps as feature tags (RFC 3840), e.g. `+g.oma.sip-im.large-message`. */
const featureParams = (contact: NameAddr): Record<string, string> =>
  Object.fromEntries(
    [...contact.params].filter(([name]) => name.startsWith('+') || name === 'methods'),
  );

/**
 * REGISTER (RFC 3261 §10.3): digest authentication, then bindings in the location service. `Expires: 0`
 * removes a binding, `Contact: *` alone with `Expires: 0` all of them; expiries under the minimum get
 * 423 with Min-Expires, over the maximum are cut to it; a REGISTER refused changes nothing. A new
 * binding, or a refresh while messages are stored, asks delivery to run for the AOR.
 */
export function registerHandler(ctx: SignallingContext): RequestHandler {
  return async (request, server) => {
    const user = await authenticate(ctx, { request, server });
    if (!user) return;
    const aor = aorOf(request.to.uri);
    if (aor !== `sip:${user}@${ctx.domain}`) {
      server.reply(403, { reason: 'Credentials do not match the AOR' });
      return;
    }
    if (hasWildcard(request)) {
      // RFC 3261 §10.3 step 6: `*` alone, with Expires: 0, removes every binding; anything else is 400.
      if (request.getAll('Contact').length !== 1 || !request.contactWildcard)
        return server.reply(400, { reason: 'Contact * must be the only Contact' });
      if (request.expires !== 0) return server.reply(400, { reason: 'Contact * needs Expires: 0' });
      await ctx.location.removeAll(aor);
      return replyBindings(ctx, aor, server);
    }
    // Every contact is checked before any is written: a refused REGISTER changes nothing.
    const asked: { contact: NameAddr; expires: number }[] = [];
    for (const contact of request.contact) {
      const expires = askedExpiry(contact, request.expires);
      if (expires === undefined) return server.reply(400, { reason: 'Bad expires parameter' });
      asked.push({ contact, expires });
    }
    if (asked.some(({ expires }) => expires > 0 && expires < ctx.policy.minExpires))
      return server.reply(423, { headers: [['Min-Expires', String(ctx.policy.minExpires)]] });
    let fresh = false;
    for (const { contact, expires } of asked) {
      if (expires === 0) {
        await ctx.location.remove(aor, {
          contact: contact.uriText,
          instance: contact.params.get('+sip.instance'),
        });
        continue;
      }
      const kept = Math.min(expires, ctx.policy.maxExpires);
      fresh =
        (await ctx.location.put(aor, binding(ctx, { request, contact, server, expires: kept }))) ||
        fresh;
    }
    ctx.metrics.registered.inc();
    await replyBindings(ctx, aor, server);
    const stored = await ctx.messages.count(aor);
    if (fresh || stored > 0) {
      await ctx.deliver.enqueue({ aor, reason: 'register' });
      ctx.log.info({ aor, fresh, stored }, 'delivery requested');
    }
  };
}

/** True when a Contact value of the request is `*` (RFC 3261 §10.2.2), alone or not. */
function hasWildcard(request: SipRequest): boolean {
  return request
    .getAll('Contact')
    .some((value) => value.split(',').some((part) => part.trim() === '*'));
}

/**
 * The expiry a contact asks for (RFC 3261 §10.2.1.1): its `expires` parameter, else the Expires header,
 * else one hour. Undefined when the parameter is not a number of seconds.
 */
function askedExpiry(contact: NameAddr, headerExpires: number | undefined): number | undefined {
  const param = contact.params.get('expires');
  if (param === undefined) return headerExpires ?? 3600;
  return /^\d{1,10}$/.test(param) ? Number(param) : undefined;
}

function binding(
  ctx: SignallingContext,
  from: { request: SipRequest; contact: NameAddr; server: ServerContext; expires: number },
): Binding {
  const { request, contact, server } = from;
  return {
    contact: contact.uriText,
    expiresAt: Date.now() + from.expires * 1000,
    instance: contact.params.get('+sip.instance'),
    params: featureParams(contact),
    callId: request.callId,
    cseq: request.cseq.seq,
    q: contact.params.has('q') ? Number(contact.params.get('q')) : undefined,
    flow: {
      transport: server.flow.transport,
      remote: `${server.flow.remoteAddress}:${server.flow.remotePort}`,
      connectionId: server.flow.connectionId,
      edge: ctx.edge,
    },
  };
}

async function replyBindings(
  ctx: SignallingContext,
  aor: string,
  server: ServerContext,
): Promise<void> {
  const now = Date.now();
  const contacts = (await ctx.location.live(aor)).map(
    (b) =>
      [
        'Contact',
        `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
      ] as const,
  );
  server.reply(200, { headers: [...contacts, ['Date', new Date(now).toUTCString()]] });
}

/** Digest authentication (RFC 3261 §22.4): 401 with challenges when the credentials are missing or wrong. */
export async function authenticate(
  ctx: SignallingContext,
  {
    request,
    server,
    proxy = false,
  }: { request: SipRequest; server: ServerContext; proxy?: boolean },
): Promise<string | undefined> {
  const result = await ctx.auth.verify(request, proxy ? 'Proxy-Authorization' : 'Authorization');
  if (result.ok) return result.user;
  const header = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  // SIP.js 0.21, the WebSocket client, answers only the last challenge and only MD5 (RFC 8760 §2.4
  // asks clients to pick the first they support): over WebSocket, MD5 alone is offered.
  const webSocket = server.flow.transport === 'ws' || server.flow.transport === 'wss';
  const challenges = ctx.auth.challenge({
    stale: result.stale,
    algorithms: webSocket ? ['MD5'] : undefined,
  });
  server.reply(proxy ? 407 : 401, {
    headers: challenges.map((value) => [header, value] as const),
  });
  return undefined;
}
