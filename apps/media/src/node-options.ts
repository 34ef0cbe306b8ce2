/**
 * Node options the media process runs with. Every MSRP chunk arrives in, and goes to Redis from, Buffers
 * outside the V8 heap that are freed only when their small wrappers are collected; a 1 MB young
 * generation collects them often, which keeps peak RSS flat during multi-GiB uploads.
 */
export const MEDIA_NODE_OPTIONS = ['--max-semi-space-size=1'] as const;
