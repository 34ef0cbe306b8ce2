import { buildImdn } from '@pigeonhole/cpim';
import type { MessageStore, StoredMessage } from '@pigeonhole/store';

/**
 * A `failed` delivery notification (RFC 5438 §7.2.1) for a message that expired or was refused, when
 * its sender asked for negative-delivery. It is stored in the sender's own inbox, so it reaches the
 * sender when online, like any message. Returns false when none was asked for.
 */
export async function storeFailedNotice(
  messages: MessageStore,
  message: StoredMessage,
): Promise<boolean> {
  if (!message.imdnId || !message.dispositions.includes('negative-delivery')) return false;
  const notice = buildImdn({
    kind: 'delivery',
    status: 'failed',
    original: { messageId: message.imdnId, dateTime: message.dateTime, dispositions: [] },
    from: message.to,
    to: message.from,
    recipientUri: message.to,
  });
  await messages.storePager({
    to: message.from,
    from: message.to,
    contentType: 'message/cpim',
    body: notice,
  });
  return true;
}
