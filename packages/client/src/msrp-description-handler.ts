import { buildSendOffer, parseMsrpSdp, type MsrpMedia } from '@pigeonhole/msrp';
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import { clientMsrpUri } from './client-msrp-uri.js';

/** What the offer describes: the one message this session will send (RFC 5547 file-selector). */
export interface OfferedFile {
  readonly name: string;
  /** Content-Type of the message. */
  readonly type: string;
  readonly size: number;
}

/**
 * SIP.js's session description handler for sending one large message over MSRP (RFC 4975) instead of
 * WebRTC media: the offer is an `m=message` line, `a=sendonly`, `a=setup:active` (we connect to the
 * answerer, RFC 6135) and an `a=file-selector` with the size (RFC 5547) so the server can check quota
 * before it answers; the answer's `a=path` says where to connect.
 */
export class MsrpDescriptionHandler implements SessionDescriptionHandler {
  /** Our MSRP URI, the From-Path of what we send. */
  readonly localPath: string;
  #answer: MsrpMedia | undefined;

  constructor(readonly file: OfferedFile) {
    this.localPath = clientMsrpUri();
  }

  /** The answer's MSRP description once it arrived. */
  get answer(): MsrpMedia | undefined {
    return this.#answer;
  }

  getDescription(): Promise<BodyAndContentType> {
    const body = buildSendOffer({
      address: '0.0.0.0',
      path: this.localPath,
      contentType: this.file.type,
      size: this.file.size,
      fileName: this.file.name,
    });
    return Promise.resolve({ body, contentType: 'application/sdp' });
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  /** Takes the answer; an answer without an MSRP path is refused (SIP.js then ends the session). */
  setDescription(sdp: string): Promise<void> {
    const media = parseMsrpSdp(sdp);
    if (!media?.path.length)
      return Promise.reject(new Error('the answer has no MSRP media with a path'));
    this.#answer = media;
    return Promise.resolve();
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    this.#answer = undefined;
  }
}
