import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { Registry } from 'prom-client';

/** A readiness check: resolves true when the dependency it checks is usable. */
export type ReadinessCheck = () => Promise<boolean>;

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly registry: Registry;
  /** Named checks run by `/readyz`, e.g. `{ redis: () => ping() }`. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
}

/** The ops endpoints of an app. */
export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/healthz` (the process is up), `/readyz` (every check passes: 200, else 503 with the
 * failing checks) and `/metrics` (Prometheus text format).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    void route(options, req.url ?? '/').then(({ status, type, body }) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return { port: listeningPort(server), close: () => closeServer(server) };
}

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

async function route(options: OpsServerOptions, url: string): Promise<Reply> {
  const path = url.split('?')[0];
  if (path === '/healthz') return { status: 200, type: 'text/plain', body: 'ok\n' };
  if (path === '/readyz') return readiness(options.checks);
  if (path === '/metrics') {
    return {
      status: 200,
      type: options.registry.contentType,
      body: await options.registry.metrics(),
    };
  }
  return { status: 404, type: 'text/plain', body: 'not found\n' };
}

async function readiness(checks: Readonly<Record<string, ReadinessCheck>>): Promise<Reply> {
  const results = await Promise.all(
    Object.entries(checks).map(
      async ([name, check]) => [name, await check().catch(() => false)] as const,
    ),
  );
  const ready = results.every(([, ok]) => ok);
  return {
    status: ready ? 200 : 503,
    type: 'application/json',
    body: `${JSON.stringify(Object.fromEntries(results))}\n`,
  };
}

function listeningPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
