import type { AddressInfo } from 'node:net';
import type { Logger, MinuteCounters } from '@pigeonhole/app-runtime';
import {
  MsrpServer,
  parseMsrpUri,
  type MsrpConnection,
  type SessionHandler,
} from '@pigeonhole/msrp';
import type { DeliverProducer } from '@pigeonhole/queue';
import {
  StoreError,
  StoreErrorCode,
  type MessageStore,
  type SessionStore,
} from '@pigeonhole/store';
import type { Redis } from 'ioredis';
import type { MediaMetrics } from './media-metrics.js';
import { UploadSession } from './upload-session.js';

/** What the media server works with. */
export interface MediaDeps {
  readonly messages: MessageStore;
  readonly sessions: SessionStore;
  /** A connection in subscriber mode, for the ended-session notices (BYE handled by signalling). */
  readonly subscriber: Redis;
  readonly deliver: DeliverProducer;
  readonly metrics: MediaMetrics;
  readonly figures: MinuteCounters;
  readonly log: Logger;
  /** How long a bound session lives without a BYE. @defaultValue 3600 */
  readonly boundTtlSeconds?: number;
}

/** Where the media server listens. */
export interface MediaListen {
  readonly host: string;
  readonly tcpPort: number;
  readonly wsPort?: number;
  readonly tls?: { readonly port: number; readonly key: Buffer; readonly cert: Buffer };
}

/** A running media server. */
export interface MediaServer {
  readonly tcp: AddressInfo;
  readonly ws: AddressInfo | undefined;
  close(): Promise<void>;
}

/**
 * The MSRP endpoint of storing sessions. Any instance accepts any session reserved in Redis by
 * signalling: the first request binds it to this connection (RFC 4975 §7.3.1: 481 unknown, 506 bound
 * elsewhere), the sender's From-Path must match the reservation, and message bodies stream into the store.
 */
export async function startMediaServer(deps: MediaDeps, listen: MediaListen): Promise<MediaServer> {
  const server = new MsrpServer({
    resolveSession: (request) => resolveSession(deps, request),
  });
  // The server binds each session to one connection of this instance; Redis, across instances.
  server.on('sessionBound', () => deps.metrics.activeSessions.set(server.boundSessions));
  server.on('sessionReleased', (sessionId) => {
    deps.metrics.activeSessions.set(server.boundSessions);
    // The reservation would expire by itself (bound TTL); ending it now frees it for the dashboard.
    void deps.sessions
      .end(sessionId)
      .catch((err: unknown) => deps.log.warn({ err, sessionId }, 'session not ended'));
  });
  server.on('connection', (connection) => {
    const log = deps.log.child({
      connection: connection.id,
      remote: connection.transport.remote,
      transport: connection.transport.kind,
    });
    connection.on('protocolError', (err) =>
      log.warn({ code: err.code, err: err.message }, 'MSRP input refused'),
    );
  });
  await deps.subscriber.subscribe(deps.sessions.endedChannel);
  deps.subscriber.on('message', (_channel: string, sessionId: string) => {
    // BYE: close the connection after the chunks already received are answered.
    void server.connectionOf(sessionId)?.close();
  });
  const tcp = await server.listenTcp({ host: listen.host, port: listen.tcpPort });
  const ws =
    listen.wsPort === undefined
      ? undefined
      : await server.listenWebSocket({ host: listen.host, port: listen.wsPort });
  if (listen.tls)
    await server.listenTcp({
      host: listen.host,
      port: listen.tls.port,
      tls: { key: listen.tls.key, cert: listen.tls.cert },
    });
  return {
    tcp,
    ws,
    async close() {
      await deps.subscriber.unsubscribe(deps.sessions.endedChannel).catch(() => undefined);
      await server.close();
    },
  };
}

async function resolveSession(
  deps: MediaDeps,
  request: { sessionId: string; fromPath: readonly string[]; connection: MsrpConnection },
): Promise<SessionHandler | number> {
  const reservation = await deps.sessions.get(request.sessionId);
  if (!reservation) return 481;
  if (!sameSender(reservation.peerPath, request.fromPath)) return 403;
  try {
    await deps.sessions.bind(
      request.sessionId,
      request.connection.id,
      deps.boundTtlSeconds ?? 3600,
    );
  } catch (err) {
    if (err instanceof StoreError && err.code === StoreErrorCode.SESSION_BOUND) return 506;
    if (err instanceof StoreError && err.code === StoreErrorCode.NOT_FOUND) return 481;
    throw err;
  }
  return new UploadSession(reservation, {
    messages: deps.messages,
    log: deps.log.child({ session: request.sessionId }),
    events: {
      onBytes: (count) => {
        deps.metrics.bytesIn.inc(count);
        deps.figures.add('msrp_bytes_in', count);
      },
      onCommitted: (message) => {
        deps.metrics.committed.inc();
        deps.figures.add('stored');
        // The recipient may have registered during the upload: let delivery look.
        void deps.deliver.enqueue({ aor: message.to, reason: 'stored' }).catch(() => undefined);
      },
      onAborted: (reason) => deps.metrics.aborted.inc({ reason }),
    },
  });
}

/** The sender is the last URI of From-Path; it must be the URI its SDP offer announced. */
function sameSender(expected: readonly string[], fromPath: readonly string[]): boolean {
  const announced = expected.at(-1);
  const actual = fromPath.at(-1);
  if (!announced || !actual) return false;
  try {
    const a = parseMsrpUri(announced);
    const b = parseMsrpUri(actual);
    return a.sessionId === b.sessionId && a.secure === b.secure;
  } catch {
    return false;
  }
}
