import type { Logger } from '@pigeonhole/app-runtime';
import {
  MsrpStatusError,
  mediaTypeOf,
  type IncomingMessage,
  type SessionHandler,
} from '@pigeonhole/msrp';
import {
  StoreError,
  StoreErrorCode,
  type LargeMessageWriter,
  type MessageStore,
  type StoredSession,
} from '@pigeonhole/store';
import { CpimSniffer } from './cpim-sniffer.js';

/** Content types that keep a session alive and are never stored. */
const HEARTBEAT_TYPES = new Set(['text/x-msrp-heartbeat', 'application/x-msrp-heartbeat']);
/** Media types are case-insensitive and may carry parameters (RFC 2045 §5.1). */
const isHeartbeat = (message: IncomingMessage): boolean =>
  HEARTBEAT_TYPES.has(mediaTypeOf(message.contentType).toLowerCase());

/** What an upload session reports to the app. */
export interface UploadEvents {
  onBytes(count: number): void;
  onCommitted(message: { id: string; to: string; size: number; duplicate: boolean }): void;
  onAborted(reason: 'aborted' | 'refused' | 'closed'): void;
}

interface Upload {
  readonly writer: LargeMessageWriter;
  readonly cpim: CpimSniffer;
}

/**
 * Streams the messages of one reserved MSRP session into the store: one large-message writer per
 * Message-ID, bytes written at their offsets (chunks may come out of order), committed when the message
 * is complete — and only then is its last chunk answered 200. Over quota or over the session's size
 * limit the message gets 413 and its partial data is dropped with its quota.
 */
export class UploadSession implements SessionHandler {
  readonly #uploads = new Map<string, Promise<Upload>>();

  constructor(
    readonly reservation: StoredSession,
    readonly deps: {
      readonly messages: MessageStore;
      readonly log: Logger;
      readonly events: UploadEvents;
    },
  ) {}

  async onData(message: IncomingMessage, offset: number, data: Buffer): Promise<void> {
    if (isHeartbeat(message)) return;
    if (offset + data.length > this.reservation.maxSize) {
      throw new MsrpStatusError(
        413,
        `larger than the ${this.reservation.maxSize} bytes this session accepts`,
      );
    }
    const upload = await this.#upload(message);
    upload.cpim.offer(offset, data);
    try {
      await upload.writer.writeAt(offset, data);
    } catch (err) {
      throw refusal(err);
    }
    this.deps.events.onBytes(data.length);
  }

  async onComplete(message: IncomingMessage): Promise<void> {
    if (isHeartbeat(message)) return;
    const upload = await this.#upload(message);
    this.#uploads.delete(message.messageId);
    try {
      const result = await upload.writer.commit({ size: message.total, ...upload.cpim.details() });
      this.deps.events.onCommitted({
        id: result.id,
        to: this.reservation.to,
        size: message.total ?? 0,
        duplicate: result.duplicate,
      });
    } catch (err) {
      await upload.writer.abort().catch(() => undefined);
      throw refusal(err);
    }
  }

  async onAbort(message: IncomingMessage, reason: 'aborted' | 'refused' | 'closed'): Promise<void> {
    const upload = this.#uploads.get(message.messageId);
    this.#uploads.delete(message.messageId);
    if (upload) await (await upload.catch(() => undefined))?.writer.abort();
    this.deps.events.onAborted(reason);
    this.deps.log.info({ messageId: message.messageId, reason }, 'upload not stored');
  }

  /** The writer of a message, opened on its first bytes (the reservation counts against the quota). */
  #upload(message: IncomingMessage): Promise<Upload> {
    let upload = this.#uploads.get(message.messageId);
    if (!upload) {
      upload = this.deps.messages
        .openLarge({
          to: this.reservation.to,
          from: this.reservation.from,
          contentType: message.contentType,
          announcedSize: message.total ?? this.reservation.announcedSize,
          expiresInSeconds: this.reservation.expiresInSeconds,
        })
        .then((writer) => ({ writer, cpim: new CpimSniffer(message.contentType) }));
      this.#uploads.set(message.messageId, upload);
      upload.catch(() => this.#uploads.delete(message.messageId));
    }
    return upload.catch((err: unknown) => {
      throw refusal(err);
    });
  }
}

/** Store refusals become MSRP statuses: quota and size → 413 (stop this message, RFC 4975 §7.2). */
function refusal(err: unknown): MsrpStatusError {
  if (err instanceof MsrpStatusError) return err;
  if (err instanceof StoreError) {
    const tooBig = [
      StoreErrorCode.QUOTA_BYTES,
      StoreErrorCode.QUOTA_MESSAGES,
      StoreErrorCode.TOO_LARGE,
    ].some((c) => c === err.code);
    return new MsrpStatusError(tooBig ? 413 : 400, err.message);
  }
  return new MsrpStatusError(400, err instanceof Error ? err.message : String(err));
}
