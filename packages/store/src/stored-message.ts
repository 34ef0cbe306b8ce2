/** What kind of message: inline pager body, or a large message in chunk keys. */
export type MessageKind = 'pager' | 'large';

/** A stored message's metadata (never its body). */
export interface StoredMessage {
  readonly id: string;
  readonly kind: MessageKind;
  /** Recipient AOR. */
  readonly to: string;
  /** Sender (SIP From URI). */
  readonly from: string;
  /** Content-Type of the stored body (the SIP or MSRP Content-Type, e.g. message/cpim). */
  readonly contentType: string;
  readonly size: number;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** ms since the epoch. */
  readonly expiresAt: number;
  readonly attempts: number;
  /** CPIM `imdn.Message-ID`, when the body is CPIM with IMDN. */
  readonly imdnId: string | undefined;
  /** CPIM `DateTime` of the original message. */
  readonly dateTime: string | undefined;
  /** Requested IMDN dispositions. */
  readonly dispositions: readonly string[];
  /** The raw CPIM header block, as received. */
  readonly cpimHeaders: string | undefined;
  /** Bytes per chunk key (large messages). */
  readonly chunkBytes: number;
}

/** The fields the store keeps in a message's metadata hash. */
export const META_FIELDS = [
  'id',
  'kind',
  'to',
  'from',
  'contentType',
  'size',
  'createdAt',
  'expiresAt',
  'attempts',
  'imdnId',
  'dateTime',
  'dispositions',
  'cpimHeaders',
  'chunkBytes',
] as const;

/** Metadata as Redis hash field/value pairs. */
export function encodeMeta(message: StoredMessage): string[] {
  return [
    'id',
    message.id,
    'kind',
    message.kind,
    'to',
    message.to,
    'from',
    message.from,
    'contentType',
    message.contentType,
    'size',
    String(message.size),
    'createdAt',
    String(message.createdAt),
    'expiresAt',
    String(message.expiresAt),
    'attempts',
    String(message.attempts),
    'imdnId',
    message.imdnId ?? '',
    'dateTime',
    message.dateTime ?? '',
    'dispositions',
    message.dispositions.join(','),
    'cpimHeaders',
    message.cpimHeaders ?? '',
    'chunkBytes',
    String(message.chunkBytes),
  ];
}

/** Metadata from the values of {@link META_FIELDS}, in that order. */
export function decodeMeta(values: readonly (string | null)[]): StoredMessage {
  const at = (i: number): string => values[i] ?? '';
  const optional = (i: number): string | undefined => at(i) || undefined;
  return {
    id: at(0),
    kind: at(1) === 'large' ? 'large' : 'pager',
    to: at(2),
    from: at(3),
    contentType: at(4),
    size: Number(at(5)),
    createdAt: Number(at(6)),
    expiresAt: Number(at(7)),
    attempts: Number(at(8)),
    imdnId: optional(9),
    dateTime: optional(10),
    dispositions: at(11) ? at(11).split(',') : [],
    cpimHeaders: optional(12),
    chunkBytes: Number(at(13)),
  };
}
