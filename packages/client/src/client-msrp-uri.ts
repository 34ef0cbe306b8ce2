import { formatMsrpUri } from '@pigeonhole/msrp';

/**
 * A client's own MSRP URI: MSRP over WebSocket on a `.invalid` host, since a client has no address to
 * offer and always connects (RFC 7977 §5); the session id is random (RFC 4975 §14.1: at least 80
 * bits). Web Crypto, so the same code runs in Node and in browsers.
 */
export function clientMsrpUri(): string {
  return formatMsrpUri({
    secure: false,
    host: `${randomHex(6)}.invalid`,
    port: 9,
    sessionId: randomHex(12),
    transport: 'ws',
  });
}

function randomHex(bytes: number): string {
  const random = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
