import { SipError, type SipEndpoint, type SipRequest, type SipResponse } from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';
import { liveContacts } from './live-contacts.js';

/** Answers after which the message is better stored than given up: the device may come back. */
const TRANSIENT = new Set([408, 430, 480, 486, 500, 503, 504]);
/**
 * How long one contact may take to answer before the message is stored instead: well inside the
 * sender's own Timer F (32 s), so that it still gets a final answer from us.
 */
const CONTACT_TIMEOUT_MS = 4000;

/**
 * RFC 3428 §4 as a proxy: a MESSAGE for a recipient with live bindings goes to all its contacts at once
 * (parallel forking, RFC 3261 §16.6). The first 2xx is relayed at once; otherwise, once every contact
 * answered or ran out of time, the best final answer not worth storing over (a refusal such as 603,
 * §16.7 step 6). Resolves undefined when nobody took it (no binding, or every contact timed out, failed
 * or answered 408/480/503…): the caller then stores it.
 */
export async function forwardToLiveContacts(
  ctx: SignallingContext,
  { endpoint, request, to }: { endpoint: SipEndpoint; request: SipRequest; to: string },
): Promise<SipResponse | undefined> {
  const contacts = await liveContacts(ctx, { aor: to, method: 'MESSAGE' });
  if (contacts.length === 0) return undefined;
  // Our own credentials stop here (RFC 3261 §22.3): the device has no use for them.
  request.removeFirst('Proxy-Authorization');
  return firstAccepted(
    contacts.map((contact) =>
      answerWithin(
        endpoint.forward(request, contact.target, {
          uri: contact.uri,
          headers: contact.route ? [['Route', contact.route]] : [],
        }),
        CONTACT_TIMEOUT_MS,
      ),
    ),
  );
}

/**
 * The first 2xx of the branches, as soon as it comes; else, when all ended, the best answer worth
 * relaying (a 6xx before any other, then the lowest status, RFC 3261 §16.7 step 6); else undefined.
 */
function firstAccepted(
  branches: readonly Promise<SipResponse | undefined>[],
): Promise<SipResponse | undefined> {
  return new Promise((resolve) => {
    let open = branches.length;
    let best: SipResponse | undefined;
    const rank = (response: SipResponse): number => (response.status >= 600 ? 0 : response.status);
    for (const branch of branches) {
      branch
        .then(
          (response) => {
            if (!response || TRANSIENT.has(response.status)) return;
            if (response.status < 300) resolve(response);
            else if (!best || rank(response) < rank(best)) best = response;
          },
          () => undefined, // a branch that broke is one that did not take the message
        )
        .finally(() => {
          open -= 1;
          if (open === 0) resolve(best);
        });
    }
  });
}

/** The response, or undefined when it failed (timeout, transport, loop) or took longer than `ms`. */
async function answerWithin(
  pending: Promise<SipResponse>,
  ms: number,
): Promise<SipResponse | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([
      pending.catch((err: unknown) => {
        if (err instanceof SipError) return undefined;
        throw err;
      }),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
