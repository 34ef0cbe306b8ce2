import { randomHex } from './random-hex.js';
import { MsrpError, MsrpErrorCode } from './msrp-error.js';

/** An MSRP URI (RFC 4975 §9, RFC 7977 §5): `msrp[s]://host[:port]/session-id;transport`. */
export interface MsrpUri {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly sessionId: string;
  /** `tcp`, or `ws` (RFC 7977); other values are kept as given. */
  readonly transport: string;
}

const URI =
  /^(msrps?):\/\/(?:[^@/]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/([A-Za-z0-9._~!$&'()*+,=:%-]+);([A-Za-z0-9]+)(?:;.*)?$/;

/** Parses an MSRP URI. @throws MsrpError MSRP_ERR_BAD_URI */
export function parseMsrpUri(text: string): MsrpUri {
  const match = URI.exec(text.trim());
  if (!match?.[1] || !match[2] || !match[4] || !match[5]) {
    throw new MsrpError(MsrpErrorCode.BAD_URI, `not an MSRP URI: ${text.slice(0, 100)}`);
  }
  const secure = match[1] === 'msrps';
  return {
    secure,
    host: match[2].startsWith('[') ? match[2].slice(1, -1) : match[2],
    // RFC 4975 §9: no default port is registered for msrp; 2855 is the usual one.
    port: match[3] ? Number(match[3]) : 2855,
    sessionId: match[4],
    transport: match[5].toLowerCase(),
  };
}

/** Formats an MSRP URI. */
export function formatMsrpUri(uri: MsrpUri): string {
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  return `${uri.secure ? 'msrps' : 'msrp'}://${host}:${uri.port}/${uri.sessionId};${uri.transport}`;
}

/**
 * Session matching (RFC 4975 §7.3.1): two URIs denote the same session endpoint when scheme, host,
 * port, session-id and transport match; the session-id is case-sensitive, the host is not.
 */
export function sameMsrpUri(a: MsrpUri, b: MsrpUri): boolean {
  return (
    a.secure === b.secure &&
    a.host.toLowerCase() === b.host.toLowerCase() &&
    a.port === b.port &&
    a.sessionId === b.sessionId &&
    a.transport === b.transport
  );
}

/**
 * A fresh URI for an endpoint that connects and listens nowhere (`a=setup:active`): port 9, the discard
 * port (RFC 6135 §4.1), and a random session id.
 */
export function activeEndpointUri(host: string): string {
  return formatMsrpUri({
    secure: false,
    host,
    port: 9,
    sessionId: randomHex(12),
    transport: 'tcp',
  });
}
