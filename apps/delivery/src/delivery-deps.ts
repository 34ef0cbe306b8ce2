import type { Logger, MinuteCounters } from '@pigeonhole/app-runtime';
import type { SipEndpoint } from '@pigeonhole/sip';
import type { LocationStore, MessageStore } from '@pigeonhole/store';
import type { PassiveMsrp } from './passive-msrp.js';

/** How this worker names itself to recipients' devices. */
export interface LocalIdentity {
  /** The address of our SIP endpoint and MSRP side, as devices reach it. */
  readonly host: string;
  /** Our SIP endpoint's UDP and TCP ports, for the Contact of an INVITE (in-dialog requests come there). */
  readonly udpPort: number;
  readonly tcpPort: number;
}

/** What a delivery run works with. */
export interface DeliveryDeps {
  readonly messages: MessageStore;
  readonly location: LocationStore;
  readonly endpoint: SipEndpoint;
  readonly local: LocalIdentity;
  readonly figures: MinuteCounters;
  readonly log: Logger;
  /** Where devices that cannot be connected to (WebSocket) fetch large messages; without it they get none. */
  readonly passiveMsrp?: PassiveMsrp;
  /** How long a device may ring before an INVITE is cancelled. @defaultValue 30000 */
  readonly answerTimeoutMs?: number;
}
