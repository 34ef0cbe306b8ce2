import { describe, expect, it } from 'vitest';
import {
  forwardedRequest,
  parseSipMessage,
  popOwnRoutes,
  uriTarget,
  viaTarget,
  parseSipUri,
  parseVia,
  type SipRequest,
} from './index.js';

function request(extra: string): SipRequest {
  return parseSipMessage(
    Buffer.from(
      'BYE sip:dave@192.0.2.9:5070;transport=tcp SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n' +
        `${extra}From: <sip:alice@example.com>;tag=1\r\nTo: <sip:dave@example.com>;tag=2\r\n` +
        'Call-ID: c1\r\nCSeq: 3 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
    ),
  ) as SipRequest;
}

const ours = (uri: { host: string }): boolean => uri.host === 'proxy.example.com';

describe('popOwnRoutes (RFC 3261 §16.4)', () => {
  it('removes our values at the top, two of them for a double Record-Route, and keeps the rest', () => {
    const bye = request(
      'Route: <sip:tok@proxy.example.com;transport=udp;lr>, <sip:proxy.example.com:5066;transport=ws;lr>\r\n' +
        'Route: <sip:next.example.org;lr>\r\n',
    );
    const popped = popOwnRoutes(bye, ours);
    expect(popped.map((uri) => uri.user)).toEqual(['tok', undefined]);
    expect(bye.getAll('Route')).toEqual(['<sip:next.example.org;lr>']);
  });

  it('leaves a request alone when its top Route is another proxy', () => {
    const bye = request('Route: <sip:next.example.org;lr>, <sip:proxy.example.com;lr>\r\n');
    expect(popOwnRoutes(bye, ours)).toEqual([]);
    expect(bye.getAll('Route')).toHaveLength(2);
  });
});

describe('forwardedRequest (RFC 3261 §16.6)', () => {
  it('puts our Record-Route above those already there and decrements Max-Forwards', () => {
    const invite = request('Record-Route: <sip:upstream.example.org;lr>\r\n');
    const copy = forwardedRequest(invite, {
      recordRoute: ['<sip:b@proxy.example.com;lr>', '<sip:a@proxy.example.com;lr>'],
    });
    expect(copy.getAll('Record-Route')).toEqual([
      '<sip:b@proxy.example.com;lr>',
      '<sip:a@proxy.example.com;lr>',
      '<sip:upstream.example.org;lr>',
    ]);
    expect(copy.maxForwards).toBe(69);
  });
});

describe('where a request or a response goes', () => {
  it('reads a URI: transport parameter, default ports, and nothing for *.invalid (RFC 7118 §5)', () => {
    expect(uriTarget(parseSipUri('sip:dave@192.0.2.9:5070;transport=TCP'))).toEqual({
      transport: 'tcp',
      host: '192.0.2.9',
      port: 5070,
    });
    expect(uriTarget(parseSipUri('sips:dave@example.com'))).toMatchObject({
      transport: 'tls',
      port: 5061,
    });
    expect(uriTarget(parseSipUri('sip:x@df7jal23ls0d.invalid;transport=ws'))).toBeUndefined();
  });

  it('reads a Via: received and rport win over sent-by (RFC 3581 §4)', () => {
    expect(
      viaTarget(
        parseVia(
          'SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK1;received=192.0.2.4;rport=40123',
        ),
      ),
    ).toEqual({ transport: 'tcp', host: '192.0.2.4', port: 40123 });
    expect(viaTarget(parseVia('SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK2'))).toEqual({
      transport: 'udp',
      host: '192.0.2.5',
      port: 5060,
    });
  });
});

describe('removeFirstValue', () => {
  it('takes the first value of a combined Via line and keeps the others (RFC 3261 §7.3.1)', () => {
    const bye = request('');
    bye.prepend(
      'Via',
      'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp, SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKq',
    );
    bye.removeFirstValue('Via');
    expect(bye.via.map((via) => via.branch)).toEqual(['z9hG4bKq', 'z9hG4bK1']);
  });
});
