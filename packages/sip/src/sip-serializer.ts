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
  // One buffer for head and body: a single write to the socket, no concat.
  const headBytes = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headBytes + message.body.length);
  out.write(head, 0, 'utf8');
  message.body.copy(out, headBytes);
  return out;
}
