/** Stable reasons the MSRP stack refuses input or gives up. */
export const MsrpErrorCode = {
  BAD_START_LINE: 'MSRP_ERR_BAD_START_LINE',
  BAD_HEADER: 'MSRP_ERR_BAD_HEADER',
  LINE_TOO_LONG: 'MSRP_ERR_LINE_TOO_LONG',
  HEADERS_TOO_LARGE: 'MSRP_ERR_HEADERS_TOO_LARGE',
  BAD_END_LINE: 'MSRP_ERR_BAD_END_LINE',
  BAD_URI: 'MSRP_ERR_BAD_URI',
  BAD_BYTE_RANGE: 'MSRP_ERR_BAD_BYTE_RANGE',
  MISSING_HEADER: 'MSRP_ERR_MISSING_HEADER',
  DECODER_FAILED: 'MSRP_ERR_DECODER_FAILED',
  TIMEOUT: 'MSRP_ERR_TIMEOUT',
  CONNECTION_CLOSED: 'MSRP_ERR_CONNECTION_CLOSED',
  REFUSED: 'MSRP_ERR_REFUSED',
} as const;

export type MsrpErrorCode = (typeof MsrpErrorCode)[keyof typeof MsrpErrorCode];

/** An MSRP failure; `code` says which. `status` is the MSRP status a peer answered, when there was one. */
export class MsrpError extends Error {
  constructor(
    readonly code: MsrpErrorCode,
    message: string,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.status = options?.status;
  }

  readonly status: number | undefined;
}

/** Thrown by a session handler to answer a chunk with an MSRP status (e.g. 413 to stop a message). */
export class MsrpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly comment: string,
  ) {
    super(`${status} ${comment}`);
    this.name = new.target.name;
  }
}
