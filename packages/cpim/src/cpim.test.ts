import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CpimError,
  buildCpim,
  buildImdn,
  headerValues,
  parseCpim,
  parseImdn,
  readImdnRequest,
} from './index.js';

// RFC 5438 §8.1's IM, with a non-ASCII, binary-unsafe-looking body.
const IM = Buffer.from(
  'From: Alice <im:alice@example.com>\r\n' +
    'To: Bob <im:bob@example.com>\r\n' +
    'NS: imdn <urn:ietf:params:imdn>\r\n' +
    'imdn.Message-ID: 34jk324j\r\n' +
    'DateTime: 2006-04-04T12:16:49-05:00\r\n' +
    'imdn.Disposition-Notification: positive-delivery, negative-delivery, processing\r\n' +
    '\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    'Content-Length: 14\r\n' +
    '\r\n' +
    'Grüße, Bob!\r\n',
  'utf8',
);

describe('parseCpim', () => {
  it('reads headers, the content part and keeps the raw bytes', () => {
    const message = parseCpim(IM);
    expect(message.raw).toBe(IM);
    expect(message.headers[0]).toEqual({ name: 'From', value: 'Alice <im:alice@example.com>' });
    expect(message.headers).toHaveLength(6);
    expect(message.contentType).toBe('text/plain; charset=utf-8');
    expect(message.content.toString('utf8')).toBe('Grüße, Bob!\r\n');
    expect(message.headerBytes.toString()).toMatch(/^From: Alice.*processing$/s);
  });

  it('keeps binary content byte for byte', () => {
    const content = Buffer.from([0, 13, 10, 13, 10, 255, 254]);
    const message = parseCpim(
      buildCpim({
        from: '<sip:a@x>',
        to: '<sip:b@x>',
        contentType: 'application/octet-stream',
        content,
      }),
    );
    expect(Buffer.compare(message.content, content)).toBe(0);
  });

  it('refuses a body without the blank line after the CPIM headers', () => {
    expect(() => parseCpim(Buffer.from('From: <sip:a@x>\r\nTo: <sip:b@x>\r\n'))).toThrow(
      expect.objectContaining({ code: 'CPIM_ERR_NO_HEADER_END' }),
    );
  });

  it('refuses an encapsulated part without Content-Type (RFC 3862 §3.2)', () => {
    expect(() => parseCpim(Buffer.from('From: <sip:a@x>\r\n\r\nSubject: hi\r\n\r\nbody'))).toThrow(
      expect.objectContaining({ code: 'CPIM_ERR_NO_CONTENT_TYPE' }),
    );
  });

  it('refuses a malformed header line', () => {
    expect(() =>
      parseCpim(Buffer.from('From <sip:a@x>\r\n\r\nContent-Type: text/plain\r\n\r\nx')),
    ).toThrow(expect.objectContaining({ code: 'CPIM_ERR_BAD_HEADER' }));
  });

  it('only throws CpimError on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseCpim(Buffer.from(bytes));
        } catch (err) {
          if (!(err instanceof CpimError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readImdnRequest', () => {
  it('reads Message-ID, DateTime and the requested dispositions', () => {
    expect(readImdnRequest(parseCpim(IM))).toEqual({
      messageId: '34jk324j',
      dateTime: '2006-04-04T12:16:49-05:00',
      dispositions: ['positive-delivery', 'negative-delivery', 'processing'],
    });
  });

  it('follows the declared namespace prefix, not the literal "imdn."', () => {
    const body = buildCpim({
      from: '<sip:a@x>',
      to: '<sip:b@x>',
      headers: [
        ['NS', 'n <urn:ietf:params:imdn>'],
        ['n.Message-ID', 'abc'],
        ['n.Disposition-Notification', 'display'],
      ],
      contentType: 'text/plain',
      content: 'hi',
    });
    expect(readImdnRequest(parseCpim(body))).toMatchObject({
      messageId: 'abc',
      dispositions: ['display'],
    });
  });

  it('is undefined without the namespace or without a Message-ID', () => {
    const plain = buildCpim({
      from: '<sip:a@x>',
      to: '<sip:b@x>',
      headers: [['imdn.Message-ID', 'x']],
      contentType: 'text/plain',
      content: '',
    });
    expect(readImdnRequest(parseCpim(plain))).toBeUndefined();
  });
});

describe('buildImdn', () => {
  /** What every notification of Bob's about IM carries (RFC 5438 §7.2.1): to its sender, Alice. */
  const aboutIm = () => {
    const original = readImdnRequest(parseCpim(IM));
    if (!original) throw new Error('no request');
    return {
      original,
      from: 'sip:bob@example.com',
      to: 'sip:alice@example.com',
      recipientUri: 'sip:bob@example.com',
      now: new Date('2026-01-01T00:00:00Z'),
    };
  };

  it('builds a processing "stored" notification as RFC 5438 §8.1 lays it out', () => {
    const wrapper = parseCpim(buildImdn({ kind: 'processing', status: 'stored', ...aboutIm() }));
    expect(wrapper.headers.map((h) => h.name)).toEqual([
      'From',
      'To',
      'NS',
      'imdn.Message-ID',
      'DateTime',
    ]);
    expect(wrapper.headers[0]?.value).toBe('<sip:bob@example.com>');
    expect(wrapper.headers[1]?.value).toBe('<sip:alice@example.com>');
    const ownId = readImdnRequest(wrapper)?.messageId;
    expect(ownId).toMatch(/^[\w-]{16}$/);
    expect(ownId).not.toBe('34jk324j');
    expect(readImdnRequest(wrapper)?.dispositions).toEqual([]);
    expect(wrapper.contentType).toBe('message/imdn+xml');
    expect(wrapper.contentHeaders).toContainEqual({
      name: 'Content-Disposition',
      value: 'notification',
    });
    const xml = wrapper.content.toString('utf8');
    expect(xml).toContain('<imdn xmlns="urn:ietf:params:xml:ns:imdn">');
    expect(xml).toContain('<datetime>2006-04-04T12:16:49-05:00</datetime>');
    expect(parseImdn(xml)).toEqual({
      messageId: '34jk324j',
      dateTime: '2006-04-04T12:16:49-05:00',
      kind: 'processing',
      status: 'stored',
    });
  });

  it.each(['delivered', 'failed'] as const)(
    'builds a delivery "%s" notification that parses back (RFC 5438 §7.2.1)',
    (status) => {
      const wrapper = parseCpim(buildImdn({ kind: 'delivery', status, ...aboutIm() }));
      // The notification goes from the IM's recipient back to its sender, with an id of its own.
      expect(headerValues(wrapper, 'From')).toEqual(['<sip:bob@example.com>']);
      expect(headerValues(wrapper, 'To')).toEqual(['<sip:alice@example.com>']);
      expect(headerValues(wrapper, 'DateTime')).toEqual(['2026-01-01T00:00:00.000Z']);
      const own = readImdnRequest(wrapper);
      expect(own?.messageId).toMatch(/^[\w-]{16}$/);
      expect(own?.messageId).not.toBe('34jk324j');
      // A notification never asks for notifications (RFC 5438 §7).
      expect(headerValues(wrapper, 'imdn.Disposition-Notification')).toEqual([]);
      expect(wrapper.contentType).toBe('message/imdn+xml');
      expect(wrapper.contentHeaders).toContainEqual({
        name: 'Content-Disposition',
        value: 'notification',
      });
      const xml = wrapper.content.toString('utf8');
      // The schema's order: message-id, datetime, recipient-uri, original-recipient-uri, notification.
      expect(xml).toMatch(
        new RegExp(
          [
            '<message-id>34jk324j</message-id>',
            '<datetime>2006-04-04T12:16:49-05:00</datetime>',
            '<recipient-uri>sip:bob@example.com</recipient-uri>',
            '<original-recipient-uri>sip:bob@example.com</original-recipient-uri>',
            `<delivery-notification><status><${status}/></status></delivery-notification>`,
            '</imdn>',
          ].join('\\s*'),
        ),
      );
      expect(xml).not.toMatch(/processing-notification|display-notification/);
      expect(parseImdn(xml)).toEqual({
        messageId: '34jk324j',
        dateTime: '2006-04-04T12:16:49-05:00',
        kind: 'delivery',
        status,
      });
    },
  );

  it('escapes XML in the ids it copies', () => {
    const body = buildImdn({
      kind: 'delivery',
      status: 'failed',
      original: { messageId: 'a<b>&c', dateTime: undefined, dispositions: [] },
      from: 'sip:b@x',
      to: 'sip:a@x',
      recipientUri: 'sip:b@x',
    });
    const xml = parseCpim(body).content.toString();
    expect(xml).toContain('<message-id>a&lt;b&gt;&amp;c</message-id>');
    expect(parseImdn(xml)).toMatchObject({ kind: 'delivery', status: 'failed' });
  });

  it('reads a hostile document with long runs of spaces in linear time', () => {
    // A regular expression with \s* around a lazy group took minutes on 8 KB of this.
    const spaces = ' '.repeat(200_000);
    expect(() => parseImdn(`<message-id>${spaces}x`)).toThrow(
      expect.objectContaining({ code: 'CPIM_ERR_BAD_IMDN' }),
    );
    expect(() => parseImdn(`<message-id>${spaces}`)).toThrow(
      expect.objectContaining({ code: 'CPIM_ERR_BAD_IMDN' }),
    );
    expect(
      parseImdn(
        `<imdn><message-id>${spaces}abc${spaces}</message-id><delivery-notification>${spaces}<status><failed/></status></delivery-notification></imdn>`,
      ),
    ).toMatchObject({ messageId: 'abc', kind: 'delivery', status: 'failed' });
  });

  it('refuses an XML document that is no notification', () => {
    expect(() => parseImdn('<imdn/>')).toThrow(
      expect.objectContaining({ code: 'CPIM_ERR_BAD_IMDN' }),
    );
  });
});
