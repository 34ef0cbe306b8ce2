import { describe, expect, it } from 'vitest';
import { randomHex } from './random-hex.js';

describe('randomHex', () => {
  it('gives identifiers of the asked length that never repeat, across many pool refills', () => {
    // 20 000 identifiers of 10 bytes take the 4 KiB pool ~50 times over, refills and boundaries included.
    const ids = Array.from({ length: 20_000 }, () => randomHex(10));
    expect(ids.every((id) => /^[0-9a-f]{20}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('serves a request larger than the pool', () => {
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });
});
