/** A one-line progress bar on a terminal; plain percentage lines (every 10 %) elsewhere. */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #out: NodeJS.WriteStream;
  #lastDecile = -1;
  #lastDrawn = 0;

  constructor(label: string, total: number, out: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#out = out;
  }

  update(done: number): void {
    const fraction = Math.min(1, done / this.#total);
    if (!this.#out.isTTY) {
      const decile = Math.floor(fraction * 10);
      if (decile === this.#lastDecile) return;
      this.#lastDecile = decile;
      this.#out.write(`${this.#label} ${decile * 10}% (${mebibytes(done)} MiB)\n`);
      return;
    }
    const now = Date.now();
    if (fraction < 1 && now - this.#lastDrawn < 100) return; // at most ten redraws a second
    this.#lastDrawn = now;
    const width = 30;
    const filled = Math.round(fraction * width);
    this.#out.write(
      `\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mebibytes(done)}/${mebibytes(this.#total)} MiB`,
    );
    if (fraction === 1) this.#out.write('\n');
  }
}

const mebibytes = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
