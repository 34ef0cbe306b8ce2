import { describe, expect, it } from 'vitest';
import { ChunkAssembler } from './chunk-assembler.js';

const bytes = (from: number, length: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));

describe('ChunkAssembler', () => {
  it('joins reads of any size into whole chunks at their offsets, keeping the bytes in order', () => {
    const assembler = new ChunkAssembler(8);
    const whole = [
      ...assembler.add(0, bytes(0, 3)),
      ...assembler.add(3, bytes(3, 7)), // crosses the first boundary
      ...assembler.add(10, bytes(10, 13)), // completes a chunk and holds 7 more
    ];
    expect(whole.map((piece) => piece.offset)).toEqual([0, 8]);
    expect(Buffer.concat(whole.map((piece) => piece.data))).toEqual(bytes(0, 16));
    expect(assembler.take()).toEqual({ offset: 16, data: bytes(16, 7) });
    expect(assembler.take()).toBeUndefined();
  });

  it('takes a write that continues what it holds, or starts at a chunk boundary, and nothing else', () => {
    const assembler = new ChunkAssembler(8);
    expect(assembler.accepts(5)).toBe(false);
    expect(assembler.accepts(16)).toBe(true);
    assembler.add(16, bytes(16, 2));
    expect(assembler.accepts(18)).toBe(true);
    expect(assembler.accepts(24)).toBe(false);
  });
});
