import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MsrpDecoder,
  MsrpError,
  encodeRequest,
  encodeResponse,
  header,
  type MsrpHead,
} from './index.js';

const FIXTURES = new URL('../test/fixtures/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

type Event =
  | { type: 'head'; head: MsrpHead }
  | { type: 'body'; data: string }
  | { type: 'end'; flag: string; bodyBytes: number };

/** Decodes `parts` in order; body pieces are merged so that events do not depend on the split. */
function decode(parts: readonly Buffer[]): Event[] {
  const events: Event[] = [];
  let body: Buffer[] = [];
  let expectedOffset = 0;
  const decoder = new MsrpDecoder({
    onHead: (head) => {
      events.push({ type: 'head', head });
      expectedOffset = 0;
    },
    onBody: (data, offset) => {
      expect(offset).toBe(expectedOffset);
      expectedOffset += data.length;
      body.push(Buffer.from(data));
    },
    onEnd: (flag, bodyBytes) => {
      if (body.length > 0)
        events.push({ type: 'body', data: Buffer.concat(body).toString('latin1') });
      body = [];
      events.push({ type: 'end', flag, bodyBytes });
    },
  });
  for (const part of parts) decoder.write(part);
  expect(decoder.idle).toBe(true);
  return events;
}

/** A sink that drops every event (for limit and fuzz tests). */
const IGNORE = { onHead: () => undefined, onBody: () => undefined, onEnd: () => undefined };

function forEachSplit(wire: Buffer, run: (parts: Buffer[]) => void): void {
  run([wire]);
  run(Array.from(wire, (_, i) => wire.subarray(i, i + 1)));
  for (let at = 1; at < wire.length; at++) run([wire.subarray(0, at), wire.subarray(at)]);
}

describe('MsrpDecoder', () => {
  const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.msrp'));

  it.each(names)('decodes %s identically whole, byte by byte and split at every offset', (name) => {
    const wire = fixture(name);
    const reference = decode([wire]);
    expect(reference.length).toBeGreaterThan(1);
    forEachSplit(wire, (parts) => expect(decode(parts)).toEqual(reference));
  });

  it('reads a SEND: start line, headers in order, body, flag', () => {
    const [head, body, end] = decode([fixture('send-text.msrp')]);
    expect(head).toMatchObject({
      type: 'head',
      head: { kind: 'request', transactionId: 'a786hjs2', method: 'SEND' },
    });
    if (head?.type !== 'head') throw new Error('no head');
    expect(head.head.headers.map(([name]) => name)).toEqual([
      'To-Path',
      'From-Path',
      'Message-ID',
      'Byte-Range',
      'Content-Type',
    ]);
    expect(header(head.head, 'message-id')).toBe('87652491');
    expect(body).toEqual({ type: 'body', data: 'Hey Bob, are you there?' });
    expect(end).toEqual({ type: 'end', flag: '$', bodyBytes: 23 });
  });

  it('reads a response and a bodiless request', () => {
    expect(decode([fixture('response-200.msrp')])[0]).toMatchObject({
      head: { kind: 'response', status: 200, comment: 'OK' },
    });
    expect(decode([fixture('send-bodiless.msrp')]).slice(1)).toEqual([
      { type: 'end', flag: '$', bodyBytes: 0 },
    ]);
  });

  it('keeps look-alike end-lines inside the body', () => {
    const events = decode([fixture('send-tricky-body.msrp')]);
    expect(events[1]).toEqual({
      type: 'body',
      data: 'line\r\n-------other$\r\n-------tid12345x\r\n--\r\n-------tid1234\r',
    });
    expect(events[2]).toMatchObject({ flag: '+' });
  });

  it('reads two chunks back to back, an aborted chunk and an empty body', () => {
    expect(decode([fixture('two-chunks.msrp')]).filter((e) => e.type !== 'head')).toEqual([
      { type: 'body', data: 'hello' },
      { type: 'end', flag: '+', bodyBytes: 5 },
      { type: 'body', data: 'world' },
      { type: 'end', flag: '$', bodyBytes: 5 },
    ]);
    expect(decode([fixture('send-aborted.msrp')]).at(-1)).toEqual({
      type: 'end',
      flag: '#',
      bodyBytes: 7,
    });
    expect(decode([fixture('send-empty-body.msrp')]).at(-1)).toEqual({
      type: 'end',
      flag: '$',
      bodyBytes: 0,
    });
  });

  const errorNames = readdirSync(new URL('errors/', FIXTURES));
  it.each(errorNames)('refuses errors/%s with a coded error, whatever the split', (name) => {
    const wire = fixture(`errors/${name}`);
    forEachSplit(wire, (parts) => {
      const error = (() => {
        try {
          decode(parts);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(MsrpError);
    });
  });

  it('enforces the line and header limits before buffering more', () => {
    const decoder = new MsrpDecoder(IGNORE, { maxLineBytes: 100, maxHeaderBytes: 300 });
    expect(() => decoder.write(Buffer.alloc(200, 0x41))).toThrow(
      expect.objectContaining({ code: 'MSRP_ERR_LINE_TOO_LONG' }),
    );
    expect(() => decoder.write(Buffer.from('x'))).toThrow(
      expect.objectContaining({ code: 'MSRP_ERR_DECODER_FAILED' }),
    );
    const headers = new MsrpDecoder(IGNORE, { maxLineBytes: 100, maxHeaderBytes: 300 });
    headers.write(Buffer.from('MSRP abcd1234 SEND\r\n'));
    expect(() => {
      for (let i = 0; i < 20; i++)
        headers.write(Buffer.from(`X-Header-${i}: ${'v'.repeat(40)}\r\n`));
    }).toThrow(expect.objectContaining({ code: 'MSRP_ERR_HEADERS_TOO_LARGE' }));
  });

  it('round-trips what the encoder writes, binary bodies included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.constantFrom('$', '+', '#'),
        (bytes, flag) => {
          const body = Buffer.from(bytes);
          const wire = Buffer.concat([
            ...encodeRequest({
              transactionId: 'rt012345',
              method: 'SEND',
              toPath: ['msrp://b:1/s;tcp'],
              fromPath: ['msrp://a:1/s;tcp'],
              headers: [
                ['Message-ID', 'm'],
                ['Byte-Range', `1-${body.length}/${body.length}`],
              ],
              contentType: 'application/octet-stream',
              body,
              flag,
            }),
            encodeResponse({
              transactionId: 'rt012345',
              status: 200,
              toPath: ['msrp://a:1/s;tcp'],
              fromPath: ['msrp://b:1/s;tcp'],
            }),
          ]);
          const events = decode([wire]);
          const received = events.find((e) => e.type === 'body');
          expect(
            received?.type === 'body' ? Buffer.from(received.data, 'latin1') : Buffer.alloc(0),
          ).toEqual(body);
          expect(
            events.filter((e) => e.type === 'end').map((e) => e.type === 'end' && e.flag),
          ).toEqual([flag, '$']);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws only MsrpError on random and mutated input', () => {
    const valid = readdirSync(FIXTURES)
      .filter((n) => n.endsWith('.msrp'))
      .map((n) => fixture(n));
    const mutated = fc
      .tuple(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      )
      .map(([wire, edits]) => {
        const copy = Buffer.from(wire);
        for (const [at, byte] of edits) copy[at % copy.length] = byte;
        return copy;
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
          mutated,
        ),
        fc.nat(),
        (wire, cut) => {
          const decoder = new MsrpDecoder(IGNORE);
          const at = wire.length === 0 ? 0 : cut % wire.length;
          try {
            decoder.write(wire.subarray(0, at));
            decoder.write(wire.subarray(at));
          } catch (err) {
            if (!(err instanceof MsrpError)) throw err;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
