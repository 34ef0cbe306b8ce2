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
    // Without a listener BullMQ prints every connection error, on each reconnection attempt. The
    // connection's owner reports its outages, and an enqueue that fails rejects its caller.
    this.#queue.on('error', () => undefined);
  }

  /** The underlying BullMQ queue (for the dashboard). */
  get queue(): Queue<DeliverJob> {
    return this.#queue;
  }

  /**
   * Asks for a delivery run for `aor`. Deduplicated: while a run for the AOR waits, runs or is delayed,
   * this adds nothing (a registration promotes a delayed run). Resolves once Redis has the job.
   */
  async enqueue(job: DeliverJob, options: { delayMs?: number } = {}): Promise<void> {
    const jobId = deliverJobId(job.aor);
    await this.#queue.add(QueueName.deliver, job, { jobId, delay: options.delayMs });
    if (job.reason === 'stored') return;
    // A run waiting out a retry backoff starts now when the recipient (re)registers or an operator asks.
    const existing = await this.#queue.getJob(jobId);
    if ((await existing?.getState()) === 'delayed') await existing?.promote();
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
