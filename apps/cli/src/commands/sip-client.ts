import type { Env } from '@pigeonhole/config';
import { PigeonholeClient, type ClientOptions } from '@pigeonhole/client';

/** Who the CLI acts for, and what it does with what arrives. */
export type ClientIdentity = Pick<ClientOptions, 'user' | 'password' | 'onMessage' | 'onFile'>;

/**
 * A started `@pigeonhole/client` (SIP.js) for the user, on the service's SIP WebSocket at SIP_HOST
 * and SIP_WS_PORT: the same client code as a browser's.
 */
export async function openClient(env: Env, identity: ClientIdentity): Promise<PigeonholeClient> {
  const host = env.SIP_HOST.includes(':') ? `[${env.SIP_HOST}]` : env.SIP_HOST;
  const client = new PigeonholeClient({
    server: `ws://${host}:${env.SIP_WS_PORT}`,
    domain: env.SIP_DOMAIN,
    ...identity,
  });
  try {
    await client.start();
  } catch (err) {
    throw new Error(
      `cannot reach the service's SIP WebSocket at ws://${host}:${env.SIP_WS_PORT}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return client;
}
