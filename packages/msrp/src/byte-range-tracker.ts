/**
 * Which bytes of a message have arrived (RFC 4975 §7.1.1): chunks may come out of order and overlap;
 * the `$` chunk fixes the total. Intervals are 0-based, end-exclusive, kept merged and sorted.
 */
export class ByteRangeTracker {
  #intervals: [number, number][] = [];
  #total: number | undefined;

  /** Records bytes [start, start + length). */
  add(start: number, length: number): void {
    if (length <= 0) return;
    const merged: [number, number][] = [];
    let [from, to] = [start, start + length];
    for (const [a, b] of this.#intervals) {
      if (b < from || a > to) merged.push([a, b]);
      else [from, to] = [Math.min(a, from), Math.max(b, to)];
    }
    merged.push([from, to]);
    this.#intervals = merged.sort((x, y) => x[0] - y[0]);
  }

  /** Sets the message's total size (from the `$` chunk or a Byte-Range total). */
  set total(total: number) {
    this.#total = total;
  }

  get total(): number | undefined {
    return this.#total;
  }

  /** Bytes received (overlaps counted once). */
  get received(): number {
    return this.#intervals.reduce((sum, [a, b]) => sum + b - a, 0);
  }

  /** True when the total is known and every byte of it arrived. */
  get complete(): boolean {
    if (this.#total === undefined) return false;
    if (this.#total === 0) return true;
    const [first] = this.#intervals;
    return this.#intervals.length === 1 && first?.[0] === 0 && first[1] >= this.#total;
  }
}
