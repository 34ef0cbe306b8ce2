/**
 * The byte ranges of a message written so far, merged: chunks may arrive out of order and overlap
 * (RFC 4975 §7.3.1), and a commit must know that no byte is missing.
 */
export class ByteRanges {
  /** Sorted, disjoint, non-adjacent `[start, end)` pairs. */
  #ranges: [number, number][] = [];

  /** Adds `[start, end)`. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const merged: [number, number][] = [];
    let current: [number, number] = [start, end];
    for (const range of this.#ranges) {
      if (range[1] < current[0] || range[0] > current[1]) merged.push(range);
      else current = [Math.min(range[0], current[0]), Math.max(range[1], current[1])];
    }
    merged.push(current);
    this.#ranges = merged.sort((a, b) => a[0] - b[0]);
  }

  /** True when every byte of `[0, size)` was added. */
  coversPrefix(size: number): boolean {
    if (size === 0) return true;
    const first = this.#ranges[0];
    return first?.[0] === 0 && first[1] >= size;
  }

  /** The first missing byte below `size`, or undefined when none is missing. */
  firstGap(size: number): number | undefined {
    if (this.coversPrefix(size)) return undefined;
    const first = this.#ranges[0];
    return first?.[0] === 0 ? first[1] : 0;
  }

  /** Number of disjoint ranges (1 for a message written in order). */
  get count(): number {
    return this.#ranges.length;
  }
}
