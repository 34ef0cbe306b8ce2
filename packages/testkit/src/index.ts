export { startTestRedis, type TestRedis, type TestRedisOptions } from './test-redis.js';
export { uniquePrefix } from './prefix.js';
export { waitForEvent, waitUntil, withTimeout } from './wait.js';
export { freePort } from '@pigeonhole/embedded-redis';
export { startTestRedisCluster, type TestRedisCluster } from './test-redis-cluster.js';
export { startSipp, type SippRun } from './sipp.js';
export {
  peakRssBytes,
  startAppProcess,
  type AppProcess,
  type AppProcessOptions,
  type LogEntry,
} from './app-process.js';
export { acceptsConnections } from './accepts.js';
export { runSippLoad, type SippLoadOptions, type SippLoadResult } from './sipp-load.js';
export { msiloScript, withMsilo } from './msilo.js';
export { startTestRedisReplica, type ReplicaPrimary } from './test-redis-replica.js';
export { untilRedisQuiet, type InfoClient } from './quiet-redis.js';
