import type { SipMessage } from './sip-message.js';

/** Serializes a message; Content-Length is always written from the body (RFC 3261 §20.14). */
export function serializeSipMessage(message: SipMessage): Buffer {
  const first =
    message.kind === 'request'
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`;
  let head = `${first}\r\n`;
  for (const [name, value] of message.headers)
    if (name !== 'Content-Length') head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${message.body.length}\r\n\r\n`;
  return message.body.length === 0
    ? Buffer.from(head, 'utf8')
    : Buffer.concat([Buffer.from(head, 'utf8'), message.body]);
}
