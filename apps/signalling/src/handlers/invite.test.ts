// Which INVITEs ask for large message mode (OMA SIMPLE IM): pure, on parsed requests.
import { parseMsrpSdp } from '@pigeonhole/msrp';
import { parseSipMessage, type SipRequest } from '@pigeonhole/sip';
import { describe, expect, it } from 'vitest';
import { isLargeMessage } from './invite.js';

const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.1',
  's=-',
  'c=IN IP4 192.0.2.1',
  't=0 0',
  'm=message 9 TCP/MSRP *',
  'a=accept-types:*',
  'a=path:msrp://192.0.2.1:9/s1;tcp',
];

function invite(headers: string[], sdp: string[] = SDP): SipRequest {
  const body = `${sdp.join('\r\n')}\r\n`;
  const head = [
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKlarge',
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: large-1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    ...headers,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return parseSipMessage(Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`)) as SipRequest;
}

const classify = (request: SipRequest): boolean =>
  isLargeMessage(request, parseMsrpSdp(request.body.toString()));

describe('isLargeMessage', () => {
  it('takes the feature tag in Accept-Contact or in Contact', () => {
    expect(classify(invite(['Accept-Contact: *;+g.oma.sip-im.large-message']))).toBe(true);
    expect(classify(invite(['Contact: <sip:alice@192.0.2.1>;+g.oma.sip-im.large-message']))).toBe(
      true,
    );
  });

  it('matches the tag as a whole: +g.oma.sip-im alone is a conversation', () => {
    expect(classify(invite(['Accept-Contact: *;+g.oma.sip-im']))).toBe(false);
    expect(classify(invite(['Contact: <sip:alice@192.0.2.1>;+g.oma.sip-im']))).toBe(false);
  });

  it('takes an RFC 5547 a=file-selector without any tag', () => {
    const withSelector = [
      ...SDP,
      'a=sendonly',
      'a=file-selector:name:"photo.jpg" type:image/jpeg size:123456',
    ];
    expect(classify(invite([], withSelector))).toBe(true);
    expect(classify(invite([]))).toBe(false);
  });
});
