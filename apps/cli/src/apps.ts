import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STREAMING_PROCESS } from '@pigeonhole/app-runtime';
import type { Env } from '@pigeonhole/config';

/** One app of the service, as the start command runs it: a child process of its own. */
export interface AppSpec {
  readonly name: 'signalling' | 'media' | 'delivery' | 'dashboard';
  /** Where it listens, for the startup summary. */
  readonly listens: (env: Env) => string;
  /** Node options the app's process starts with. */
  readonly nodeOptions?: readonly string[];
  /** Environment variables the app's process starts with, beyond the service's own. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Its `/readyz`: 200 once it listens and reaches Redis. Undefined when its port is 0 (chosen by the
   * system, so not known here): it counts as ready once started.
   */
  readonly readyUrl: (env: Env) => string | undefined;
}

const opsReady = (port: (env: Env) => number) => (env: Env) =>
  port(env) === 0 ? undefined : `http://${env.OPS_HOST}:${port(env)}/readyz`;

export const APPS: readonly AppSpec[] = [
  {
    name: 'signalling',
    readyUrl: opsReady((e) => e.SIGNALLING_OPS_PORT),
    listens: (e) =>
      `SIP udp ${e.SIP_HOST}:${e.SIP_UDP_PORT}, tcp ${e.SIP_HOST}:${e.SIP_TCP_PORT}, ws ${e.SIP_HOST}:${e.SIP_WS_PORT}` +
      `${e.TLS_CERT_FILE ? `, tls ${e.SIP_HOST}:${e.SIP_TLS_PORT}, wss ${e.SIP_HOST}:${e.SIP_WSS_PORT}` : ''}, domain ${e.SIP_DOMAIN}`,
  },
  {
    name: 'media',
    readyUrl: opsReady((e) => e.MEDIA_OPS_PORT),
    listens: (e) =>
      `MSRP tcp ${e.MSRP_HOST}:${e.MSRP_TCP_PORT}, ws ${e.MSRP_HOST}:${e.MSRP_WS_PORT}`,
    ...STREAMING_PROCESS,
  },
  {
    name: 'delivery',
    ...STREAMING_PROCESS,
    readyUrl: opsReady((e) => e.DELIVERY_OPS_PORT),
    listens: (e) => `BullMQ worker; MSRP ws ${e.MSRP_HOST}:${e.DELIVERY_MSRP_WS_PORT} for browsers`,
  },
  {
    name: 'dashboard',
    readyUrl: (e) =>
      e.DASHBOARD_PORT === 0 ? undefined : `http://${e.DASHBOARD_HOST}:${e.DASHBOARD_PORT}/readyz`,
    listens: (e) => `http://${e.DASHBOARD_HOST}:${e.DASHBOARD_PORT}/`,
  },
];

/** The built entry point of an app, resolved from this package's place in the workspace. */
export function appEntry(app: AppSpec): string {
  return fileURLToPath(new URL(`../../${app.name}/dist/main.js`, import.meta.url));
}

/** True when the app exists and is built. */
export function isBuilt(app: AppSpec): boolean {
  return existsSync(appEntry(app));
}
