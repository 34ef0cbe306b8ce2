import { ByteRangeTracker } from './byte-range-tracker.js';
import type { ReportRequest } from './msrp-head.js';

/** A message being received in a session. Its body arrives through the session handler's `onData`. */
export class IncomingMessage {
  readonly tracker = new ByteRangeTracker();
  /** Set once the message was refused (e.g. 413): later chunks get this status and are not delivered. */
  refusedWith: number | undefined;
  /** True once `onComplete` or `onAbort` ran. */
  settled = false;

  constructor(
    readonly sessionId: string,
    readonly messageId: string,
    readonly details: {
      readonly contentType: string;
      readonly fromPath: readonly string[];
      readonly toPath: readonly string[];
      readonly reports: ReportRequest;
    },
  ) {}

  get contentType(): string {
    return this.details.contentType;
  }

  /** The total size, once a chunk said it (the `$` chunk always does). */
  get total(): number | undefined {
    return this.tracker.total;
  }
}

/** What the application does with a session's messages. Every hook is awaited before more bytes are read. */
export interface SessionHandler {
  /** A piece of a message body at `offset` (0-based). Throw `MsrpStatusError(413, …)` to stop the message. */
  onData(message: IncomingMessage, offset: number, data: Buffer): void | Promise<void>;
  /** Every byte arrived. The chunk that completed the message is answered 200 only after this resolves. */
  onComplete(message: IncomingMessage): void | Promise<void>;
  /** The message ended without completing: `#` abort, refused, or the connection closed. */
  onAbort?(
    message: IncomingMessage,
    reason: 'aborted' | 'refused' | 'closed',
  ): void | Promise<void>;
  /** The connection carrying the session closed. */
  onClose?(): void;
}
