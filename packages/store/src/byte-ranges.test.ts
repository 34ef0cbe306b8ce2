import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteRanges } from './byte-ranges.js';

describe('ByteRanges', () => {
  it('merges adjacent, overlapping and out-of-order ranges', () => {
    const ranges = new ByteRanges();
    ranges.add(20, 30);
    ranges.add(0, 10);
    expect(ranges.count).toBe(2);
    expect(ranges.firstGap(30)).toBe(10);
    ranges.add(10, 20);
    expect(ranges.count).toBe(1);
    expect(ranges.coversPrefix(30)).toBe(true);
    expect(ranges.coversPrefix(31)).toBe(false);
    ranges.add(5, 5);
    expect(ranges.count).toBe(1);
  });

  it('reports a missing start', () => {
    const ranges = new ByteRanges();
    expect(ranges.coversPrefix(0)).toBe(true);
    ranges.add(1, 10);
    expect(ranges.firstGap(10)).toBe(0);
  });

  it('agrees with a byte map for any sequence of writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(200), fc.nat(50)), { maxLength: 40 }),
        fc.nat(260),
        (writes, size) => {
          const ranges = new ByteRanges();
          const written = new Uint8Array(260);
          for (const [start, length] of writes) {
            ranges.add(start, start + length);
            written.fill(1, start, start + length);
          }
          const missing = written.subarray(0, size).indexOf(0);
          expect(ranges.firstGap(size)).toBe(missing === -1 ? undefined : missing);
        },
      ),
    );
  });
});
