import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SipError,
  SipStreamFramer,
  parseSipMessage,
  serializeSipMessage,
  type SipRequest,
} from './index.js';

/** Writes a message with CRLF line ends; `$BODY` stands for the body, Content-Length is filled in. */
function wire(text: string, body = ''): Buffer {
  const head = text
    .replace(/\n/g, '\r\n')
    .replace('Content-Length: $LEN', `Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(head + body, 'utf8');
}

const MESSAGE = wire(
  `MESSAGE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776sgdkse;rport
Max-Forwards: 70
From: "Alice A." <sip:alice@example.com>;tag=49583
To: <sip:bob@example.com>
Call-ID: asd88asd77a@1.2.3.4
CSeq: 1 MESSAGE
Content-Type: text/plain
Content-Length: $LEN

`,
  'Watson, come here.',
);

describe('parseSipMessage', () => {
  it('reads a MESSAGE with typed headers', () => {
    const message = parseSipMessage(MESSAGE) as SipRequest;
    expect(message).toMatchObject({
      kind: 'request',
      method: 'MESSAGE',
      uri: 'sip:bob@example.com',
    });
    expect(message.from).toMatchObject({
      displayName: 'Alice A.',
      uriText: 'sip:alice@example.com',
    });
    expect(message.from.params.get('tag')).toBe('49583');
    expect(message.via[0]).toMatchObject({
      transport: 'UDP',
      host: '192.0.2.1',
      port: 5060,
      branch: 'z9hG4bK776sgdkse',
    });
    expect(message.via[0]?.params.has('rport')).toBe(true);
    expect(message.cseq).toEqual({ seq: 1, method: 'MESSAGE' });
    expect(message.maxForwards).toBe(70);
    expect(message.body.toString()).toBe('Watson, come here.');
  });

  it('expands compact forms, folds lines, splits multi-value headers, reads IPv6', () => {
    const message = parseSipMessage(
      wire(`REGISTER sip:example.com SIP/2.0
v: SIP/2.0/TCP [2001:db8::9:1]:5061;branch=z9hG4bKa, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb
f: <sip:bob@example.com>;tag=1
t: <sip:bob@example.com>
i: reg-1
CSeq: 2
 REGISTER
Max-Forwards: 70
m: <sip:bob@[2001:db8::10]:5070;transport=tcp>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";+g.oma.sip-im.large-message, "Bob" <sip:bob@192.0.2.3>;expires=60
Expires: 3600
l: 0

`),
    );
    expect(message.via.map((v) => v.host)).toEqual(['2001:db8::9:1', '192.0.2.2']);
    expect(message.cseq).toEqual({ seq: 2, method: 'REGISTER' });
    const [first, second] = message.contact;
    expect(first?.uri).toMatchObject({ host: '2001:db8::10', port: 5070 });
    expect(first?.params.get('+sip.instance')).toBe(
      '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>',
    );
    expect(first?.params.has('+g.oma.sip-im.large-message')).toBe(true);
    expect(second?.params.get('expires')).toBe('60');
    expect(message.expires).toBe(3600);
  });

  it('reads a response and keeps an empty reason phrase', () => {
    const response = parseSipMessage(
      wire(
        `SIP/2.0 202 \nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>;tag=2\nCall-ID: c\nCSeq: 1 MESSAGE\nContent-Length: 0\n\n`,
      ),
    );
    expect(response).toMatchObject({ kind: 'response', status: 202, reason: '' });
  });

  // RFC 4475 §3.1.2: invalid messages and what a server answers.
  const invalid: [string, string, number, RegExp][] = [
    [
      'extraneous header field separators (3.1.2.1)',
      MESSAGE.toString().replace('To: <sip:bob@example.com>', 'To: <sip:bob@example.com>;;,;,,'),
      400,
      /separators|Empty parameter/,
    ],
    [
      'Content-Length larger than message (3.1.2.2)',
      MESSAGE.toString().replace('Content-Length: 18', 'Content-Length: 9999'),
      400,
      /larger than message/,
    ],
    [
      'negative Content-Length (3.1.2.3)',
      MESSAGE.toString().replace('Content-Length: 18', 'Content-Length: -999'),
      400,
      /Content-Length/,
    ],
    [
      'overlarge CSeq (3.1.2.4)',
      MESSAGE.toString().replace('CSeq: 1 MESSAGE', 'CSeq: 36893488147419103232 MESSAGE'),
      400,
      /CSeq/,
    ],
    [
      'overlarge Max-Forwards (3.1.2.4)',
      MESSAGE.toString().replace('Max-Forwards: 70', 'Max-Forwards: 300'),
      400,
      /Max-Forwards/,
    ],
    [
      'overlarge status code (3.1.2.19)',
      'SIP/2.0 4294967301 better not break the receiver\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n',
      400,
      /Status-Line/,
    ],
    [
      'unterminated quoted display name (3.1.2.6)',
      MESSAGE.toString().replace('"Alice A." <', '"Alice A. <'),
      400,
      /quoted/,
    ],
    [
      '<> enclosing Request-URI (3.1.2.7)',
      MESSAGE.toString().replace(
        'MESSAGE sip:bob@example.com SIP/2.0',
        'MESSAGE <sip:bob@example.com> SIP/2.0',
      ),
      400,
      /<>/,
    ],
    [
      'LWS inside the Request-URI (3.1.2.8)',
      MESSAGE.toString().replace(
        'MESSAGE sip:bob@example.com SIP/2.0',
        'MESSAGE sip:bob@example.com; lr SIP/2.0',
      ),
      400,
      /Request-Line/,
    ],
    [
      'multiple SP in the Request-Line (3.1.2.9)',
      MESSAGE.toString().replace(
        'MESSAGE sip:bob@example.com SIP/2.0',
        'MESSAGE  sip:bob@example.com SIP/2.0',
      ),
      400,
      /Request-Line/,
    ],
    [
      'SP at the end of the Request-Line (3.1.2.10)',
      MESSAGE.toString().replace(
        'MESSAGE sip:bob@example.com SIP/2.0',
        'MESSAGE sip:bob@example.com SIP/2.0 ',
      ),
      400,
      /Request-Line/,
    ],
    [
      'escaped headers in the Request-URI (3.1.2.11)',
      MESSAGE.toString().replace(
        'MESSAGE sip:bob@example.com SIP/2.0',
        'MESSAGE sip:bob@example.com?Route=%3Csip:example.com%3E SIP/2.0',
      ),
      400,
      /Headers in Request-URI/,
    ],
    [
      'addr-spec with headers outside <> (3.1.2.13)',
      MESSAGE.toString().replace('To: <sip:bob@example.com>', 'To: sip:bob@example.com?Subject=hi'),
      400,
      /in <>/,
    ],
    [
      'spaces within addr-spec (3.1.2.14)',
      MESSAGE.toString().replace('To: <sip:bob@example.com>', 'To: <sip:bob @example.com>'),
      400,
      /Spaces/,
    ],
    [
      'non-token characters in display name (3.1.2.15)',
      MESSAGE.toString().replace('"Alice A." <', 'Alice @ home <'),
      400,
      /display name/,
    ],
    [
      'unknown protocol version (3.1.2.16)',
      MESSAGE.toString().replace('SIP/2.0\r\nVia', 'SIP/7.0\r\nVia'),
      505,
      /Version/,
    ],
    [
      'CSeq method mismatch (3.1.2.17)',
      MESSAGE.toString().replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE'),
      400,
      /CSeq method/,
    ],
    [
      'missing Call-ID',
      MESSAGE.toString().replace('Call-ID: asd88asd77a@1.2.3.4\r\n', ''),
      400,
      /Missing Call-ID/,
    ],
  ];

  it.each(invalid)('refuses %s', (...[, text, status, reason]) => {
    const error = (() => {
      try {
        parseSipMessage(Buffer.from(text, 'utf8'));
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SipError);
    expect((error as SipError).status).toBe(status);
    expect((error as SipError).reason).toMatch(reason);
  });

  it('round-trips through the serializer', () => {
    const message = parseSipMessage(MESSAGE);
    const again = parseSipMessage(serializeSipMessage(message));
    expect(again.headers).toEqual(message.headers);
    expect(again.body.equals(message.body)).toBe(true);
  });

  it('throws only SipError on random and mutated input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
          fc
            .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })
            .map((edits) => {
              const copy = Buffer.from(MESSAGE);
              for (const [at, byte] of edits) copy[at % copy.length] = byte;
              return copy;
            }),
        ),
        (data) => {
          try {
            parseSipMessage(data);
          } catch (err) {
            if (!(err instanceof SipError)) throw err;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('SipStreamFramer', () => {
  it('frames pipelined messages split at every offset', () => {
    const stream = Buffer.concat([MESSAGE, Buffer.from('\r\n\r\n'), MESSAGE, MESSAGE]);
    for (let at = 0; at <= stream.length; at++) {
      const framer = new SipStreamFramer();
      const framed = [...framer.push(stream.subarray(0, at)), ...framer.push(stream.subarray(at))];
      expect(framed.map((f) => ('message' in f ? f.message.callId : f.error.reason))).toEqual([
        'asd88asd77a@1.2.3.4',
        'asd88asd77a@1.2.3.4',
        'asd88asd77a@1.2.3.4',
      ]);
    }
  });

  it('reports a bad message and goes on with the next one', () => {
    const bad = Buffer.from(MESSAGE.toString().replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE'));
    const framed = new SipStreamFramer().push(Buffer.concat([bad, MESSAGE]));
    expect('error' in (framed[0] ?? {})).toBe(true);
    expect('message' in (framed[1] ?? {})).toBe(true);
  });

  it('takes 300 pipelined requests and a 100 KB body', () => {
    const body = 'x'.repeat(100_000);
    const big = wire(
      MESSAGE.toString()
        .split('\r\n\r\n')[0]
        ?.replace(/\r\n/g, '\n')
        .replace('Content-Length: 18', 'Content-Length: $LEN') + '\n\n',
      body,
    );
    const framed = new SipStreamFramer().push(
      Buffer.concat([...Array.from({ length: 300 }, () => MESSAGE), big]),
    );
    expect(framed).toHaveLength(301);
    expect(
      'message' in (framed[300] ?? {}) &&
        (framed[300] as { message: { body: Buffer } }).message.body.length,
    ).toBe(100_000);
  });

  it('loses framing (throws) without Content-Length or over the size limit', () => {
    expect(() =>
      new SipStreamFramer().push(
        Buffer.from(MESSAGE.toString().replace(/Content-Length: 18\r\n/, '')),
      ),
    ).toThrow(/Missing Content-Length/);
    expect(() =>
      new SipStreamFramer({ maxMessageBytes: 1000 }).push(
        Buffer.from(MESSAGE.toString().replace('Content-Length: 18', 'Content-Length: 5000')),
      ),
    ).toThrow(/Too Large/);
  });
});

describe('typed access to the headers applications read', () => {
  const register = wire(`REGISTER sip:example.com SIP/2.0
v: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKreg1;rport
f: <sip:alice@example.com>;tag=a1
t: <sip:alice@example.com>
i: reg-1
CSeq: 2 REGISTER
Max-Forwards: 70
m: <sip:alice@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";+g.oma.sip-im;+g.oma.sip-im.large-message;expires=600
a: *;+g.oma.sip-im.large-message;explicit
Authorization: Digest username="alice", realm="example.com", nonce="n1", uri="sip:example.com", response="abc", algorithm=MD5, qop=auth, nc=00000001, cnonce="c1"
Allow: INVITE, ACK, BYE, MESSAGE
k: path, gruu
Warning: 399 signalling.example.com "quota exceeded"
Content-Length: 0

`);

  it('reads Contact feature tags, Accept-Contact, Authorization, Allow, Supported and Warning', () => {
    const m = parseSipMessage(register) as SipRequest;
    const [contact] = m.contact;
    expect(contact?.params.get('+sip.instance')).toBe(
      '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>',
    );
    expect(contact?.params.has('+g.oma.sip-im.large-message')).toBe(true);
    expect(contact?.params.get('expires')).toBe('600');
    expect(contact?.uri.params.get('transport')).toBe('ws');
    expect(m.acceptContact[0]?.params.has('+g.oma.sip-im.large-message')).toBe(true);
    expect(m.acceptContact[0]?.params.has('+g.oma.sip-im')).toBe(false); // a whole tag, not a prefix
    expect(m.authorization?.scheme).toBe('Digest');
    expect(m.authorization?.params.get('username')).toBe('alice');
    expect(m.authorization?.params.get('nc')).toBe('00000001');
    expect(m.allow).toEqual(['INVITE', 'ACK', 'BYE', 'MESSAGE']);
    expect(m.supported).toEqual(['path', 'gruu']);
    expect(m.warning).toEqual([
      { code: 399, agent: 'signalling.example.com', text: 'quota exceeded' },
    ]);
    expect(m.via[0]?.transport).toBe('WS');
    expect(m.contentLength).toBe(0);
  });

  it('keeps typed values until a header changes', () => {
    const m = parseSipMessage(register) as SipRequest;
    expect(m.from).toBe(m.from); // parsed once
    m.prepend('Via', 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKtop');
    expect(m.via.map((v) => v.branch)).toEqual(['z9hG4bKtop', 'z9hG4bKreg1']);
    m.removeFirst('Via');
    expect(m.via).toHaveLength(1);
  });

  it('refuses a bad Accept-Contact or Warning at parse time, not in a handler', () => {
    const bad = (header: string) =>
      wire(`MESSAGE sip:b@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx
From: <sip:a@example.com>;tag=1
To: <sip:b@example.com>
Call-ID: x
CSeq: 1 MESSAGE
${header}
Content-Length: 0

`);
    expect(() => parseSipMessage(bad('Accept-Contact: <sip:x@y>'))).toThrow(SipError);
    expect(() => parseSipMessage(bad('Warning: 99 x "y"'))).toThrow(SipError);
  });
});
