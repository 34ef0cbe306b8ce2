import type { Logger, MinuteCounters } from '@pigeonhole/app-runtime';
import type { DeliverProducer } from '@pigeonhole/queue';
import type { DigestAuthenticator } from '@pigeonhole/sip';
import type { LocationStore, MessageStore, UserStore } from '@pigeonhole/store';
import type { SignallingMetrics } from './signalling-metrics.js';

/** What the handlers work with. */
export interface SignallingContext {
  /** The SIP domain we serve; AORs are `sip:user@domain`. */
  readonly domain: string;
  /** Our own address, for `Warning` headers and the flow's edge URI. */
  readonly host: string;
  readonly edge: string;
  readonly messages: MessageStore;
  readonly location: LocationStore;
  readonly users: UserStore;
  readonly auth: DigestAuthenticator;
  readonly deliver: DeliverProducer;
  readonly metrics: SignallingMetrics;
  readonly figures: MinuteCounters;
  readonly log: Logger;
  readonly policy: {
    readonly foreignSenders: 'reject' | 'accept';
    readonly minExpires: number;
    readonly maxExpires: number;
  };
}
