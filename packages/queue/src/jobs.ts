/** Job payloads carry ids only, never message bodies: bodies stay in the store. */

/** Deliver the stored messages of one recipient. */
export interface DeliverJob {
  /** The recipient's address of record, e.g. `sip:bob@example.com`. */
  readonly aor: string;
  /** What triggered the run, for the dashboard: a registration, a retry from the dashboard, … */
  readonly reason: 'register' | 'retry' | 'stored';
}

/** Sweep expired messages. */
export type ExpireJob = Record<string, never>;

/** The payload type of each queue. */
export interface JobPayloads {
  readonly deliver: DeliverJob;
  readonly expire: ExpireJob;
}

/**
 * The stable job id of an AOR's delivery run. While such a job waits, is delayed or runs, adding another
 * with the same id is a no-op: ten REGISTERs make one run. Completed jobs are removed, so the next
 * registration starts a new run.
 */
export function deliverJobId(aor: string): string {
  // ':' is BullMQ's key separator and is refused in custom ids; an AOR always has one.
  return `deliver-${encodeURIComponent(aor)}`;
}
