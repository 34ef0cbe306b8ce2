import {
  SipError,
  type ContactTarget,
  type ServerContext,
  type SipEndpoint,
  type SipRequest,
  type SipResponse,
} from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';
import { liveContacts } from './live-contacts.js';
import { ownUri } from './loose-route.js';

/**
 * Final answers after which the next contact is tried (and, when none takes the call, a large message
 * is stored instead): the device is away, busy here, or broken. 600/603/3xx and the like end the
 * search and go back to the caller.
 */
const TRY_NEXT = new Set([408, 430, 480, 486, 487, 500, 503, 504]);
/** RFC 3261 §16.6 step 11: Timer C, more than three minutes, ends a branch that rings forever. */
const TIMER_C_MS = 181_000;
/**
 * A device that has not even sent a provisional response within this many ms is taken as gone (a stale
 * registration) and the next contact is tried: the caller should not wait for Timer B (32 s).
 */
const FIRST_ANSWER_MS = 4000;

/**
 * RFC 3261 §16 for an INVITE to a user with live bindings: its contacts are tried in turn (highest q
 * first), record-routed so that the dialog's ACK, BYE and re-INVITEs pass through us to the flows we
 * hold; provisional responses and the first final answer worth keeping are relayed; MSRP then runs end
 * to end between the two devices. A CANCEL from the caller cancels the branch (§16.10).
 * Resolves true when the caller got its answer; false when no contact took the call (none, or each
 * failed with a {@link TRY_NEXT} status): the caller then handles the INVITE as for an offline user.
 */
export async function forwardInvite(
  ctx: SignallingContext,
  {
    endpoint,
    request,
    server,
    to,
  }: {
    endpoint: SipEndpoint;
    request: SipRequest;
    server: ServerContext;
    to: string;
  },
): Promise<boolean> {
  const contacts = await liveContacts(ctx, { aor: to, method: 'INVITE' });
  if (contacts.length > 0) request.removeFirst('Proxy-Authorization'); // RFC 3261 §22.3
  const cancelled = server.transaction?.signal;
  for (const contact of contacts) {
    const response = await tryContact(ctx, { endpoint, request, server, contact });
    if (cancelled?.aborted) return true; // the 487 went back with the CANCEL's 200
    if (response && !TRY_NEXT.has(response.status)) {
      server.relay(response);
      return true;
    }
  }
  return false;
}

async function tryContact(
  ctx: SignallingContext,
  {
    endpoint,
    request,
    server,
    contact,
  }: {
    endpoint: SipEndpoint;
    request: SipRequest;
    server: ServerContext;
    contact: ContactTarget;
  },
): Promise<SipResponse | undefined> {
  const { target } = contact;
  // Two Record-Route values when the call changes transport or flow on the way (RFC 5658): each
  // side then reaches us on its own transport, and the flow tokens tell us where to send what comes.
  const callerSide = ownUri(ctx, endpoint, {
    transport: server.flow.transport,
    flowToken: server.flow.connectionId,
  });
  const calleeSide = ownUri(ctx, endpoint, {
    transport: target.transport,
    flowToken: target.connectionId,
  });
  const silent = new AbortController();
  const silence = setTimeout(() => silent.abort(), FIRST_ANSWER_MS);
  const gaveUp = new Promise<undefined>((resolve) =>
    silent.signal.addEventListener('abort', () => resolve(undefined), { once: true }),
  );
  const stop = [silent.signal, AbortSignal.timeout(TIMER_C_MS)];
  if (server.transaction) stop.push(server.transaction.signal);
  const forwarded = endpoint.forward(request, target, {
    uri: contact.uri,
    headers: contact.route ? [['Route', contact.route]] : [],
    recordRoute: calleeSide === callerSide ? [callerSide] : [calleeSide, callerSide],
    signal: AbortSignal.any(stop),
    onProvisional: (provisional) => {
      clearTimeout(silence);
      server.relay(provisional);
    },
  });
  try {
    return await Promise.race([forwarded, gaveUp]);
  } catch (err) {
    if (!(err instanceof SipError)) throw err;
    ctx.log.debug({ err, callId: request.callId, contact: contact.uri }, 'contact unreachable');
    return undefined;
  } finally {
    clearTimeout(silence);
    forwarded.catch(() => undefined); // a branch given up on ends by itself (Timer B)
  }
}
