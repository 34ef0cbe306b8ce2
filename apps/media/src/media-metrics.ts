import { Counter, Gauge, type Registry } from 'prom-client';

/** Per-instance figures of the media app, on /metrics. */
export class MediaMetrics {
  readonly activeSessions: Gauge;
  readonly bytesIn: Counter;
  readonly committed: Counter;
  readonly aborted: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.activeSessions = new Gauge({
      name: 'ph_media_active_sessions',
      help: 'MSRP sessions bound to this instance',
      registers,
    });
    this.bytesIn = new Counter({
      name: 'ph_media_bytes_in_total',
      help: 'Message body bytes received over MSRP',
      registers,
    });
    this.committed = new Counter({
      name: 'ph_media_messages_committed_total',
      help: 'Large messages stored',
      registers,
    });
    this.aborted = new Counter({
      name: 'ph_media_messages_aborted_total',
      help: 'Large messages not stored, by reason',
      labelNames: ['reason'],
      registers,
    });
  }
}
