export { newMessageId, type CpimInfo } from './new-message.js';
export { MessageStore } from './message-store.js';
export type {
  LargeInput,
  MessageStoreOptions,
  PagerInput,
  RecipientSummary,
} from './message-store-options.js';
export {
  LargeMessageWriter,
  type CommitDetails,
  type CommitResult,
} from './large-message-writer.js';
export { LocationStore, type Binding, type Flow } from './location-store.js';
export { SessionStore, type SessionReservation, type StoredSession } from './session-store.js';
export { UserStore, digestHa1, type DigestCredentials } from './user-store.js';
export { StoreError, StoreErrorCode } from './store-error.js';
export {
  DEFAULT_CHUNK_OPTIONS,
  DEFAULT_LIMITS,
  type ChunkOptions,
  type StoreLimits,
} from './limits.js';
export { storeKeys, type StoreKeys } from './keys.js';
export type { MessageKind, StoredMessage } from './stored-message.js';
export type { RedisClient } from './scripts.js';
