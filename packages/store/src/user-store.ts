import { createHash } from 'node:crypto';
import { storeKeys, type StoreKeys } from './keys.js';
import type { RedisClient } from './scripts.js';

/** A SIP user's digest credentials: HA1 per algorithm (RFC 8760 §2.4), never the password. */
export interface DigestCredentials {
  readonly user: string;
  readonly realm: string;
  /** MD5(user:realm:password), hex. */
  readonly ha1Md5: string;
  /** SHA-256(user:realm:password), hex. */
  readonly ha1Sha256: string;
}

/** HA1 = H(user ":" realm ":" password) (RFC 2617 §3.2.2.2, RFC 8760 §2.4). */
export function digestHa1(
  algorithm: 'md5' | 'sha256',
  parts: { user: string; realm: string; password: string },
): string {
  return createHash(algorithm)
    .update(`${parts.user}:${parts.realm}:${parts.password}`)
    .digest('hex');
}

const USER_NAME = /^[A-Za-z0-9._~!$&'()*+,;=%-]{1,64}$/;

/** SIP digest users, stored hashed in Redis (`pigeonhole users add|remove|list`, `SIP_USERS`). */
export class UserStore {
  readonly #client: RedisClient;
  readonly #keys: StoreKeys;

  constructor(options: { client: RedisClient; prefix: string }) {
    this.#client = options.client;
    this.#keys = storeKeys(options.prefix);
  }

  /**
   * Adds a user or changes its password.
   * @throws TypeError when the name is not a valid SIP user part.
   */
  async add(user: string, password: string, realm: string): Promise<void> {
    if (!USER_NAME.test(user))
      throw new TypeError(
        `invalid user name ${JSON.stringify(user)}: use letters, digits and . _ - ~`,
      );
    if (password.length === 0) throw new TypeError('the password must not be empty');
    // Two keys in two Cluster slots, so two writes: the credentials first, so that a user listed
    // can always authenticate (one cut off between them is not listed, and `add` again mends it).
    await this.#client.hset(this.#keys.user(user), {
      realm,
      ha1Md5: digestHa1('md5', { user, realm, password }),
      ha1Sha256: digestHa1('sha256', { user, realm, password }),
    });
    await this.#client.sadd(this.#keys.users(), user);
  }

  /** Removes a user; true when it existed. */
  async remove(user: string): Promise<boolean> {
    const removed = await this.#client.del(this.#keys.user(user));
    await this.#client.srem(this.#keys.users(), user);
    return removed === 1;
  }

  /** Credentials of a user, or undefined. */
  async get(user: string): Promise<DigestCredentials | undefined> {
    const [realm, ha1Md5, ha1Sha256] = await this.#client.hmget(
      this.#keys.user(user),
      'realm',
      'ha1Md5',
      'ha1Sha256',
    );
    if (!realm || !ha1Md5 || !ha1Sha256) return undefined;
    return { user, realm, ha1Md5, ha1Sha256 };
  }

  /** True when the user exists. */
  async exists(user: string): Promise<boolean> {
    return (await this.#client.exists(this.#keys.user(user))) === 1;
  }

  /** User names, sorted. */
  async list(): Promise<string[]> {
    return (await this.#client.smembers(this.#keys.users())).sort();
  }
}
