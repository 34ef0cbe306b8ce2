import { Counter, type Registry } from 'prom-client';

/** Per-instance counters of the signalling app, on /metrics. */
export class SignallingMetrics {
  readonly registered: Counter;
  readonly stored: Counter;
  readonly declined: Counter;
  readonly forwarded: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.registered = new Counter({
      name: 'ph_signalling_registrations_total',
      help: 'Successful REGISTERs',
      registers,
    });
    this.stored = new Counter({
      name: 'ph_signalling_messages_stored_total',
      help: 'Pager messages stored (202)',
      registers,
    });
    this.forwarded = new Counter({
      name: 'ph_signalling_messages_forwarded_total',
      help: 'Pager messages taken by a live contact of the recipient (its answer relayed)',
      registers,
    });
    this.declined = new Counter({
      name: 'ph_signalling_messages_declined_total',
      help: 'Messages not stored (603), by reason',
      labelNames: ['reason'],
      registers,
    });
  }
}
