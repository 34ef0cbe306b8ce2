import { randomUUID } from 'node:crypto';

/** A key prefix of a test's own, so tests share a Redis without FLUSHALL. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
