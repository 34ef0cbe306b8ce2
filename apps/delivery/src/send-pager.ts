import { SipError, type ContactTarget } from '@pigeonhole/sip';
import type { StoredMessage } from '@pigeonhole/store';
import type { DeliveryDeps } from './delivery-deps.js';

/**
 * Sends a stored pager message to one contact as a SIP MESSAGE (RFC 3428) and returns the final status;
 * 408 or 503 when the request timed out or the transport failed.
 */
export async function sendPager(
  deps: DeliveryDeps,
  { message, contact, body }: { message: StoredMessage; contact: ContactTarget; body: Buffer },
): Promise<number> {
  try {
    const response = await deps.endpoint.request(
      {
        method: 'MESSAGE',
        uri: contact.uri,
        from: `<${message.from}>`,
        to: `<${message.to}>`,
        headers: contact.route ? [['Route', contact.route]] : [],
        contentType: message.contentType,
        // The body is delivered as stored: CPIM headers and DateTime unchanged (RFC 3862 §3).
        body,
      },
      contact.target,
    );
    return response.status;
  } catch (err) {
    return err instanceof SipError ? err.status : 503;
  }
}
