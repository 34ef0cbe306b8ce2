import type { Redis } from 'ioredis';

/** The figures every instance adds to, summed per minute across instances for the dashboard. */
export const FIGURES = [
  'stored',
  'delivered',
  'expired',
  'declined',
  'forwarded',
  'failed',
  'msrp_bytes_in',
  'msrp_bytes_out',
] as const;

export type Figure = (typeof FIGURES)[number];

/** One minute of figures, all instances summed. */
export interface MinuteFigures {
  /** Start of the minute, ms since the epoch. */
  readonly minute: number;
  readonly values: Readonly<Record<Figure, number>>;
}

/** Minutes kept in Redis. */
const KEEP_SECONDS = 2 * 3600;
/** How often pending increments are flushed: one pipeline per second, not one command per event. */
const FLUSH_MS = 1000;

const minuteOf = (ms: number): number => ms - (ms % 60_000);

/**
 * Per-minute counters in Redis (`<prefix>:stats:<minute>` hashes), shared by every instance so that the
 * dashboard shows service-wide rates. Increments are batched in memory and flushed every second; a
 * crash loses at most that second of figures (figures, never messages).
 */
export class MinuteCounters {
  readonly #redis: Redis;
  readonly #prefix: string;
  #pending = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), FLUSH_MS);
    this.#timer.unref();
  }

  /** Adds `n` to `figure` in the current minute. */
  add(figure: Figure, n = 1): void {
    const field = `${minuteOf(Date.now())}|${figure}`;
    this.#pending.set(field, (this.#pending.get(field) ?? 0) + n);
  }

  /** Writes pending increments now. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    const pipeline = this.#redis.pipeline();
    for (const [field, n] of pending) {
      const [minute, figure] = field.split('|') as [string, string];
      const key = this.#key(Number(minute));
      pipeline.hincrby(key, figure, n).expire(key, KEEP_SECONDS);
    }
    await pipeline.exec();
  }

  /** The last `count` minutes, oldest first, the current one included. */
  async last(count: number): Promise<MinuteFigures[]> {
    const now = minuteOf(Date.now());
    const minutes = Array.from({ length: count }, (_, i) => now - (count - 1 - i) * 60_000);
    const pipeline = this.#redis.pipeline();
    for (const minute of minutes) pipeline.hgetall(this.#key(minute));
    const replies = (await pipeline.exec()) ?? [];
    return minutes.map((minute, i) => {
      const hash = (replies[i]?.[1] ?? {}) as Record<string, string>;
      const values = Object.fromEntries(FIGURES.map((f) => [f, Number(hash[f] ?? 0)])) as Record<
        Figure,
        number
      >;
      return { minute, values };
    });
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #key(minute: number): string {
    return `${this.#prefix}:stats:${minute}`;
  }
}
