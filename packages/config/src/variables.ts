import { z } from 'zod';

/** One environment variable: its schema (with its default) and the form it expects, for error messages. */
export interface VariableSpec {
  readonly schema: z.ZodType;
  readonly expected: string;
  readonly description: string;
  /** A password or token: an error names the variable but never prints its value. */
  readonly secret?: true;
}

/** Decimal digits only: `Number()` would also take ' ' (as 0), '0x10' or '1e3'. */
const integer = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER));
const port = (fallback: number) => integer.pipe(z.number().max(65535)).default(fallback);
const positiveInt = (fallback: number) => integer.pipe(z.number().positive()).default(fallback);
const text = (fallback: string) => z.string().min(1).default(fallback);
const host = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9.:\-[\]]+$/)
    .default(fallback);

const PORT = 'a port number 0-65535';
const HOST = 'a host name or IP address';
const POSITIVE = 'a positive integer';

/** Every variable the service reads, with its default. The README's table lists the same names. */
export const VARIABLES = {
  SIP_DOMAIN: {
    // Host names compare case-insensitively (RFC 3261 §19.1.4); parsed URIs carry them in lower case.
    schema: host('localhost').transform((domain) => domain.toLowerCase()),
    expected: HOST,
    description: 'The SIP domain this server is responsible for',
  },
  SIP_HOST: {
    schema: host('127.0.0.1'),
    expected: HOST,
    description: 'Address the SIP listeners bind',
  },
  SIP_UDP_PORT: { schema: port(5060), expected: PORT, description: 'SIP over UDP' },
  SIP_TCP_PORT: { schema: port(5060), expected: PORT, description: 'SIP over TCP' },
  SIP_WS_PORT: { schema: port(5066), expected: PORT, description: 'SIP over WebSocket (RFC 7118)' },
  SIP_TLS_PORT: {
    schema: port(5061),
    expected: PORT,
    description: 'SIP over TLS, when TLS_CERT_FILE is set',
  },
  SIP_WSS_PORT: {
    schema: port(5067),
    expected: PORT,
    description: 'SIP over secure WebSocket (RFC 7118), when TLS_CERT_FILE is set',
  },
  SIP_USERS: {
    schema: z
      .string()
      .regex(/^[^:,\s]+:[^,\s]+(,[^:,\s]+:[^,\s]+)*$/)
      .optional(),
    expected: 'user:password pairs separated by commas, e.g. alice:secret,bob:secret',
    description: 'Digest users seeded at startup (labs and tests)',
    secret: true,
  },
  SIP_FOREIGN_SENDERS: {
    schema: z.enum(['reject', 'accept']).default('reject'),
    expected: 'reject or accept',
    description:
      'MESSAGE and INVITE from senders outside SIP_DOMAIN: declined (603) or taken without authentication',
  },
  SIP_RECIPIENTS: {
    schema: z.enum(['users', 'domain']).default('users'),
    expected: 'users or domain',
    description:
      'Who messages are kept for: users of ours (others get 404), or any AOR of SIP_DOMAIN (behind an IMS core that knows the users)',
  },
  REGISTER_MIN_EXPIRES: {
    schema: positiveInt(60),
    expected: POSITIVE,
    description: 'Shortest registration (shorter gets 423)',
  },
  REGISTER_MAX_EXPIRES: {
    schema: positiveInt(3600),
    expected: POSITIVE,
    description: 'Longest registration granted',
  },
  MSRP_HOST: {
    schema: host('127.0.0.1'),
    expected: HOST,
    description: 'Address the MSRP listeners bind',
  },
  MSRP_TCP_PORT: { schema: port(2855), expected: PORT, description: 'MSRP over TCP' },
  MSRP_WS_PORT: {
    schema: port(2856),
    expected: PORT,
    description: 'MSRP over WebSocket (RFC 7977)',
  },
  MSRP_TLS_PORT: {
    schema: port(2857),
    expected: PORT,
    description: 'MSRP over TLS, when TLS_CERT_FILE is set',
  },
  MSRP_PUBLIC_HOST: {
    schema: host('127.0.0.1'),
    expected: HOST,
    description: 'Host put in the SDP a=path of a storing INVITE answer (the media load balancer)',
  },
  TLS_CERT_FILE: {
    schema: z.string().min(1).optional(),
    expected: 'a PEM file path',
    description: 'TLS certificate; enables SIP and MSRP TLS',
  },
  TLS_KEY_FILE: {
    schema: z.string().min(1).optional(),
    expected: 'a PEM file path',
    description: 'TLS private key',
  },
  DASHBOARD_HOST: {
    schema: host('127.0.0.1'),
    expected: HOST,
    description: 'Address the dashboard binds',
  },
  DASHBOARD_PORT: { schema: port(8080), expected: PORT, description: 'Dashboard HTTP port' },
  DASHBOARD_TOKEN: {
    schema: z.string().min(16).optional(),
    expected: 'a secret of at least 16 characters',
    description:
      'Bearer token (or basic-auth password) for the dashboard; generated and printed when unset',
    secret: true,
  },
  DASHBOARD_VIEWER_TOKEN: {
    schema: z.string().min(16).optional(),
    expected: 'a secret of at least 16 characters',
    description: 'Read-only dashboard token: sees everything, can retry or purge nothing',
    secret: true,
  },
  OPS_HOST: {
    schema: host('127.0.0.1'),
    expected: HOST,
    description: "Address of the apps' /healthz, /readyz and /metrics",
  },
  SIGNALLING_OPS_PORT: {
    schema: port(8081),
    expected: PORT,
    description: 'Health and metrics of the signalling app',
  },
  MEDIA_OPS_PORT: {
    schema: port(8082),
    expected: PORT,
    description: 'Health and metrics of the media app',
  },
  DELIVERY_OPS_PORT: {
    schema: port(8083),
    expected: PORT,
    description: 'Health and metrics of the delivery app',
  },
  DELIVERY_CONCURRENCY: {
    schema: positiveInt(16),
    expected: POSITIVE,
    description: 'Recipients one delivery worker serves at once',
  },
  DELIVERY_STALLED_MS: {
    schema: positiveInt(30_000),
    expected: POSITIVE,
    description:
      'A delivery run whose worker died is taken over by another worker after this long (ms)',
  },
  DELIVERY_ANSWER_TIMEOUT_MS: {
    schema: positiveInt(30_000),
    expected: POSITIVE,
    description: 'How long a device may ring on a large-message INVITE before it is cancelled (ms)',
  },
  DELIVERY_MSRP_WS_PORT: {
    schema: port(2858),
    expected: PORT,
    description:
      'MSRP over WebSocket of the delivery worker, on MSRP_HOST: browsers fetch large messages here (RFC 7977)',
  },
  DELIVERY_MSRP_PUBLIC_HOST: {
    schema: host('127.0.0.1'),
    expected: HOST,
    description:
      "Host put in the a=path of a delivery INVITE to a WebSocket device (this worker's address)",
  },
  REDIS_URL: {
    schema: z
      .string()
      .regex(/^rediss?:\/\/\S+$/)
      .optional(),
    expected: 'a redis:// or rediss:// URL',
    description: 'Redis to use; when unset the service starts its own redis-server',
  },
  REDIS_PREFIX: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('ph'),
    expected: 'letters, digits, _ or -',
    description: 'Prefix of every key',
  },
  REDIS_DATA_DIR: {
    schema: text('.data/redis'),
    expected: 'a directory path',
    description:
      'Data directory of the embedded redis-server, relative to the working directory (start apps from the repository root)',
  },
  REDIS_EMBEDDED_PORT: {
    schema: port(6399),
    expected: PORT,
    description: 'Port of the embedded redis-server',
  },
  REDIS_APPENDFSYNC: {
    schema: z.enum(['always', 'everysec']).default('everysec'),
    expected: 'always or everysec',
    description: 'AOF fsync policy of the embedded redis-server',
  },
  STORE_MAX_MESSAGES: {
    schema: positiveInt(1000),
    expected: POSITIVE,
    description: 'Stored messages per recipient',
  },
  STORE_MAX_BYTES: {
    schema: positiveInt(2 * 1024 ** 3),
    expected: POSITIVE,
    description: 'Stored bytes per recipient',
  },
  PAGER_MAX_BYTES: {
    schema: positiveInt(1300),
    expected: POSITIVE,
    description: 'Largest pager MESSAGE body (RFC 3428 §5: 1300)',
  },
  LARGE_MAX_BYTES: {
    schema: positiveInt(2 * 1024 ** 3),
    expected: POSITIVE,
    description: 'Largest large message',
  },
  MESSAGE_MAX_TTL_S: {
    schema: positiveInt(7 * 24 * 3600),
    expected: POSITIVE,
    description: 'Longest a message is kept (seconds)',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    expected: 'fatal, error, warn, info, debug or trace',
    description: 'Log verbosity',
  },
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;
