import { storeKeys, type StoreKeys } from './keys.js';
import { defineScripts, runScript, type RedisClient } from './scripts.js';

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
    defineScripts(this.#client);
  }

  /**
   * Adds or refreshes a binding, and drops the AOR's expired ones, in one step. Returns true when it
   * is new (no live binding under its instance or contact): the registrar then triggers delivery.
   * `now` (ms) decides what has expired.
   */
  async put(aor: string, binding: Binding, now = Date.now()): Promise<boolean> {
    const fresh = await runScript(this.#client, 'putBinding', {
      keys: [this.#keys.location(aor)],
      args: [bindingKey(binding), JSON.stringify(binding), binding.expiresAt, now],
    });
    return fresh === 1;
  }

  /** Removes one binding (REGISTER with `Expires: 0` for that contact). */
  async remove(aor: string, binding: Pick<Binding, 'contact' | 'instance'>): Promise<void> {
    await this.#client.hdel(this.#keys.location(aor), bindingKey(binding));
  }

  /** Removes every binding (`Contact: *`, `Expires: 0`). */
  async removeAll(aor: string): Promise<void> {
    await this.#client.del(this.#keys.location(aor));
  }

  /**
   * True when the AOR may have a live binding (its key expires with its last binding): one cheap read
   * that lets a caller skip work meant for online users.
   */
  async mayBeOnline(aor: string): Promise<boolean> {
    return (await this.#client.exists(this.#keys.location(aor))) === 1;
  }

  /**
   * The live bindings, highest q first. Expired ones are skipped here and deleted by the next `put`
   * (deleting them here could race a refresh); the key expires with its last binding.
   */
  async live(aor: string, now = Date.now()): Promise<Binding[]> {
    const all = await this.#client.hgetall(this.#keys.location(aor));
    const live: Binding[] = [];
    for (const json of Object.values(all)) {
      const binding = parseBinding(json);
      if (binding && binding.expiresAt > now) live.push(binding);
    }
    return live.sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }
}

/** A stored binding, or undefined when the value is not one (never crash on what Redis holds). */
function parseBinding(json: string): Binding | undefined {
  try {
    const value = JSON.parse(json) as Partial<Binding> | null;
    return typeof value?.contact === 'string' && typeof value.expiresAt === 'number'
      ? (value as Binding)
      : undefined;
  } catch {
    return undefined;
  }
}
