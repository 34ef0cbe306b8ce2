/** Stable reasons a SIP message is refused. */
export const SipErrorCode = {
  BAD_START_LINE: 'SIP_ERR_BAD_START_LINE',
  BAD_VERSION: 'SIP_ERR_BAD_VERSION',
  BAD_HEADER: 'SIP_ERR_BAD_HEADER',
  MISSING_HEADER: 'SIP_ERR_MISSING_HEADER',
  BAD_URI: 'SIP_ERR_BAD_URI',
  BAD_CONTENT_LENGTH: 'SIP_ERR_BAD_CONTENT_LENGTH',
  CSEQ_MISMATCH: 'SIP_ERR_CSEQ_MISMATCH',
  TOO_LARGE: 'SIP_ERR_TOO_LARGE',
  LINE_TOO_LONG: 'SIP_ERR_LINE_TOO_LONG',
  TOO_MANY_HEADERS: 'SIP_ERR_TOO_MANY_HEADERS',
  /** No final response in time: a local 408 (RFC 3261 §17.1.2.2, Timer F). */
  TIMEOUT: 'SIP_ERR_TIMEOUT',
  /** The transport could not carry the request: a local 503 (RFC 3261 §8.1.3.1). */
  TRANSPORT: 'SIP_ERR_TRANSPORT',
  /** Max-Forwards reached 0 before forwarding (RFC 3261 §16.3): 483. */
  TOO_MANY_HOPS: 'SIP_ERR_TOO_MANY_HOPS',
} as const;

export type SipErrorCode = (typeof SipErrorCode)[keyof typeof SipErrorCode];

/**
 * A message that cannot be accepted. `status` is what a server answers when it can (400, 505, 513);
 * `reason` is the reason phrase naming the problem (RFC 3261 §21.4.1 lets the phrase be specific).
 */
export class SipError extends Error {
  constructor(
    readonly code: SipErrorCode,
    readonly reason: string,
    readonly status = 400,
  ) {
    super(`${status} ${reason}`);
    this.name = new.target.name;
  }
}
