import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestAuthenticator, digestAnswer, parseSipMessage, type SipRequest } from './index.js';

const ha1 = (algorithm: 'md5' | 'sha256', password: string): string =>
  createHash(algorithm).update(`alice:example.com:${password}`).digest('hex');

function register(authorization: string): SipRequest {
  return parseSipMessage(
    Buffer.from(
      'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:alice@example.com>;tag=1\r\n' +
        `To: <sip:alice@example.com>\r\nCall-ID: r1\r\nCSeq: 2 REGISTER\r\nAuthorization: ${authorization}\r\nContent-Length: 0\r\n\r\n`,
    ),
  ) as SipRequest;
}

describe('DigestAuthenticator', () => {
  const auth = new DigestAuthenticator({
    realm: 'example.com',
    lookup: (user, algorithm) =>
      Promise.resolve(
        user === 'alice' ? ha1(algorithm === 'MD5' ? 'md5' : 'sha256', 'secret') : undefined,
      ),
  });

  it.each([0, 1])(
    'accepts the right password with the challenge %i (SHA-256, then MD5)',
    async (which) => {
      const challenge = auth.challenge()[which] ?? '';
      const request = register(
        digestAnswer({
          challenge,
          method: 'REGISTER',
          uri: 'sip:example.com',
          user: 'alice',
          password: 'secret',
        }),
      );
      expect(await auth.verify(request)).toEqual({ ok: true, user: 'alice' });
    },
  );

  it('refuses a wrong password, an unknown user and a replayed nonce count', async () => {
    const [challenge = ''] = auth.challenge();
    const wrong = register(
      digestAnswer({
        challenge,
        method: 'REGISTER',
        uri: 'sip:example.com',
        user: 'alice',
        password: 'nope',
      }),
    );
    expect(await auth.verify(wrong)).toMatchObject({ ok: false, reason: 'wrong credentials' });
    const unknown = register(
      digestAnswer({
        challenge,
        method: 'REGISTER',
        uri: 'sip:example.com',
        user: 'mallory',
        password: 'x',
      }),
    );
    expect(await auth.verify(unknown)).toMatchObject({ ok: false, reason: 'unknown user' });
    const good = register(
      digestAnswer({
        challenge,
        method: 'REGISTER',
        uri: 'sip:example.com',
        user: 'alice',
        password: 'secret',
      }),
    );
    expect(await auth.verify(good)).toMatchObject({ ok: true });
    expect(await auth.verify(good)).toMatchObject({
      ok: false,
      stale: true,
      reason: 'nonce count reused',
    });
  });

  it('calls a nonce from another secret or past its lifetime stale', async () => {
    const other = new DigestAuthenticator({
      realm: 'example.com',
      lookup: () => Promise.resolve(undefined),
    });
    const [challenge = ''] = other.challenge();
    const request = register(
      digestAnswer({
        challenge,
        method: 'REGISTER',
        uri: 'sip:example.com',
        user: 'alice',
        password: 'secret',
      }),
    );
    expect(await auth.verify(request)).toMatchObject({ ok: false, stale: true });
    const expired = new DigestAuthenticator({
      realm: 'example.com',
      lookup: () => Promise.resolve('x'),
      nonceTtlSeconds: 0,
    });
    const [old = ''] = expired.challenge();
    expect(
      await expired.verify(
        register(
          digestAnswer({
            challenge: old,
            method: 'REGISTER',
            uri: 'sip:example.com',
            user: 'alice',
            password: 's',
          }),
        ),
      ),
    ).toMatchObject({ stale: true });
  });
});
