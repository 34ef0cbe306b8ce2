import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseParams } from './header-values.js';
import type { SipRequest } from './sip-message.js';

/** Digest algorithms (RFC 8760): SHA-256 is offered first, MD5 for older clients. */
export type DigestAlgorithm = 'SHA-256' | 'MD5';

const HASH: Record<DigestAlgorithm, 'sha256' | 'md5'> = { 'SHA-256': 'sha256', MD5: 'md5' };
const h = (algorithm: DigestAlgorithm, text: string): string =>
  createHash(HASH[algorithm]).update(text).digest('hex');

/** The credentials of a user as stored: HA1 per algorithm, never the password. */
export type Ha1Lookup = (user: string, algorithm: DigestAlgorithm) => Promise<string | undefined>;

/** The outcome of checking a request's credentials. */
export type DigestResult =
  | { readonly ok: true; readonly user: string }
  | { readonly ok: false; readonly stale: boolean; readonly reason: string };

/** Options of a {@link DigestAuthenticator}. */
export interface DigestOptions {
  readonly realm: string;
  readonly lookup: Ha1Lookup;
  /** How long a nonce is good for. @defaultValue 300 */
  readonly nonceTtlSeconds?: number;
  /** Key of the nonce MAC; shared by every instance so that any of them accepts any nonce. */
  readonly secret?: Buffer;
  /**
   * Challenges offered, in order. RFC 8760 §2.4 puts SHA-256 first; clients that take the first
   * challenge whatever its algorithm (sipp 3.6, SIP.js 0.21 support MD5 only) need MD5 first.
   * @defaultValue ['SHA-256', 'MD5']
   */
  readonly algorithms?: readonly DigestAlgorithm[];
}

/**
 * Server-side digest authentication (RFC 2617 §3, RFC 8760, qop=auth). Nonces carry their issue time and
 * a MAC, so every instance sharing the secret can check them without shared state; within one instance
 * each nonce count must grow (replay protection).
 */
export class DigestAuthenticator {
  readonly #realm: string;
  readonly #lookup: Ha1Lookup;
  readonly #ttlMs: number;
  readonly #secret: Buffer;
  readonly #counts = new Map<string, { nc: number; expires: number }>();
  readonly #algorithms: readonly DigestAlgorithm[];

  constructor(options: DigestOptions) {
    this.#realm = options.realm;
    this.#lookup = options.lookup;
    this.#ttlMs = (options.nonceTtlSeconds ?? 300) * 1000;
    this.#secret = options.secret ?? randomBytes(32);
    this.#algorithms = options.algorithms ?? ['SHA-256', 'MD5'];
  }

  /**
   * `WWW-Authenticate` (or `Proxy-Authenticate`) values, one per algorithm offered, in preference order
   * (RFC 8760 §2.4); `algorithms` narrows the offer for one request (some clients read only one).
   */
  challenge(options: { stale?: boolean; algorithms?: readonly DigestAlgorithm[] } = {}): string[] {
    const nonce = this.#newNonce();
    const stale = options.stale ? ', stale=true' : '';
    const offered = this.#algorithms.filter((a) => options.algorithms?.includes(a) ?? true);
    return (offered.length > 0 ? offered : this.#algorithms).map(
      (algorithm) =>
        `Digest realm="${this.#realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale}`,
    );
  }

  /** Checks `Authorization` (or `Proxy-Authorization`) of `request`. */
  async verify(request: SipRequest, header = 'Authorization'): Promise<DigestResult> {
    const value = request.get(header);
    if (!value?.startsWith('Digest ')) return { ok: false, stale: false, reason: 'no credentials' };
    const params = parseParams(`;${value.slice(7).replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/g, ';')}`);
    const get = (name: string): string => params.get(name) ?? '';
    const algorithm: DigestAlgorithm | undefined = {
      'sha-256': 'SHA-256' as const,
      md5: 'MD5' as const,
      '': 'MD5' as const,
    }[get('algorithm').toLowerCase()];
    if (!algorithm || get('realm') !== this.#realm)
      return { ok: false, stale: false, reason: 'wrong realm or algorithm' };
    const nonce = get('nonce');
    if (!this.#nonceValid(nonce)) return { ok: false, stale: true, reason: 'stale nonce' };
    const ha1 = await this.#lookup(get('username'), algorithm);
    if (!ha1) return { ok: false, stale: false, reason: 'unknown user' };
    const ha2 = h(algorithm, `${request.method}:${get('uri')}`);
    const qop = get('qop');
    const expected =
      qop === 'auth'
        ? h(algorithm, `${ha1}:${nonce}:${get('nc')}:${get('cnonce')}:auth:${ha2}`)
        : h(algorithm, `${ha1}:${nonce}:${ha2}`);
    if (!sameHex(expected, get('response')))
      return { ok: false, stale: false, reason: 'wrong credentials' };
    if (qop === 'auth' && !this.#countGrows(nonce, parseInt(get('nc'), 16)))
      return { ok: false, stale: true, reason: 'nonce count reused' };
    return { ok: true, user: get('username') };
  }

  /**
   * A nonce is its issue time, 8 random bytes (two challenges in the same millisecond must differ, or
   * their nonce counts would collide, RFC 7616 §3.3) and a MAC over both: checked without any state.
   */
  #newNonce(): string {
    const stamped = Buffer.alloc(16);
    stamped.writeBigUInt64BE(BigInt(Date.now()));
    randomBytes(8).copy(stamped, 8);
    const mac = createHmac('sha256', this.#secret).update(stamped).digest().subarray(0, 16);
    return Buffer.concat([stamped, mac]).toString('base64url');
  }

  #nonceValid(nonce: string): boolean {
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== 32) return false;
    const stamped = bytes.subarray(0, 16);
    const mac = createHmac('sha256', this.#secret).update(stamped).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, bytes.subarray(16))) return false;
    return Date.now() - Number(stamped.readBigUInt64BE()) < this.#ttlMs;
  }

  #countGrows(nonce: string, nc: number): boolean {
    const now = Date.now();
    for (const [key, entry] of this.#counts) if (entry.expires < now) this.#counts.delete(key);
    const previous = this.#counts.get(nonce);
    if (!Number.isFinite(nc) || (previous && nc <= previous.nc)) return false;
    this.#counts.set(nonce, { nc, expires: now + this.#ttlMs });
    return true;
  }
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** A client's answer to a challenge (for tests and user agents built on this stack). */
export function digestAnswer(options: {
  readonly challenge: string;
  readonly method: string;
  readonly uri: string;
  readonly user: string;
  readonly password: string;
  readonly nc?: number;
}): string {
  const params = parseParams(
    `;${options.challenge.slice(7).replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/g, ';')}`,
  );
  const realm = params.get('realm') ?? '';
  const nonce = params.get('nonce') ?? '';
  const algorithm: DigestAlgorithm =
    (params.get('algorithm') ?? '').toUpperCase() === 'SHA-256' ? 'SHA-256' : 'MD5';
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = h(algorithm, `${options.user}:${realm}:${options.password}`);
  const ha2 = h(algorithm, `${options.method}:${options.uri}`);
  const response = h(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${options.user}", realm="${realm}", nonce="${nonce}", uri="${options.uri}", response="${response}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}
