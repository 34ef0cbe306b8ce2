export { RedisServer, type RedisServerOptions } from './redis-server.js';
export { RedisServerError, type RedisServerErrorCode } from './redis-server-error.js';
export { freePort } from './free-port.js';
export { pingRedis } from './ping.js';
export { ensureEmbeddedRedis, type EmbeddedRedis, type EmbeddedRedisOptions } from './embedded.js';
