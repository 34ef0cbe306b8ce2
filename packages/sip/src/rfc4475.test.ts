// The RFC 4475 torture messages, from fixtures in the RFC's notation: every valid one parses (whole,
// and framed from a stream split at every offset), every invalid one gets the outcome the RFC asks.
import { describe, expect, it } from 'vitest';
import { INVALID, VALID, tortureMessage } from '../test/rfc4475.js';
import {
  SipError,
  SipStreamFramer,
  badRequestResponse,
  parseSipMessage,
  serializeSipMessage,
  type SipRequest,
  type SipResponse,
} from './index.js';

function refusal(raw: Buffer): SipError {
  try {
    parseSipMessage(raw);
  } catch (err) {
    if (err instanceof SipError) return err;
    throw err;
  }
  throw new Error('parsed an invalid message');
}

describe('RFC 4475 §3.1.1 valid messages', () => {
  it.each(VALID)('%s parses and survives a serializer round trip', (name) => {
    const message = parseSipMessage(tortureMessage(name));
    const again = parseSipMessage(serializeSipMessage(message));
    expect(again.callId).toBe(message.callId);
    expect(again.body.equals(message.body)).toBe(true);
  });

  it('§3.1.1.1 wsinv: folding, LWS around separators, compact and long Via forms, leading zeros', () => {
    const m = parseSipMessage(tortureMessage('wsinv')) as SipRequest;
    expect(m.to.params.get('tag')).toBe('1918181833n');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.from.params.get('tag')).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.via.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.get('Subject')).toBe('');
    expect(m.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(m.contact[0]?.displayName).toBe('Quoted string ""');
    expect(m.contact[0]?.params.get('q')).toBe('0.33');
    expect(m.contact[0]?.params.get('secondparam')).toBe('');
    expect(m.body.length).toBe(150);
  });

  it('§3.1.1.2 intmeth: unusual method, URI, branch, display-name tokens and Call-ID', () => {
    const m = parseSipMessage(tortureMessage('intmeth')) as SipRequest;
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.requestUri.host).toBe('example.com');
    expect(m.via[0]?.branch).toBe("z9hG4bK-.!%66*_+`'~");
    expect(m.from.params.get('tag')).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  });

  it('§3.1.1.3-5 esc01, escnull, esc02: escapes in URIs, escaped NULs, % in methods and names', () => {
    const esc01 = parseSipMessage(tortureMessage('esc01')) as SipRequest;
    expect(esc01.requestUri.user).toBe('sips:user@example.com');
    expect(esc01.to.uri.user).toBe('user');
    expect(esc01.from.uri.user).toBe('I have spaces');
    const escnull = parseSipMessage(tortureMessage('escnull')) as SipRequest;
    expect(escnull.contact.map((c) => c.uri.user)).toEqual(['\0', '\0\0']);
    const esc02 = parseSipMessage(tortureMessage('esc02')) as SipRequest;
    expect(esc02.method).toBe('RE%47IST%45R'); // % is no escape in a method: an unknown method
    expect(esc02.contact).toHaveLength(2); // `C%6Fntact` is another header
  });

  it('§3.1.1.8 dblreq: a datagram ends with its Content-Length; on a stream the INVITE is next', () => {
    const raw = tortureMessage('dblreq');
    const datagram = parseSipMessage(raw) as SipRequest;
    expect(datagram.method).toBe('REGISTER');
    expect(datagram.body.length).toBe(0);
    const framed = new SipStreamFramer().push(raw);
    expect(framed.map((f) => ('message' in f ? f.message.cseq.method : 'error'))).toEqual([
      'REGISTER',
      'INVITE',
    ]);
  });

  it('§3.1.1.9-13 semiuri, transports, unreason, noreason', () => {
    const semiuri = parseSipMessage(tortureMessage('semiuri')) as SipRequest;
    expect(semiuri.requestUri.user).toBe('user;par=u@example.net');
    expect(semiuri.requestUri.host).toBe('example.com');
    expect(semiuri.getAll('Accept')).toHaveLength(6);
    const transports = parseSipMessage(tortureMessage('transports'));
    expect(transports.via.map((v) => v.transport)).toEqual([
      'UDP',
      'SCTP',
      'TLS',
      'UNKNOWN',
      'TCP',
    ]);
    const unreason = parseSipMessage(tortureMessage('unreason')) as SipResponse;
    expect(unreason.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    const noreason = parseSipMessage(tortureMessage('noreason')) as SipResponse;
    expect([noreason.status, noreason.reason]).toEqual([100, '']);
  });

  it.each(VALID.filter((name) => name !== 'dblreq'))(
    '%s frames from a stream split at every offset',
    (name) => {
      const raw = tortureMessage(name);
      const whole = parseSipMessage(raw);
      for (let at = 1; at < raw.length; at++) {
        const framer = new SipStreamFramer();
        const framed = [...framer.push(raw.subarray(0, at)), ...framer.push(raw.subarray(at))];
        expect(framed).toHaveLength(1);
        const [first] = framed;
        expect(first && 'message' in first && first.message.callId).toBe(whole.callId);
      }
    },
  );
});

describe('RFC 4475 §3.1.2 invalid messages', () => {
  it.each(INVALID)('%s: %s', (name, outcome, reason) => {
    const raw = tortureMessage(name);
    const error = refusal(raw);
    expect(error.reason).toMatch(reason);
    const response = badRequestResponse(raw, error);
    if (outcome === 'drop') {
      expect(response).toBeUndefined();
      return;
    }
    expect(error.status).toBe(outcome);
    // The response copies the request's headers as they came, bad ones included (§8.2.6.2).
    const text = response?.toString('latin1') ?? '';
    expect(text.split('\r\n')[0]).toBe(`SIP/2.0 ${outcome} ${error.reason}`);
    expect(text).toContain(`Call-ID: ${callIdOf(raw)}\r\n`);
  });
});

function callIdOf(raw: Buffer): string {
  return /^Call-ID:\s*(\S+)/m.exec(raw.toString('latin1'))?.[1] ?? '';
}
