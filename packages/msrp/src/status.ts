/** MSRP status codes (RFC 4975 §10, IANA) and their default comments. */
export const MSRP_STATUS = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Message Too Large',
  415: 'Unsupported Media Type',
  423: 'Interval Out-of-Bounds',
  481: 'Session Does Not Exist',
  501: 'Unknown Method',
  506: 'Session Already Bound',
} as const satisfies Record<number, string>;

/** The comment for a status, or `Error`. */
export function statusComment(status: number): string {
  return (MSRP_STATUS as Record<number, string>)[status] ?? 'Error';
}
