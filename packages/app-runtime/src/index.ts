export { runApp, type AppContext, type AppDefinition, type RunningApp } from './run-app.js';
export { connectRedis, type RedisConnection } from './redis-connection.js';
export { STREAMING_PROCESS } from './streaming-process.js';
// A redis-server that cannot start (not installed, bad data dir): its message says what to do.
export { RedisServerError } from '@pigeonhole/embedded-redis';
export {
  createRedis,
  producerConnection,
  type RedisClientOptions,
  type RedisRole,
} from './redis-client.js';
export { createLogger, type Logger } from './logger.js';
export {
  startOpsServer,
  type OpsServer,
  type OpsServerOptions,
  type ReadinessCheck,
} from './ops-server.js';
export { MinuteCounters, FIGURES, type Figure, type MinuteFigures } from './minute-counters.js';
export { withinTime } from './within-time.js';
