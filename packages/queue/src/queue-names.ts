/**
 * Queue names and the BullMQ key prefix. The prefix is a Redis hash tag, so every key of every queue
 * lands in one Redis Cluster slot and BullMQ's multi-key scripts run on Cluster.
 */
export const QUEUE_PREFIX = '{pigeonhole}';

export const QueueName = {
  /** One job per recipient AOR: drain its inbox to its live contacts. */
  deliver: 'deliver',
  /** A repeatable job: remove expired messages, free quota, notify senders. */
  expire: 'expire',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];
