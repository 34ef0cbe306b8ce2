import { MinuteCounters } from '@pigeonhole/app-runtime';
import type { Env } from '@pigeonhole/config';
import { MessageStore } from '@pigeonhole/store';
import { withRedis } from './redis-session.js';

/** `pigeonhole stats`: the dashboard's overview as text: stored messages per recipient, figures. */
export async function statsCommand(env: Env, print: (line: string) => void): Promise<number> {
  return withRedis(env, async (client) => {
    const messages = new MessageStore({ client, prefix: env.REDIS_PREFIX });
    const recipients = await messages.recipients();
    const figures = new MinuteCounters(client, env.REDIS_PREFIX);
    try {
      const lastMinutes = await figures.last(15);
      print(`recipients with stored messages: ${recipients.length}`);
      for (const r of recipients)
        print(
          `  ${r.aor}  ${r.count} ${r.count === 1 ? 'message' : 'messages'}, ${r.bytes} bytes, oldest ${age(r.oldestCreatedAt)}`,
        );
      const totals = new Map<string, number>();
      for (const minute of lastMinutes)
        for (const [name, value] of Object.entries(minute.values))
          totals.set(name, (totals.get(name) ?? 0) + value);
      print(
        `last 15 minutes: ${[...totals].map(([name, value]) => `${name} ${value}`).join(', ') || 'nothing'}`,
      );
      return 0;
    } finally {
      await figures.close();
    }
  });
}

function age(at: number | undefined): string {
  if (at === undefined) return '-';
  const seconds = Math.max(0, Math.round((Date.now() - at) / 1000));
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}
