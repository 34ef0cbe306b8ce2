import { randomBytes } from 'node:crypto';
import { CpimError } from './cpim-error.js';
import { buildCpim, headerValues, type CpimMessage } from './cpim-message.js';

/** The CPIM header namespace of IMDN (RFC 5438 §5), declared by `NS: imdn <urn:ietf:params:imdn>`. */
export const IMDN_HEADER_NAMESPACE = 'urn:ietf:params:imdn';
/** The XML namespace of an IMDN document (RFC 5438 §7.1): not the same URN as the header namespace. */
export const IMDN_XML_NAMESPACE = 'urn:ietf:params:xml:ns:imdn';
export const IMDN_CONTENT_TYPE = 'message/imdn+xml';

/** What a sender may ask for in `imdn.Disposition-Notification` (RFC 5438 §5.3). */
export type Disposition = 'positive-delivery' | 'negative-delivery' | 'processing' | 'display';

/** The IMDN request an instant message carries. */
export interface ImdnRequest {
  readonly messageId: string;
  /** The sender's `DateTime` (RFC 3339), copied into every notification's `<datetime>`. */
  readonly dateTime: string | undefined;
  readonly dispositions: readonly Disposition[];
}

const DISPOSITIONS = new Set<string>([
  'positive-delivery',
  'negative-delivery',
  'processing',
  'display',
]);

/** The prefix the message declares for the IMDN namespace (`imdn` by convention, any name is allowed). */
function imdnPrefix(message: Pick<CpimMessage, 'headers'>): string | undefined {
  for (const value of headerValues(message, 'NS')) {
    const match = /^\s*([A-Za-z0-9_.-]*)\s*<([^>]*)>/.exec(value);
    if (match?.[2] === IMDN_HEADER_NAMESPACE) return match[1];
  }
  return undefined;
}

/**
 * Reads `imdn.Message-ID`, `DateTime` and `imdn.Disposition-Notification` (RFC 5438 §5). Undefined when the
 * message carries no IMDN Message-ID; unknown disposition values are ignored (RFC 5438 §5.3 allows extensions).
 */
export function readImdnRequest(message: Pick<CpimMessage, 'headers'>): ImdnRequest | undefined {
  const prefix = imdnPrefix(message);
  if (prefix === undefined) return undefined;
  const [messageId] = headerValues(message, `${prefix}.Message-ID`);
  if (!messageId) return undefined;
  const dispositions = headerValues(message, `${prefix}.Disposition-Notification`)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim().toLowerCase())
    .filter((value): value is Disposition => DISPOSITIONS.has(value));
  return {
    messageId,
    dateTime: headerValues(message, 'DateTime')[0],
    dispositions: [...new Set(dispositions)],
  };
}

/** Notification kinds and the statuses each may carry (RFC 5438 §7.2.1). */
export interface NotificationStatus {
  readonly processing: 'processed' | 'stored' | 'forbidden' | 'error';
  readonly delivery: 'delivered' | 'failed' | 'forbidden' | 'error';
  readonly display: 'displayed' | 'forbidden' | 'error';
}

/** What {@link buildImdn} needs. */
export type ImdnNotification = {
  [K in keyof NotificationStatus]: {
    readonly kind: K;
    readonly status: NotificationStatus[K];
    /** The IM's `imdn.Message-ID` and `DateTime`. */
    readonly original: ImdnRequest;
    /** CPIM From of the notification: the IM's recipient (RFC 5438 §8.1). */
    readonly from: string;
    /** CPIM To of the notification: the IM's sender. */
    readonly to: string;
    /** The IM's recipient URI, for `<recipient-uri>` and `<original-recipient-uri>`. */
    readonly recipientUri: string;
    /** @defaultValue now */
    readonly now?: Date;
  };
}[keyof NotificationStatus];

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** A fresh `imdn.Message-ID`: 96 random bits (RFC 5438 §6.3 asks for at least 64). */
export function newImdnMessageId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Builds a notification (RFC 5438 §7) wrapped in CPIM, ready to be the body of a SIP MESSAGE with
 * `Content-Type: message/cpim`. The wrapper has its own Message-ID, `Content-Disposition: notification`
 * and never a Disposition-Notification header (RFC 5438 §6.3).
 */
export function buildImdn(notification: ImdnNotification): Buffer {
  const now = notification.now ?? new Date();
  const recipient = escapeXml(notification.recipientUri);
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<imdn xmlns="${IMDN_XML_NAMESPACE}">`,
    `<message-id>${escapeXml(notification.original.messageId)}</message-id>`,
    `<datetime>${escapeXml(notification.original.dateTime ?? now.toISOString())}</datetime>`,
    `<recipient-uri>${recipient}</recipient-uri>`,
    `<original-recipient-uri>${recipient}</original-recipient-uri>`,
    `<${notification.kind}-notification><status><${notification.status}/></status></${notification.kind}-notification>`,
    '</imdn>',
  ].join('\r\n');
  return buildCpim({
    from: `<${notification.from}>`,
    to: `<${notification.to}>`,
    headers: [
      ['NS', `imdn <${IMDN_HEADER_NAMESPACE}>`],
      ['imdn.Message-ID', newImdnMessageId()],
      ['DateTime', now.toISOString()],
    ],
    contentType: IMDN_CONTENT_TYPE,
    contentHeaders: [['Content-Disposition', 'notification']],
    content: xml,
  });
}

/** A notification as read by a client. */
export interface ParsedImdn {
  readonly messageId: string;
  readonly dateTime: string | undefined;
  readonly kind: keyof NotificationStatus;
  readonly status: string;
}

/**
 * Reads an IMDN XML document (the content of a CPIM part with `Content-Type: message/imdn+xml`).
 * @throws CpimError CPIM_ERR_BAD_IMDN when the document lacks a message-id or a notification.
 */
export function parseImdn(xml: string): ParsedImdn {
  const messageId = elementText(xml, 'message-id');
  const dateTime = elementText(xml, 'datetime');
  const notification =
    /<(processing|delivery|display)-notification>\s*<status>\s*<([a-z-]+)\s*\/>/.exec(xml);
  if (!messageId || !notification?.[1] || !notification[2]) {
    throw new CpimError(
      'CPIM_ERR_BAD_IMDN',
      'not an IMDN document: message-id or notification status missing',
    );
  }
  return {
    messageId,
    dateTime,
    kind: notification[1] as ParsedImdn['kind'],
    status: notification[2],
  };
}

/**
 * The trimmed text of the first `<name>…</name>` element, found by index: a regular expression with
 * `\s*` around a lazy group backtracks quadratically on long runs of spaces from a hostile peer.
 */
function elementText(xml: string, name: string): string | undefined {
  const open = xml.indexOf(`<${name}>`);
  if (open === -1) return undefined;
  const start = open + name.length + 2;
  const end = xml.indexOf(`</${name}>`, start);
  if (end === -1) return undefined;
  const text = xml.slice(start, end).trim();
  return text.includes('<') ? undefined : text;
}
