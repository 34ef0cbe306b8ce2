import { parseMsrpSdp } from '@pigeonhole/msrp';
import { describe, expect, it } from 'vitest';
import { MsrpDescriptionHandler } from './msrp-description-handler.js';
import { MsrpReceiveHandler } from './msrp-receive-handler.js';

describe('MsrpDescriptionHandler', () => {
  it('offers one sendonly MSRP stream, active, with the file size (RFC 4975, 6135, 5547)', async () => {
    const handler = new MsrpDescriptionHandler({
      name: 'photo "1".jpg',
      type: 'image/jpeg',
      size: 1234567,
    });
    const { body, contentType } = await handler.getDescription();
    expect(contentType).toBe('application/sdp');
    expect(body).toContain('m=message 9 TCP/WS/MSRP *');
    expect(body).toContain('a=sendonly');
    const offer = parseMsrpSdp(body);
    expect(offer).toMatchObject({ setup: 'active', acceptTypes: ['image/jpeg'] });
    expect(offer?.path).toEqual([handler.localPath]);
    expect(offer?.fileSelector).toEqual({
      name: 'photo 1.jpg',
      type: 'image/jpeg',
      size: '1234567',
    });
  });

  it('takes an answer with an MSRP path, and refuses one without', async () => {
    const handler = new MsrpDescriptionHandler({ name: 'a', type: 'text/plain', size: 1 });
    await expect(handler.setDescription('v=0\r\nm=audio 9 RTP/AVP 0\r\n')).rejects.toThrow(
      'no MSRP media',
    );
    await handler.setDescription(
      'v=0\r\nc=IN IP4 127.0.0.1\r\nm=message 2855 TCP/MSRP *\r\na=setup:passive\r\na=path:msrp://127.0.0.1:2855/s1;tcp\r\n',
    );
    expect(handler.answer?.path).toEqual(['msrp://127.0.0.1:2855/s1;tcp']);
  });
});

describe('MsrpReceiveHandler', () => {
  it('answers an offer whose sender listens with an active, recvonly WebSocket path (RFC 6135, 7977)', async () => {
    const handler = new MsrpReceiveHandler();
    await handler.setDescription(
      'v=0\r\nc=IN IP4 127.0.0.1\r\nm=message 2858 TCP/MSRP *\r\na=setup:passive\r\na=path:msrp://127.0.0.1:2858/d1;ws\r\n',
    );
    expect(handler.offer?.path).toEqual(['msrp://127.0.0.1:2858/d1;ws']);
    const { body } = await handler.getDescription();
    expect(body).toContain('a=recvonly');
    const answer = parseMsrpSdp(body);
    expect(answer).toMatchObject({ setup: 'active', acceptTypes: ['*'] });
    expect(answer?.path).toEqual([handler.localPath]);
    expect(handler.localPath).toMatch(/^msrp:\/\/[0-9a-f]+\.invalid:9\/[\w-]+;ws$/);
  });

  it('refuses an offer that would connect to the client', async () => {
    const handler = new MsrpReceiveHandler();
    await expect(
      handler.setDescription(
        'v=0\r\nc=IN IP4 127.0.0.1\r\nm=message 9 TCP/MSRP *\r\na=setup:active\r\na=path:msrp://127.0.0.1:9/d2;tcp\r\n',
      ),
    ).rejects.toThrow('cannot listen');
  });
});
