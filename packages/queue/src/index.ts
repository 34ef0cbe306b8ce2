export { QUEUE_PREFIX, QueueName } from './queue-names.js';
export { deliverJobId, type DeliverJob, type ExpireJob, type JobPayloads } from './jobs.js';
export { DeliverProducer } from './producers.js';
