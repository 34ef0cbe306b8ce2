/**
 * Redis key builders, one per key kind. Every key of one recipient carries the recipient's hash tag
 * `{<escaped aor>}`, so that a script touching several of them runs on Redis Cluster.
 */
const tag = (aor: string): string => `{${encodeURIComponent(aor)}}`;

export interface StoreKeys {
  /** ZSET: message ids, score = arrival sequence (oldest first). */
  inbox(aor: string): string;
  /** ZSET: message ids, score = expiry time (ms). */
  expiry(aor: string): string;
  /** ZSET: pending (uncommitted) large message ids, score = deadline (ms). */
  pending(aor: string): string;
  /** STRING: arrival sequence counter. */
  seq(aor: string): string;
  /** HASH: `count`, `bytes` (committed and reserved). */
  quota(aor: string): string;
  /** HASH: CPIM imdn.Message-ID → message id (idempotent stores). */
  dedup(aor: string): string;
  /** HASH: message metadata; a pager message's body in field `body`. */
  meta(aor: string, id: string): string;
  /** Prefix of a large message's chunk keys: STRING `<prefix><n>` holds bytes [n·size, (n+1)·size). */
  chunkPrefix(aor: string, id: string): string;
  /** HASH: registrar bindings, field = binding key, value = JSON. */
  location(aor: string): string;
  /** ZSET: recipients with stored messages (score = last store time); one key, not per recipient. */
  recipients(): string;
  /** HASH: an MSRP session reservation. */
  session(sessionId: string): string;
  /** STRING: the session id set up by a dialog's Call-ID. */
  sessionByCall(callId: string): string;
  /** Pub/sub channel on which ended session ids are published. */
  sessionEndedChannel(): string;
  /** SET of MSRP session ids reserved or bound (for the dashboard). */
  sessions(): string;
  /** HASH: one SIP user's digest credentials. */
  user(name: string): string;
  /** SET: user names. */
  users(): string;
}

/** The key builders under `prefix` (e.g. `ph`). */
export function storeKeys(prefix: string): StoreKeys {
  const perAor = (aor: string, suffix: string): string => `${prefix}:${tag(aor)}:${suffix}`;
  return {
    inbox: (aor) => perAor(aor, 'inbox'),
    expiry: (aor) => perAor(aor, 'expiry'),
    pending: (aor) => perAor(aor, 'pending'),
    seq: (aor) => perAor(aor, 'seq'),
    quota: (aor) => perAor(aor, 'quota'),
    dedup: (aor) => perAor(aor, 'dedup'),
    meta: (aor, id) => perAor(aor, `msg:${id}`),
    chunkPrefix: (aor, id) => perAor(aor, `msg:${id}:c:`),
    location: (aor) => perAor(aor, 'loc'),
    recipients: () => `${prefix}:recipients`,
    session: (sessionId) => `${prefix}:sess:${sessionId}`,
    sessionByCall: (callId) => `${prefix}:sesscall:${encodeURIComponent(callId)}`,
    sessionEndedChannel: () => `${prefix}:sess:ended`,
    sessions: () => `${prefix}:sessions`,
    user: (name) => `${prefix}:user:${encodeURIComponent(name)}`,
    users: () => `${prefix}:users`,
  };
}
