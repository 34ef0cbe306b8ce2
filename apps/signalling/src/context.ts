import type { Logger, MinuteCounters } from '@pigeonhole/app-runtime';
import type { DeliverProducer } from '@pigeonhole/queue';
import type { DigestAuthenticator } from '@pigeonhole/sip';
import type { LocationStore, MessageStore, SessionStore, UserStore } from '@pigeonhole/store';
import type { SignallingMetrics } from './signalling-metrics.js';

/** What the handlers work with. */
export interface SignallingContext {
  /** The SIP domain we serve; AORs are `sip:user@domain`. */
  readonly domain: string;
  /** Our own address, for `Warning` headers and the flow's edge URI. */
  readonly host: string;
  readonly edge: string;
  /** Our SIP port, for the Contact of a 2xx to INVITE. */
  readonly sipPort: number;
  /**
   * Where senders reach a media instance (MSRP_PUBLIC_HOST, MSRP_TCP_PORT; MSRP_WS_PORT for senders
   * on MSRP over WebSocket; MSRP_TLS_PORT for `msrps` senders when media has a certificate): put in
   * `a=path`.
   */
  readonly media: {
    readonly host: string;
    readonly port: number;
    readonly wsPort?: number;
    readonly tlsPort?: number;
  };
  readonly sessions: SessionStore;
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
    /** `users`: only users of ours receive (others get 404); `domain`: any AOR of our domain. */
    readonly recipients: 'users' | 'domain';
    readonly minExpires: number;
    readonly maxExpires: number;
  };
}
