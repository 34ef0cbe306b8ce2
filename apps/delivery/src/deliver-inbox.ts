import type { Binding, StoredMessage } from '@pigeonhole/store';
import { acceptsMethod, contactTarget, type ContactTarget } from '@pigeonhole/sip';
import type { DeliveryDeps } from './delivery-deps.js';
import { storeFailedNotice } from './failed-notice.js';
import { sendLarge } from './send-large.js';
import { sendPager } from './send-pager.js';

export type { DeliveryDeps, LocalIdentity } from './delivery-deps.js';

/** How a run ended. */
export type RunOutcome =
  | { readonly kind: 'drained'; readonly delivered: number }
  | { readonly kind: 'offline'; readonly delivered: number };

/** A recipient answered in a way that is worth trying again later (408, 480, 503, timeout, transport). */
export class TransientDeliveryError extends Error {
  constructor(readonly status: number) {
    super(`delivery deferred: ${status}`);
    this.name = new.target.name;
  }
}

/**
 * Answers that may change later: timeouts, not available, busy, transport trouble (RFC 3261 §21), and a
 * WebSocket flow that closed before its binding expired (430, RFC 5626 §11).
 */
const TRANSIENT = new Set([408, 430, 480, 486, 487, 500, 503, 504, 600]);

/** Messages read per Redis round trip; acknowledgements of a batch complete before the next is read. */
const BATCH = 64;

/**
 * Drains a recipient's inbox oldest first, one message at a time (RFC 3428 §7: one outstanding MESSAGE
 * per destination). Pager messages go out as MESSAGE, large ones as INVITE + MSRP, each to the live
 * contacts that take the method, tried in turn; the first to accept wins (a 2xx, or the last MSRP
 * chunk's 200). A message is removed only after that; its removal overlaps the next message's sending.
 * Transient answers stop the run with a TransientDeliveryError so the job is retried with backoff;
 * permanent ones remove the message and send the sender a `failed` IMDN when it asked for
 * negative-delivery. A failed try counts as an attempt on the message.
 */
export async function deliverInbox(deps: DeliveryDeps, aor: string): Promise<RunOutcome> {
  let delivered = 0;
  for (;;) {
    const batch = await deps.messages.list(aor, { limit: BATCH });
    if (batch.length === 0) return { kind: 'drained', delivered };
    // Bindings are read once per batch: a device that goes away shows as a failed send meanwhile.
    const bindings = await deps.location.live(aor);
    const bodies = await pagerBodies(deps, batch);
    const acks: Promise<boolean>[] = [];
    try {
      for (const message of batch) {
        // A pager message whose body is gone was removed meanwhile (expiry, an operator).
        if (message.kind === 'pager' && !bodies.has(message.id)) continue;
        const contacts = reachable(bindings, {
          message,
          passiveMsrp: deps.passiveMsrp !== undefined,
        });
        if (contacts.length === 0) return { kind: 'offline', delivered };
        const status = await sendToContacts(deps, {
          message,
          contacts,
          body: bodies.get(message.id),
        });
        if (status >= 200 && status < 300) {
          acks.push(deps.messages.ack(aor, message.id));
          deps.figures.add('delivered');
          delivered++;
          continue;
        }
        await deps.messages.recordAttempt(aor, message.id);
        if (TRANSIENT.has(status) || status < 200) throw new TransientDeliveryError(status);
        await failPermanently(deps, message, status);
      }
    } finally {
      await Promise.all(acks);
    }
  }
}

/** The bodies of a batch's pager messages, read concurrently (one pipelined burst). */
async function pagerBodies(
  deps: DeliveryDeps,
  batch: readonly StoredMessage[],
): Promise<Map<string, Buffer>> {
  const pager = batch.filter((message) => message.kind === 'pager');
  const bodies = await Promise.all(
    pager.map((message) =>
      deps.messages.readPagerBody(message.to, message.id).catch(() => undefined),
    ),
  );
  const byId = new Map<string, Buffer>();
  pager.forEach((message, i) => {
    const body = bodies[i];
    if (body) byId.set(message.id, body);
  });
  return byId;
}

/** OMA SIMPLE IM: a device that registers with this feature tag takes large messages. */
const LARGE_MESSAGE_TAG = '+g.oma.sip-im.large-message';

/** The contacts that can take this message, in the location store's order (highest q first). */
function reachable(
  bindings: readonly Binding[],
  { message, passiveMsrp }: { message: StoredMessage; passiveMsrp: boolean },
): ContactTarget[] {
  const large = message.kind === 'large';
  return bindings
    .filter((binding) => acceptsMethod(binding, large ? 'INVITE' : 'MESSAGE'))
    .flatMap((binding) => {
      const contact = contactTarget(binding);
      if (!contact) return [];
      // A device behind an edge's flow (WebSocket) cannot be connected to: a large message goes to it
      // over our passive MSRP listener, and only when it registered as taking large messages, so that a
      // WebSocket softphone without MSRP never refuses one (488 would end it for good).
      const viaEdge = contact.route !== undefined;
      if (large && viaEdge && !(passiveMsrp && LARGE_MESSAGE_TAG in binding.params)) return [];
      return [contact];
    });
}

/** Offers the message to each contact in turn until one accepts; returns the last status. */
async function sendToContacts(
  deps: DeliveryDeps,
  {
    message,
    contacts,
    body,
  }: { message: StoredMessage; contacts: readonly ContactTarget[]; body: Buffer | undefined },
): Promise<number> {
  let last = 480;
  for (const contact of contacts) {
    last = body
      ? await sendPager(deps, { message, contact, body })
      : await sendLarge(deps, { message, contact });
    if (last >= 200 && last < 300) return last;
  }
  return last;
}

/** Removes a message the recipient refused; a `failed` IMDN goes into the sender's own inbox when asked for. */
async function failPermanently(
  deps: DeliveryDeps,
  message: StoredMessage,
  status: number,
): Promise<void> {
  const removed = await deps.messages.remove(message.to, message.id);
  deps.figures.add('failed');
  deps.log.info({ id: message.id, to: message.to, status }, 'delivery failed permanently');
  if (removed) await storeFailedNotice(deps.messages, removed);
}
