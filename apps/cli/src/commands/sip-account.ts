import type { Env } from '@pigeonhole/config';
import { SipEndpoint, type RequestTarget } from '@pigeonhole/sip';

/** A user of the service as the CLI acts for them: who, with which password, through which server. */
export interface SipAccount {
  readonly user: string;
  readonly password: string;
  readonly domain: string;
  readonly server: RequestTarget;
  readonly endpoint: SipEndpoint;
  /** Our own address as the server reaches it: the Contact of our requests. */
  readonly contact: string;
  close(): Promise<void>;
}

/** Opens a SIP endpoint on an ephemeral UDP port of SIP_HOST that talks to the service's UDP listener. */
export async function openAccount(
  env: Env,
  { user, password }: { user: string; password: string },
): Promise<SipAccount> {
  const endpoint = new SipEndpoint();
  const local = await endpoint.listenUdp({ host: env.SIP_HOST, port: 0 });
  const host = env.SIP_HOST.includes(':') ? `[${env.SIP_HOST}]` : env.SIP_HOST;
  return {
    user,
    password,
    domain: env.SIP_DOMAIN,
    server: { transport: 'udp', host: env.SIP_HOST, port: env.SIP_UDP_PORT },
    endpoint,
    contact: `sip:${user}@${host}:${local.port}`,
    close: () => endpoint.close(),
  };
}

/** REGISTERs the account's contact for `expires` seconds (0 removes it), answering the challenge. */
export async function register(account: SipAccount, expires: number): Promise<void> {
  const response = await account.endpoint.request(
    {
      method: 'REGISTER',
      uri: `sip:${account.domain}`,
      from: `<sip:${account.user}@${account.domain}>`,
      to: `<sip:${account.user}@${account.domain}>`,
      headers: [
        ['Contact', `<${account.contact}>`],
        ['Expires', String(expires)],
      ],
    },
    account.server,
    { credentials: account },
  );
  if (response.status !== 200)
    throw new Error(`REGISTER answered ${response.status} ${response.reason}`);
}
