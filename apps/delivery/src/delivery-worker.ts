import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { withinTime } from '@pigeonhole/app-runtime';
import { QUEUE_PREFIX, QueueName, type DeliverJob } from '@pigeonhole/queue';
import { deliverInbox, TransientDeliveryError, type DeliveryDeps } from './deliver-inbox.js';
import { storeFailedNotice } from './failed-notice.js';

/** A running delivery worker. */
export interface DeliveryWorker {
  close(): Promise<void>;
}

/** Options of the worker. */
export interface DeliveryWorkerOptions {
  readonly connection: ConnectionOptions;
  /** Recipients served at once (one run per recipient at a time). @defaultValue 16 */
  readonly concurrency?: number;
  /** How often expired messages are swept. @defaultValue 60000 */
  readonly sweepEveryMs?: number;
  /**
   * How long a run stays locked to its worker without renewal: a worker killed mid-run is taken over by
   * another after about this long (BullMQ `lockDuration`, also the stalled-job check interval).
   * @defaultValue 30000
   */
  readonly stalledMs?: number;
  /**
   * How long `close` waits for runs in progress (a device that never answers holds one for Timer B,
   * 32 s). Past it the process may exit: the runs' locks lapse and another worker takes them over
   * after `stalledMs`, so nothing is lost. @defaultValue 5000
   */
  readonly closeGraceMs?: number;
}

/**
 * Runs `deliver` jobs: one job per AOR at a time — the job id is the AOR's, so a run cannot be active
 * twice — and a stalled job (its worker was killed) is picked up by another worker; messages are removed
 * only after a 2xx, so a crash delivers again rather than loses (at least once). A transient failure fails
 * the job, which BullMQ retries with exponential backoff; an offline recipient ends the run until the
 * next registration. A repeatable `expire` job sweeps expired messages.
 */
export async function startDeliveryWorker(
  deps: DeliveryDeps,
  options: DeliveryWorkerOptions,
): Promise<DeliveryWorker> {
  const deliver = new Worker<DeliverJob>(
    QueueName.deliver,
    async (job: Job<DeliverJob>) => {
      try {
        const outcome = await deliverInbox(deps, job.data.aor);
        deps.log.info({ aor: job.data.aor, ...outcome }, 'delivery run');
        return outcome;
      } catch (err) {
        if (err instanceof TransientDeliveryError)
          deps.log.info({ aor: job.data.aor, status: err.status }, 'delivery deferred');
        throw err;
      }
    },
    {
      connection: options.connection,
      prefix: QUEUE_PREFIX,
      concurrency: options.concurrency ?? 16,
      lockDuration: options.stalledMs ?? 30_000,
      stalledInterval: options.stalledMs ?? 30_000,
    },
  );
  const expireQueue = new Queue(QueueName.expire, {
    connection: options.connection,
    prefix: QUEUE_PREFIX,
  });
  await expireQueue.upsertJobScheduler(
    'sweep',
    { every: options.sweepEveryMs ?? 60_000 },
    { name: 'sweep', data: {} },
  );
  const expire = new Worker(QueueName.expire, () => sweep(deps), {
    connection: options.connection,
    prefix: QUEUE_PREFIX,
  });
  for (const emitter of [deliver, expire, expireQueue]) logErrorsOnce(emitter, deps.log);
  return {
    async close() {
      await Promise.all([
        withinTime(deliver.close(), options.closeGraceMs ?? 5_000),
        expire.close(),
        expireQueue.close(),
      ]);
    },
  };
}

/** Removes expired messages; a `failed` IMDN goes to each sender who asked for negative-delivery. */
export async function sweep(deps: DeliveryDeps): Promise<number> {
  const removed = await deps.messages.sweepAll();
  for (const message of removed) {
    deps.figures.add('expired');
    await storeFailedNotice(deps.messages, message);
  }
  return removed.length;
}

/**
 * Logs a queue's errors, the same one at most once a minute: while Redis is down BullMQ reports the
 * same connection error on every reconnection attempt (without a listener, on the console).
 */
function logErrorsOnce(
  emitter: { readonly name: string; on(event: 'error', listener: (err: Error) => void): unknown },
  log: DeliveryDeps['log'],
): void {
  let last = '';
  let loggedAt = 0;
  emitter.on('error', (err: Error) => {
    // The same error again within a minute is the same outage; a later one is logged again.
    if (err.message === last && Date.now() - loggedAt < 60_000) return;
    last = err.message;
    loggedAt = Date.now();
    log.warn({ err, queue: emitter.name }, 'queue error');
  });
}
