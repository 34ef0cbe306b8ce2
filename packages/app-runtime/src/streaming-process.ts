/**
 * How an app that streams large messages (media, delivery) is started: every MSRP chunk passes through
 * Buffers outside the V8 heap, freed only when their small wrappers are collected, and through threads
 * (the event loop, libuv's pool, V8's GC helpers) that would each keep malloc arenas of freed
 * chunk-sized blocks. A 1 MB young generation collects the wrappers often, and two arenas hold fewer
 * blocks: peak RSS of a 1 GiB transfer about 10-20 MB lower, flat with the message size, at the same
 * throughput (`apps/media/README.md`, `apps/delivery/README.md`).
 */
export const STREAMING_PROCESS = {
  nodeOptions: ['--max-semi-space-size=1'],
  // glibc reads it when the process starts: the parent sets it.
  env: { MALLOC_ARENA_MAX: '2' },
} as const;
