import { storeKeys, type StoreKeys } from './keys.js';
import type { RedisClient } from './scripts.js';

/** How a registered contact is reached: the flow its REGISTER came on (RFC 5626 style). */
export interface Flow {
  readonly transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  /** Remote address and port the REGISTER came from. */
  readonly remote: string;
  /** The connection id on the signalling instance that holds it (connection-oriented transports). */
  readonly connectionId?: string;
  /** SIP URI of the signalling instance holding the flow, for requests routed through it. */
  readonly edge: string;
}

/** One registrar binding (RFC 3261 §10.3). */
export interface Binding {
  /** The Contact URI. */
  readonly contact: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
  /** `+sip.instance`, when given (RFC 5626). */
  readonly instance?: string;
  /** Contact header parameters, feature tags included (e.g. `+g.oma.sip-im.large-message`). */
  readonly params: Readonly<Record<string, string>>;
  readonly callId: string;
  readonly cseq: number;
  readonly q?: number;
  readonly flow: Flow;
}

/** The field that identifies a binding: the instance when given, else the contact URI. */
const bindingKey = (binding: Pick<Binding, 'contact' | 'instance'>): string =>
  binding.instance ?? binding.contact;

/** Registrar bindings per AOR, in Redis, so that every signalling instance and worker sees them. */
export class LocationStore {
  readonly #client: RedisClient;
  readonly #keys: StoreKeys;

  constructor(options: { client: RedisClient; prefix: string }) {
    this.#client = options.client;
    this.#keys = storeKeys(options.prefix);
  }

  /** Adds or refreshes a binding; returns true when it is new (no live binding under its key). */
  async put(aor: string, binding: Binding): Promise<boolean> {
    const key = this.#keys.location(aor);
    const field = bindingKey(binding);
    const previous = await this.#client.hget(key, field);
    await this.#client.hset(key, field, JSON.stringify(binding));
    await this.#extendKeyTtl(key, binding.expiresAt);
    return !previous || (JSON.parse(previous) as Binding).expiresAt <= Date.now();
  }

  /** Removes one binding (REGISTER with `Expires: 0` for that contact). */
  async remove(aor: string, binding: Pick<Binding, 'contact' | 'instance'>): Promise<void> {
    await this.#client.hdel(this.#keys.location(aor), bindingKey(binding));
  }

  /** Removes every binding (`Contact: *`, `Expires: 0`). */
  async removeAll(aor: string): Promise<void> {
    await this.#client.del(this.#keys.location(aor));
  }

  /** The live bindings, highest q first; expired ones are dropped from Redis on the way. */
  async live(aor: string, now = Date.now()): Promise<Binding[]> {
    const key = this.#keys.location(aor);
    const all = await this.#client.hgetall(key);
    const live: Binding[] = [];
    const expired: string[] = [];
    for (const [field, json] of Object.entries(all)) {
      const binding = JSON.parse(json) as Binding;
      if (binding.expiresAt > now) live.push(binding);
      else expired.push(field);
    }
    if (expired.length > 0) await this.#client.hdel(key, ...expired);
    return live.sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }

  /** The key disappears by itself once its last binding has expired. */
  async #extendKeyTtl(key: string, expiresAt: number): Promise<void> {
    const ttl = await this.#client.pttl(key);
    const wanted = expiresAt - Date.now();
    if (ttl < wanted) await this.#client.pexpire(key, Math.max(1, wanted));
  }
}
