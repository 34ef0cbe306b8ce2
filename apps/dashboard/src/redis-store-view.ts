import type { MessageStore, SessionStore } from '@pigeonhole/store';
import type { MessageSummary, RecipientSummary, StoreView } from './store-view.js';

/** The dashboard's view of the Redis store. */
export function redisStoreView(store: {
  messages: MessageStore;
  sessions: SessionStore;
}): StoreView {
  return {
    recipients: async (): Promise<RecipientSummary[]> => store.messages.recipients(),
    messages: async (aor): Promise<MessageSummary[]> =>
      (await store.messages.list(aor)).map((m) => ({
        id: m.id,
        from: m.from,
        kind: m.kind,
        contentType: m.contentType,
        size: m.size,
        createdAt: m.createdAt,
        expiresAt: m.expiresAt,
        attempts: m.attempts,
      })),
    purge: (aor, id) => store.messages.ack(aor, id),
    activeSessions: () => store.sessions.active(),
  };
}
