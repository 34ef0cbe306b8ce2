/** Stable reasons a CPIM or IMDN body is refused. */
export type CpimErrorCode =
  | 'CPIM_ERR_NO_HEADER_END'
  | 'CPIM_ERR_BAD_HEADER'
  | 'CPIM_ERR_NO_CONTENT_TYPE'
  | 'CPIM_ERR_BAD_IMDN';

/** A CPIM (RFC 3862) or IMDN (RFC 5438) body that cannot be read. */
export class CpimError extends Error {
  constructor(
    readonly code: CpimErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
