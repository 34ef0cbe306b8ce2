import type { Logger, MinuteCounters } from '@pigeonhole/app-runtime';
import { SipError, type SipEndpoint } from '@pigeonhole/sip';
import type { LocationStore, MessageStore, StoredMessage } from '@pigeonhole/store';
import { acceptsMessage, contactTarget } from './contact-target.js';
import { storeFailedNotice } from './failed-notice.js';

/** What a delivery run works with. */
export interface DeliveryDeps {
  readonly messages: MessageStore;
  readonly location: LocationStore;
  readonly endpoint: SipEndpoint;
  readonly figures: MinuteCounters;
  readonly log: Logger;
}

/** How a run ended. */
export type RunOutcome =
  | { readonly kind: 'drained'; readonly delivered: number }
  | { readonly kind: 'offline'; readonly delivered: number }
  | { readonly kind: 'waiting-large'; readonly delivered: number };

/** A recipient answered in a way that is worth trying again later (408, 480, 503, timeout, transport). */
export class TransientDeliveryError extends Error {
  constructor(readonly status: number) {
    super(`delivery deferred: ${status}`);
    this.name = new.target.name;
  }
}

const TRANSIENT = new Set([408, 480, 503]);

/**
 * Drains a recipient's inbox oldest first, one message at a time (RFC 3428 §7: one outstanding MESSAGE
 * per destination). A message is removed only after a 2xx from one of the recipient's live contacts
 * (tried highest q first; the first 2xx wins). Transient answers stop the run with a
 * TransientDeliveryError so the job is retried with backoff; permanent ones remove the message and send
 * the sender a `failed` IMDN when it asked for negative-delivery.
 */
export async function deliverInbox(deps: DeliveryDeps, aor: string): Promise<RunOutcome> {
  let delivered = 0;
  for (;;) {
    const contacts = (await deps.location.live(aor)).filter(acceptsMessage);
    if (contacts.length === 0) return { kind: 'offline', delivered };
    const message = await deps.messages.peek(aor);
    if (!message) return { kind: 'drained', delivered };
    // Large messages go out as INVITE + MSRP, which this worker does not do yet: order is kept by waiting.
    if (message.kind === 'large') return { kind: 'waiting-large', delivered };
    await deps.messages.recordAttempt(aor, message.id);
    const status = await sendToContacts(deps, { message, contacts: contacts.map(contactTarget) });
    if (status >= 200 && status < 300) {
      await deps.messages.ack(aor, message.id);
      deps.figures.add('delivered');
      delivered++;
      continue;
    }
    if (TRANSIENT.has(status)) throw new TransientDeliveryError(status);
    await failPermanently(deps, message, status);
  }
}

/** Sends the stored message to each reachable contact in turn until one answers 2xx; returns the last status. */
async function sendToContacts(
  deps: DeliveryDeps,
  {
    message,
    contacts,
  }: { message: StoredMessage; contacts: readonly ReturnType<typeof contactTarget>[] },
): Promise<number> {
  const body = await deps.messages.readPagerBody(message.to, message.id);
  let last = 480;
  for (const target of contacts) {
    if (!target) continue;
    try {
      const response = await deps.endpoint.request(
        {
          method: 'MESSAGE',
          uri: `sip:${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port};transport=${target.transport}`,
          from: `<${message.from}>`,
          to: `<${message.to}>`,
          contentType: message.contentType,
          // The body is delivered as stored: CPIM headers and DateTime unchanged (RFC 3862 §3).
          body,
        },
        target,
      );
      last = response.status;
    } catch (err) {
      last = err instanceof SipError ? err.status : 503;
    }
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
