import type { Env } from '@pigeonhole/config';
import { UserStore } from '@pigeonhole/store';
import { withRedis } from './redis-session.js';
import { UsageError } from './usage-error.js';

/** `pigeonhole users add NAME PASSWORD | remove NAME | list`: the SIP digest users (RFC 3261 §22). */
export async function usersCommand(
  env: Env,
  argv: readonly string[],
  print: (line: string) => void,
): Promise<number> {
  const [action, name, password] = argv;
  const valid =
    (action === 'add' && name !== undefined && password !== undefined) ||
    (action === 'remove' && name !== undefined) ||
    action === 'list';
  if (!valid) throw new UsageError('users add NAME PASSWORD | users remove NAME | users list');
  return withRedis(env, async (client) => {
    const users = new UserStore({ client, prefix: env.REDIS_PREFIX });
    if (action === 'add' && name && password) {
      await users.add(name, password, env.SIP_DOMAIN);
      print(`added ${name}@${env.SIP_DOMAIN}`);
      return 0;
    }
    if (action === 'remove' && name) {
      const removed = await users.remove(name);
      print(removed ? `removed ${name}` : `no user ${name}`);
      return removed ? 0 : 1;
    }
    for (const user of await users.list()) print(user);
    return 0;
  });
}
