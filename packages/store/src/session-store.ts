import { storeKeys, type StoreKeys } from './keys.js';
import { defineScripts, runScript, type RedisClient } from './scripts.js';
import { checkScriptResult } from './store-error.js';

/** A reservation for a large-message upload over MSRP, made by signalling before its 200 OK. */
export interface SessionReservation {
  /** The session-id part of our MSRP URI (RFC 4975 §6). */
  readonly sessionId: string;
  /** Recipient AOR of the messages sent in this session. */
  readonly to: string;
  /** The sender (SIP From). */
  readonly from: string;
  /** The sender's MSRP path from its SDP offer (`a=path`), checked against From-Path. */
  readonly peerPath: readonly string[];
  /** Our MSRP URI as put in the answer's `a=path`. */
  readonly localPath: string;
  /** The largest message accepted in this session. */
  readonly maxSize: number;
  /** The size the offer announced, when it did. */
  readonly announcedSize?: number;
  /** SIP Call-ID of the INVITE dialog, to end the session on BYE. */
  readonly callId: string;
  /** The request's `Expires` for the stored message, when given. */
  readonly expiresInSeconds?: number;
}

/** A reservation as read back, with its binding state. */
export interface StoredSession extends SessionReservation {
  readonly state: 'reserved' | 'bound';
  readonly boundTo: string | undefined;
}

/**
 * MSRP session reservations in Redis: made by any signalling instance, bound by whichever media
 * instance the sender connects to (exactly one connection, RFC 4975 §8.4 → 506 otherwise), ended on BYE
 * with a pub/sub notice to the media instances. A reservation never connected expires.
 */
export class SessionStore {
  readonly #client: RedisClient;
  readonly #keys: StoreKeys;

  constructor(options: { client: RedisClient; prefix: string }) {
    this.#client = options.client;
    this.#keys = storeKeys(options.prefix);
    defineScripts(this.#client);
  }

  /** Reserves a session that expires unless a connection binds it within `ttlSeconds`. */
  async reserve(reservation: SessionReservation, ttlSeconds: number): Promise<void> {
    const key = this.#keys.session(reservation.sessionId);
    // One key per transaction: the reservation never exists without its expiry (and stays Cluster-safe).
    await this.#client
      .multi()
      .hset(key, 'json', JSON.stringify(reservation), 'state', 'reserved')
      .expire(key, ttlSeconds)
      .exec();
    await this.#client.sadd(this.#keys.sessions(), reservation.sessionId);
    // The dialog's Call-ID finds the session when the BYE comes (any signalling instance may take it).
    await this.#client.set(
      this.#keys.sessionByCall(reservation.callId),
      reservation.sessionId,
      'EX',
      24 * 3600,
    );
  }

  /** Ends the session set up by the dialog `callId` (BYE); false when there is none. */
  async endByCall(callId: string): Promise<boolean> {
    const sessionId = await this.#client.get(this.#keys.sessionByCall(callId));
    if (!sessionId) return false;
    await this.#client.del(this.#keys.sessionByCall(callId));
    await this.end(sessionId);
    return true;
  }

  /** Reads a reservation; undefined when there is none (never made, expired or ended). */
  async get(sessionId: string): Promise<StoredSession | undefined> {
    const [json, state, boundTo] = await this.#client.hmget(
      this.#keys.session(sessionId),
      'json',
      'state',
      'boundTo',
    );
    if (!json) return undefined;
    return {
      ...(JSON.parse(json) as SessionReservation),
      state: state === 'bound' ? 'bound' : 'reserved',
      boundTo: boundTo ?? undefined,
    };
  }

  /**
   * Binds the session to `connectionId` for `ttlSeconds` (refresh by binding again).
   * @throws StoreError NOT_FOUND (MSRP 481) or SESSION_BOUND (MSRP 506).
   */
  async bind(sessionId: string, connectionId: string, ttlSeconds: number): Promise<void> {
    const result = await runScript(this.#client, 'bindSession', {
      keys: [this.#keys.session(sessionId)],
      args: [connectionId, ttlSeconds],
    });
    checkScriptResult(Number(result), `session ${sessionId}`);
  }

  /** Ends a session (BYE): removes the reservation and tells every media instance. */
  async end(sessionId: string): Promise<void> {
    await this.#client.del(this.#keys.session(sessionId));
    await this.#client.srem(this.#keys.sessions(), sessionId);
    await this.#client.publish(this.#keys.sessionEndedChannel(), sessionId);
  }

  /** The channel a media instance subscribes to; each message is an ended session id. */
  get endedChannel(): string {
    return this.#keys.sessionEndedChannel();
  }

  /** Sessions reserved or bound now (expired ones are pruned from the index on the way). */
  async active(): Promise<number> {
    const ids = await this.#client.smembers(this.#keys.sessions());
    let live = 0;
    for (const id of ids) {
      if ((await this.#client.exists(this.#keys.session(id))) === 1) live++;
      else await this.#client.srem(this.#keys.sessions(), id);
    }
    return live;
  }
}
