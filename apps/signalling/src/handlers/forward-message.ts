import {
  SipError,
  acceptsMethod,
  contactTarget,
  type SipEndpoint,
  type SipRequest,
  type SipResponse,
} from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';

/** Answers after which the message is better stored than given up: the device may come back. */
const TRY_NEXT = new Set([408, 430, 480, 486, 500, 503, 504]);
/**
 * How long one contact may take to answer before the message is stored instead: well inside the
 * sender's own Timer F (32 s), so that it still gets a final answer from us.
 */
const CONTACT_TIMEOUT_MS = 4000;

/**
 * RFC 3428 §4 as a proxy: a MESSAGE for a recipient with live bindings goes to its contacts in turn
 * (highest q first) and the first final answer that is not worth storing over is relayed (a 2xx, or a
 * refusal such as 603). Resolves undefined when nobody took it (no binding, or every contact timed out,
 * failed or answered 408/480/503…): the caller then stores it.
 */
export async function forwardToLiveContacts(
  ctx: SignallingContext,
  { endpoint, request, to }: { endpoint: SipEndpoint; request: SipRequest; to: string },
): Promise<SipResponse | undefined> {
  const bindings = (await ctx.location.live(to)).filter((b) => acceptsMethod(b, 'MESSAGE'));
  // Our own credentials stop here (RFC 3261 §22.3): the device has no use for them.
  if (bindings.length > 0) request.removeFirst('Proxy-Authorization');
  for (const binding of bindings) {
    const contact = contactTarget(binding, { localEdge: ctx.edge });
    if (!contact) continue;
    const response = await answerWithin(
      endpoint.forward(request, contact.target, {
        uri: contact.uri,
        headers: contact.route ? [['Route', contact.route]] : [],
      }),
      CONTACT_TIMEOUT_MS,
    );
    if (response && !TRY_NEXT.has(response.status)) return response;
  }
  return undefined;
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
