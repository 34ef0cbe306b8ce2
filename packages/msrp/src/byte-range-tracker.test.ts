// The byte-range bookkeeping of incoming messages: agrees with a byte map, and stays fast on scattered pieces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteRangeTracker } from './index.js';

describe('ByteRangeTracker', () => {
  it('agrees with a byte-by-byte model for any pieces in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(200), fc.nat(40)), { maxLength: 60 }),
        fc.nat(240),
        (pieces, total) => {
          const tracker = new ByteRangeTracker();
          const seen = new Uint8Array(256);
          for (const [start, length] of pieces) {
            const expectedRanges = tracker.rangesWith(start, length);
            tracker.add(start, length);
            seen.fill(1, start, start + length);
            expect(tracker.ranges).toBe(expectedRanges);
          }
          const runs = [...seen].filter((v, i) => v === 1 && (i === 0 || seen[i - 1] === 0));
          expect(tracker.ranges).toBe(runs.length);
          expect(tracker.received).toBe(seen.reduce((sum, v) => sum + v, 0));
          tracker.total = total;
          expect(tracker.complete).toBe(seen.subarray(0, total).every((v) => v === 1));
        },
      ),
    );
  });

  // Its speed (binary search, merges with neighbours only) is in the benchmark's domain, not asserted here.
  it('records 20 000 scattered 1-byte pieces, then their gaps', () => {
    const tracker = new ByteRangeTracker();
    for (let i = 20_000; i > 0; i--) tracker.add(i * 2, 1);
    expect(tracker.ranges).toBe(20_000);
    for (let i = 0; i <= 20_000; i++) tracker.add(i * 2 + 1, 1);
    tracker.add(0, 2);
    tracker.total = 40_002;
    expect(tracker.complete).toBe(true);
  });
});
