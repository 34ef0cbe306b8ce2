import { describe, expect, it } from 'vitest';
import { buildMsrpSdp, buildSendOffer, parseMsrpSdp } from './index.js';

describe('MSRP SDP', () => {
  it('builds and reads back an MSRP media line over TCP (RFC 4975 §8)', () => {
    const sdp = buildMsrpSdp({
      address: '192.0.2.1',
      port: 2855,
      path: ['msrp://192.0.2.1:2855/s1;tcp'],
      acceptTypes: ['message/cpim', 'text/plain'],
      maxSize: 1000,
      setup: 'passive',
    });
    expect(sdp).toContain('m=message 2855 TCP/MSRP *\r\n');
    expect(parseMsrpSdp(sdp)).toEqual({
      path: ['msrp://192.0.2.1:2855/s1;tcp'],
      acceptTypes: ['message/cpim', 'text/plain'],
      acceptWrappedTypes: [],
      maxSize: 1000,
      setup: 'passive',
      fileSelector: undefined,
    });
  });

  it('says TCP/WS/MSRP for a WebSocket path and reads it (RFC 7977 §8.1)', () => {
    const sdp = buildMsrpSdp({
      address: '192.0.2.1',
      port: 2856,
      path: ['msrp://192.0.2.1:2856/s2;ws'],
      acceptTypes: ['*'],
    });
    expect(sdp).toContain('m=message 2856 TCP/WS/MSRP *\r\n');
    expect(parseMsrpSdp(sdp)?.path).toEqual(['msrp://192.0.2.1:2856/s2;ws']);
    expect(parseMsrpSdp(sdp.replace('TCP/WS/', 'TCP/WSS/'))?.path).toHaveLength(1);
    expect(parseMsrpSdp(sdp.replace('TCP/WS/MSRP', 'RTP/AVP'))).toBeUndefined();
  });

  it('offers to send as the passive end when it listens (RFC 6135)', () => {
    const active = parseMsrpSdp(
      buildSendOffer({
        address: '0.0.0.0',
        path: 'msrp://a.invalid:9/x;tcp',
        contentType: 'image/png',
        size: 5,
      }),
    );
    expect(active).toMatchObject({ setup: 'active', maxSize: 5, acceptTypes: ['image/png'] });
    const offer = buildSendOffer({
      address: '192.0.2.9',
      path: 'msrp://192.0.2.9:2858/d1;ws',
      contentType: 'application/octet-stream',
      size: 7,
      passivePort: 2858,
    });
    expect(offer).toContain('m=message 2858 TCP/WS/MSRP *');
    expect(parseMsrpSdp(offer)).toMatchObject({
      setup: 'passive',
      path: ['msrp://192.0.2.9:2858/d1;ws'],
    });
  });
});
