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
  const start = lines.findIndex((line) => /^m=message \d+ (TCP|TCP\/TLS)\/MSRP\b/i.test(line));
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
    `m=message ${options.port} ${options.secure ? 'TCP/TLS/MSRP' : 'TCP/MSRP'} *`,
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
