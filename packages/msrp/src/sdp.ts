/** The MSRP media description of an SDP body (RFC 4975 §8, RFC 6135 `a=setup`, RFC 5547 file-selector). */
export interface MsrpMedia {
  /** `a=path`: URIs, first hop first. */
  readonly path: readonly string[];
  /** `a=accept-types`. */
  readonly acceptTypes: readonly string[];
  /** `a=accept-wrapped-types`. */
  readonly acceptWrappedTypes: readonly string[];
  /** `a=max-size`: the largest message the endpoint wants (a hint). */
  readonly maxSize: number | undefined;
  /** `a=setup` (RFC 6135): who connects. */
  readonly setup: 'active' | 'passive' | 'actpass' | undefined;
  /** `a=file-selector` attributes (RFC 5547 §5), e.g. `{ name, type, size, hash }`. */
  readonly fileSelector: Readonly<Record<string, string>> | undefined;
}

/** Reads the first `m=message` section's MSRP attributes; undefined when there is none. */
export function parseMsrpSdp(sdp: string): MsrpMedia | undefined {
  const lines = sdp.split(/\r?\n/);
  // RFC 7977 §8.1 adds TCP/WS/MSRP and TCP/WSS/MSRP to RFC 4975's TCP/MSRP and TCP/TLS/MSRP.
  const start = lines.findIndex((line) =>
    /^m=message \d+ (TCP|TCP\/TLS|TCP\/WSS?)\/MSRP\b/i.test(line),
  );
  if (start === -1) return undefined;
  const end = lines.findIndex((line, i) => i > start && line.startsWith('m='));
  const section = lines.slice(start + 1, end === -1 ? undefined : end);
  const attribute = (name: string): string | undefined =>
    section
      .find((line) => line.startsWith(`a=${name}:`))
      ?.slice(name.length + 3)
      .trim();
  const list = (value: string | undefined): string[] =>
    value ? value.split(/\s+/).filter(Boolean) : [];
  const setup = attribute('setup');
  const maxSize = attribute('max-size');
  const selector = attribute('file-selector');
  return {
    path: list(attribute('path')),
    acceptTypes: list(attribute('accept-types')),
    acceptWrappedTypes: list(attribute('accept-wrapped-types')),
    maxSize: maxSize && /^\d+$/.test(maxSize) ? Number(maxSize) : undefined,
    setup: setup === 'active' || setup === 'passive' || setup === 'actpass' ? setup : undefined,
    fileSelector: selector === undefined ? undefined : parseFileSelector(selector),
  };
}

/** `name:"a b.txt" type:image/png size:1234 hash:sha-1:…` → record. */
function parseFileSelector(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of value.matchAll(/([a-z-]+):("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const [, key, raw] = match;
    if (key && raw) out[key] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return out;
}

/** What {@link buildMsrpSdp} writes. */
export interface MsrpSdpOptions {
  /** Address for the `c=` and `o=` lines. */
  readonly address: string;
  readonly port: number;
  readonly path: readonly string[];
  readonly acceptTypes: readonly string[];
  readonly acceptWrappedTypes?: readonly string[];
  readonly maxSize?: number;
  readonly setup?: 'active' | 'passive' | 'actpass';
  readonly secure?: boolean;
  /** Extra attribute lines without `a=`, e.g. `file-selector:…`. */
  readonly extra?: readonly string[];
}

/** Builds an SDP body with one MSRP media line (RFC 4975 §8.1). */
export function buildMsrpSdp(options: MsrpSdpOptions): string {
  const ipVersion = options.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=- ${Date.now()} 1 IN ${ipVersion} ${options.address}`,
    's=-',
    `c=IN ${ipVersion} ${options.address}`,
    't=0 0',
    `m=message ${options.port} ${protocolOf(options)} *`,
    `a=accept-types:${options.acceptTypes.join(' ')}`,
    ...(options.acceptWrappedTypes?.length
      ? [`a=accept-wrapped-types:${options.acceptWrappedTypes.join(' ')}`]
      : []),
    ...(options.maxSize !== undefined ? [`a=max-size:${options.maxSize}`] : []),
    ...(options.setup ? [`a=setup:${options.setup}`] : []),
    `a=path:${options.path.join(' ')}`,
    ...(options.extra ?? []).map((line) => `a=${line}`),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The m-line protocol: over WebSocket when the first path URI says `;ws` (RFC 7977 §8.1). */
function protocolOf(options: MsrpSdpOptions): string {
  const webSocket = /;ws$/i.test(options.path[0] ?? '');
  if (webSocket) return options.secure ? 'TCP/WSS/MSRP' : 'TCP/WS/MSRP';
  return options.secure ? 'TCP/TLS/MSRP' : 'TCP/MSRP';
}

/** The `type/subtype` of a Content-Type, for `a=accept-types` (RFC 4975 §8.6); `*` when there is none. */
export function mediaTypeOf(contentType: string): string {
  const type = contentType.split(';')[0]?.trim() ?? '';
  return type.length > 0 ? type : '*';
}

/** What {@link buildSendOffer} describes: one message that we will send. */
export interface SendOfferOptions {
  readonly address: string;
  /** Our MSRP URI (see {@link activeEndpointUri}). */
  readonly path: string;
  /** Content-Type of the message. */
  readonly contentType: string;
  readonly size: number;
  /** A file name: the offer then carries an RFC 5547 `a=file-selector` instead of `a=max-size`. */
  readonly fileName?: string;
  /**
   * The port we listen on when the answerer must connect to us (`a=setup:passive`, RFC 6135): for a
   * device that cannot be connected to, such as a browser on MSRP over WebSocket (RFC 7977 §5).
   * Without it we connect (`a=setup:active`).
   */
  readonly passivePort?: number;
}

/**
 * An SDP offer to send one message over MSRP: `a=sendonly`, `a=setup:active` (we connect to the
 * answerer, RFC 4975 §5.4, RFC 6135; `passive` with `passivePort`), and the size, as `a=file-selector` (RFC 5547 §5) when the
 * message has a file name, else as `a=max-size`.
 */
export function buildSendOffer(options: SendOfferOptions): string {
  const type = mediaTypeOf(options.contentType);
  const name = options.fileName?.replace(/["\r\n]/g, '');
  return buildMsrpSdp({
    address: options.address,
    // An active endpoint listens nowhere: the discard port (RFC 6135 §4.1).
    port: options.passivePort ?? 9,
    path: [options.path],
    acceptTypes: [type],
    maxSize: name === undefined ? options.size : undefined,
    setup: options.passivePort === undefined ? 'active' : 'passive',
    extra: [
      'sendonly',
      ...(name === undefined
        ? []
        : [`file-selector:name:"${name}" type:${type} size:${options.size}`]),
    ],
  });
}
