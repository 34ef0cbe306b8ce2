import { Queue, type ConnectionOptions } from 'bullmq';
import { QUEUE_PREFIX, QueueName } from './queue-names.js';
import { deliverJobId, type DeliverJob } from './jobs.js';

/** Enqueues `deliver` jobs. Fails fast when Redis is unreachable, rather than queueing in memory. */
export class DeliverProducer {
  readonly #queue: Queue<DeliverJob>;

  constructor(connection: ConnectionOptions) {
    this.#queue = new Queue<DeliverJob>(QueueName.deliver, {
      connection,
      prefix: QUEUE_PREFIX,
      // A transient failure (480, 408, 503) is retried with exponential backoff and jitter.
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: 1000,
        attempts: 8,
        backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
      },
    });
  }

  /** The underlying BullMQ queue (for the dashboard). */
  get queue(): Queue<DeliverJob> {
    return this.#queue;
  }

  /**
   * Asks for a delivery run for `aor`. Deduplicated: while a run for the AOR waits or is delayed, this adds
   * nothing. Resolves once Redis has the job (or already had one).
   */
  async enqueue(job: DeliverJob, options: { delayMs?: number } = {}): Promise<void> {
    await this.#queue.add(QueueName.deliver, job, {
      jobId: deliverJobId(job.aor),
      delay: options.delayMs,
    });
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
