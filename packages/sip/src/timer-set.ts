/** The timers of one transaction, cleared together when it ends. Unref'd: they never keep a process up. */
export class TimerSet {
  readonly #timers: NodeJS.Timeout[] = [];

  /** Runs `run` after `ms`. */
  after(ms: number, run: () => void): void {
    const timer = setTimeout(run, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  clear(): void {
    for (const timer of this.#timers.splice(0)) clearTimeout(timer);
  }
}
