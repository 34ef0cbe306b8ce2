import type { StoreKeys } from './keys.js';
import { runScript, type RedisClient } from './scripts.js';

/**
 * A recipient stays indexed this long after its last store even when its inbox is empty. It must
 * exceed the longest a store can take plus the clock skew between hosts (see lua/forgetRecipient-1.lua).
 */
export const RECIPIENT_INDEX_GRACE_MS = 15 * 60 * 1000;

/**
 * The index of recipients that hold messages (ZSET `<prefix>:recipients`, score = last store, ms),
 * read by the expiry sweep and the dashboard. It cannot share a Cluster slot with every recipient, so
 * it is kept beside the per-recipient scripts: a store indexes before it resolves, and only the sweep
 * forgets, after the grace period and with a re-check.
 * @internal
 */
export class RecipientIndex {
  readonly #client: RedisClient;
  readonly #keys: StoreKeys;

  constructor(client: RedisClient, keys: StoreKeys) {
    this.#client = client;
    this.#keys = keys;
  }

  /** Marks `aor` as holding messages (sent alongside the store script, awaited before acknowledging). */
  async touch(aor: string): Promise<void> {
    await this.#client.zadd(this.#keys.recipients(), Date.now(), aor);
  }

  /** Every indexed recipient (some may have emptied since). */
  list(): Promise<string[]> {
    return this.#client.zrange(this.#keys.recipients(), 0, -1);
  }

  /**
   * Forgets `aor` after a sweep found nothing left (`left` = 0) and no store touched it within the
   * grace period; a re-check afterwards re-indexes a recipient that a store filled meanwhile.
   */
  async forgetIfIdle(
    aor: string,
    sweep: { readonly left: number; readonly now: number },
  ): Promise<void> {
    if (sweep.left > 0) return;
    const forgotten = await runScript(this.#client, 'forgetRecipient', {
      keys: [this.#keys.recipients()],
      args: [aor, sweep.now - RECIPIENT_INDEX_GRACE_MS],
    });
    if (forgotten !== 1) return;
    const [inbox, pending] = await Promise.all([
      this.#client.zcard(this.#keys.inbox(aor)),
      this.#client.zcard(this.#keys.pending(aor)),
    ]);
    if (inbox + pending > 0) await this.touch(aor);
  }
}
