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
 * Final answers that do not count as the callee's answer (and, when no contact gives a better one, a
 * large message is stored instead): the device is away, busy here, or broken. 600/603/3xx and the
 * like are the callee's word and go back to the caller.
 */
const NOT_AN_ANSWER = new Set([408, 430, 480, 486, 487, 500, 503, 504]);
/** RFC 3261 §16.6 step 11: Timer C, more than three minutes, ends a branch that rings forever. */
const TIMER_C_MS = 181_000;
/**
 * A device that has not even sent a provisional response within this many ms is taken as gone (a stale
 * registration) and its branch is given up: the caller should not wait for Timer B (32 s).
 */
const FIRST_ANSWER_MS = 4000;

interface ForwardInvite {
  endpoint: SipEndpoint;
  request: SipRequest;
  server: ServerContext;
}

/** One branch of a forked INVITE (RFC 3261 §16.6). */
interface Branch {
  /** The branch's final response as it came, whether or not the branch was given up meanwhile. */
  readonly response: Promise<SipResponse | undefined>;
  /** Settles with the final response, or undefined as soon as the branch is given up or cancelled. */
  readonly ended: Promise<SipResponse | undefined>;
  /** Gives the branch up: a CANCEL goes out once it has had a provisional response (§9.1). */
  cancel(): void;
}

/**
 * RFC 3261 §16 for an INVITE to a user with live bindings: forked to all its contacts at once, each
 * branch record-routed so that the dialog's ACK, BYE and re-INVITEs pass through us to the flows we
 * hold. Provisional responses are relayed; every 2xx is relayed as it comes and the first CANCELs the
 * other branches (§16.7 steps 5 and 10), as does a 6xx (§16.7 step 6). MSRP then runs end to end
 * between the two devices. A CANCEL from the caller cancels every branch (§16.10).
 * Resolves `answered` when the caller got its final answer; otherwise (no contact, or each ended with
 * a {@link NOT_AN_ANSWER} status or silence) the caller handles the INVITE as for an offline user,
 * with the best of those refusals (a busy device's 486) to relay when it cannot store.
 */
export async function forwardInvite(
  ctx: SignallingContext,
  { to, ...forward }: ForwardInvite & { to: string },
): Promise<ForkOutcome> {
  const contacts = await liveContacts(ctx, { aor: to, method: 'INVITE' });
  // A CANCEL during the lookup was answered 487 already (§9.2): no device should ring.
  if (forward.server.transaction?.signal.aborted) return { answered: true };
  if (contacts.length === 0) return { answered: false };
  forward.request.removeFirst('Proxy-Authorization'); // RFC 3261 §22.3
  const branches = contacts.map((contact) => startBranch(ctx, { ...forward, contact }));
  return answerOfBranches(forward.server, branches);
}

/** What forking came to: see {@link forwardInvite}. */
export type ForkOutcome =
  { readonly answered: true } | { readonly answered: false; readonly refusal?: SipResponse };

/** §16.7: relays what the branches answer; resolves whether the caller got a final answer. */
function answerOfBranches(
  server: ServerContext,
  branches: readonly Branch[],
): Promise<ForkOutcome> {
  const cancelAll = (): void => branches.forEach((branch) => branch.cancel());
  return new Promise((resolve, reject) => {
    let accepted = false;
    let best: SipResponse | undefined;
    let refusal: SipResponse | undefined;
    for (const branch of branches) {
      branch.response.then((response) => {
        if (!response || response.status >= 300) return;
        server.relay(response); // every 2xx goes up, even one racing our CANCEL (§16.7 step 5)
        if (accepted) return;
        accepted = true;
        cancelAll();
        resolve({ answered: true });
      }, reject);
    }
    Promise.all(
      branches.map(async (branch) => {
        const response = await branch.ended;
        if (!response || response.status < 300) return;
        if (NOT_AN_ANSWER.has(response.status)) {
          // The device's own word (486 busy, 480…), not our timeout or cancel: worth relaying.
          const ours = response.status === 408 || response.status === 487;
          if (!ours && (!refusal || rank(response) < rank(refusal))) refusal = response;
          return;
        }
        if (response.status >= 600) cancelAll();
        if (!best || rank(response) < rank(best)) best = response;
      }),
    ).then(() => {
      if (accepted) return;
      // The 487 went with the CANCEL's 200.
      if (server.transaction?.signal.aborted) return resolve({ answered: true });
      if (!best) return resolve({ answered: false, refusal });
      server.relay(best);
      resolve({ answered: true });
    }, reject);
  });
}

/** §16.7 step 6: a 6xx before any other final answer, then the lowest status. */
function rank(response: SipResponse): number {
  return response.status >= 600 ? 0 : response.status;
}

/**
 * One branch: given up when the device stays silent ({@link FIRST_ANSWER_MS}), when Timer C runs out
 * (restarted by each provisional response, RFC 3261 §16.7 step 2), when the caller CANCELs, or by
 * {@link Branch.cancel}. Its timers and listeners go when it ends, so nothing holds the request after.
 */
function startBranch(
  ctx: SignallingContext,
  { endpoint, request, server, contact }: ForwardInvite & { contact: ContactTarget },
): Branch {
  const stop = new AbortController();
  const giveUp = (): void => stop.abort();
  const silence = setTimeout(giveUp, FIRST_ANSWER_MS);
  let timerC = setTimeout(giveUp, TIMER_C_MS);
  const caller = server.transaction?.signal;
  caller?.addEventListener('abort', giveUp, { once: true });
  const givenUp = new Promise<undefined>((resolve) => {
    stop.signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const response = endpoint
    .forward(request, contact.target, {
      uri: contact.uri,
      headers: contact.route ? [['Route', contact.route]] : [],
      recordRoute: recordRoute(ctx, { endpoint, server, contact }),
      signal: stop.signal,
      onProvisional: (provisional) => {
        clearTimeout(silence);
        clearTimeout(timerC);
        timerC = setTimeout(giveUp, TIMER_C_MS);
        server.relay(provisional);
      },
    })
    .catch((err: unknown) => {
      if (!(err instanceof SipError)) throw err;
      ctx.log.debug({ err, callId: request.callId, contact: contact.uri }, 'contact unreachable');
      return undefined;
    })
    .finally(() => {
      clearTimeout(silence);
      clearTimeout(timerC);
      caller?.removeEventListener('abort', giveUp);
    });
  return { response, ended: Promise.race([response, givenUp]), cancel: giveUp };
}

/**
 * Two Record-Route values when the call changes transport or flow on the way (RFC 5658): each side
 * then reaches us on its own transport, and the flow tokens tell us where to send what comes.
 */
function recordRoute(
  ctx: SignallingContext,
  {
    endpoint,
    server,
    contact,
  }: { endpoint: SipEndpoint; server: ServerContext; contact: ContactTarget },
): string[] {
  const callerSide = ownUri(ctx, endpoint, {
    transport: server.flow.transport,
    flowToken: server.flow.connectionId,
  });
  const calleeSide = ownUri(ctx, endpoint, {
    transport: contact.target.transport,
    flowToken: contact.target.connectionId,
  });
  return calleeSide === callerSide ? [callerSide] : [calleeSide, callerSide];
}
