import { buildMsrpSdp, parseMsrpSdp, type MsrpMedia } from '@pigeonhole/msrp';
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import { clientMsrpUri } from './client-msrp-uri.js';

/**
 * SIP.js's session description handler for receiving one large message over MSRP: it takes an offer
 * whose sender listens (`a=setup:passive` or `actpass`, RFC 6135) and answers `a=setup:active`,
 * `a=recvonly`, any type, with a WebSocket path on a `.invalid` host: a client has no address of its
 * own and always connects (RFC 7977 §5). An offer that would connect to us (`active`, or no `a=setup`:
 * RFC 4975 §8.5 has the offerer connect) is refused.
 */
export class MsrpReceiveHandler implements SessionDescriptionHandler {
  /** Our MSRP URI, the To-Path of what we receive. */
  readonly localPath: string;
  #offer: MsrpMedia | undefined;

  constructor() {
    this.localPath = clientMsrpUri();
  }

  /** The offer's MSRP description once it arrived. */
  get offer(): MsrpMedia | undefined {
    return this.#offer;
  }

  /** Takes the offer; one we cannot connect to is refused (SIP.js then answers 488). */
  setDescription(sdp: string): Promise<void> {
    const media = parseMsrpSdp(sdp);
    if (!media?.path.length)
      return Promise.reject(new Error('the offer has no MSRP media with a path'));
    if (media.setup !== 'passive' && media.setup !== 'actpass')
      return Promise.reject(new Error('the offer would connect to us: a client cannot listen'));
    this.#offer = media;
    return Promise.resolve();
  }

  getDescription(): Promise<BodyAndContentType> {
    const body = buildMsrpSdp({
      address: '0.0.0.0',
      port: 9,
      path: [this.localPath],
      acceptTypes: ['*'],
      setup: 'active',
      extra: ['recvonly'],
    });
    return Promise.resolve({ body, contentType: 'application/sdp' });
  }

  hasDescription(contentType: string): boolean {
    return contentType.toLowerCase().startsWith('application/sdp');
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    this.#offer = undefined;
  }
}
