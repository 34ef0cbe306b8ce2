/**
 * Which bytes of a message have arrived (RFC 4975 §7.1.1): chunks may come out of order and overlap;
 * the `$` chunk fixes the total. Ranges are 0-based, end-exclusive, kept merged and sorted in two
 * parallel arrays, so that a piece is placed by binary search and merged with its neighbours only:
 * in-order pieces cost O(log n), and a sender scattering tiny chunks cannot make each one cost a sort.
 */
export class ByteRangeTracker {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  #received = 0;
  #total: number | undefined;

  /** Records bytes [start, start + length). */
  add(start: number, length: number): void {
    if (length <= 0) return;
    const end = start + length;
    const [first, last] = this.#touching(start, end);
    if (first > last) {
      this.#starts.splice(first, 0, start);
      this.#ends.splice(first, 0, end);
      this.#received += length;
      return;
    }
    // Ranges first..last touch or overlap [start, end): replace them with their union.
    const from = Math.min(start, this.#starts[first] ?? start);
    const to = Math.max(end, this.#ends[last] ?? end);
    let covered = 0;
    for (let i = first; i <= last; i++) covered += (this.#ends[i] ?? 0) - (this.#starts[i] ?? 0);
    this.#starts.splice(first, last - first + 1, from);
    this.#ends.splice(first, last - first + 1, to);
    this.#received += to - from - covered;
  }

  /** How many disjoint ranges there would be once [start, start + length) is added. */
  rangesWith(start: number, length: number): number {
    if (length <= 0) return this.#starts.length;
    const [first, last] = this.#touching(start, start + length);
    return this.#starts.length - (last - first + 1) + 1;
  }

  /** Disjoint ranges received so far (1 for a message arriving in order). */
  get ranges(): number {
    return this.#starts.length;
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
    return this.#received;
  }

  /** True when the total is known and every byte of it arrived. */
  get complete(): boolean {
    if (this.#total === undefined) return false;
    if (this.#total === 0) return true;
    return this.#starts[0] === 0 && (this.#ends[0] ?? 0) >= this.#total;
  }

  /**
   * Indexes [first, last] of the ranges that overlap or touch [start, end); first > last when none does
   * (first is then where a new range goes).
   */
  #touching(start: number, end: number): [number, number] {
    // First range whose end reaches start; last range whose start is not after end.
    const first = lowerBound(this.#ends, start);
    const last = lowerBound(this.#starts, end + 1) - 1;
    return [first, last];
  }
}

/** Index of the first element of sorted `values` that is >= `value`. */
function lowerBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] ?? 0) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
