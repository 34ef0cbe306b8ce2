import { describe, expect, it } from 'vitest';
import { acceptsMethod, contactTarget, type RegisteredContact } from './contact-target.js';

const binding = (
  over: Partial<RegisteredContact> & Pick<RegisteredContact, 'flow'>,
): RegisteredContact => ({ contact: 'sip:bob@192.0.2.7:5062', params: {}, ...over });

describe('contactTarget', () => {
  it('reaches a UDP or TCP contact at its URI, the contact as Request-URI', () => {
    const udp = binding({ flow: { transport: 'udp', remote: '192.0.2.7:5062', edge: 'sip:e' } });
    expect(contactTarget(udp)).toEqual({
      uri: 'sip:bob@192.0.2.7:5062',
      target: { transport: 'udp', host: '192.0.2.7', port: 5062 },
    });
    const tcp = binding({
      contact: 'sip:bob@192.0.2.7;transport=tcp',
      flow: { transport: 'tcp', remote: '192.0.2.7:40000', edge: 'sip:e' },
    });
    expect(contactTarget(tcp)?.target).toEqual({ transport: 'tcp', host: '192.0.2.7', port: 5060 });
  });

  it('routes a WebSocket contact through the edge that holds its connection', () => {
    const ws = binding({
      contact: 'sip:x8k2@df7jal23ls0d.invalid;transport=ws',
      flow: {
        transport: 'ws',
        remote: '198.51.100.3:51000',
        connectionId: '5f0c7c9e-2a61-4f0e-9d7e-1b2c3d4e5f60',
        edge: 'sip:10.0.0.5:5060;transport=tcp',
      },
    });
    expect(contactTarget(ws)).toEqual({
      uri: 'sip:x8k2@df7jal23ls0d.invalid;transport=ws',
      target: { transport: 'tcp', host: '10.0.0.5', port: 5060 },
      route: '<sip:5f0c7c9e-2a61-4f0e-9d7e-1b2c3d4e5f60@10.0.0.5:5060;transport=tcp;lr>',
    });
  });

  it('reaches a WebSocket contact directly over the connection this edge holds', () => {
    const ws = binding({
      contact: 'sip:x8k2@df7jal23ls0d.invalid;transport=ws',
      flow: {
        transport: 'ws',
        remote: '198.51.100.3:51000',
        connectionId: 'c-1',
        edge: 'sip:10.0.0.5:5060;transport=tcp',
      },
    });
    expect(contactTarget(ws, { localEdge: 'sip:10.0.0.5:5060;transport=tcp' })).toEqual({
      uri: 'sip:x8k2@df7jal23ls0d.invalid;transport=ws',
      target: { transport: 'ws', host: '198.51.100.3', port: 51000, connectionId: 'c-1' },
    });
  });

  it('cannot reach a WebSocket contact whose connection is unknown', () => {
    const ws = binding({ flow: { transport: 'ws', remote: 'r', edge: 'sip:10.0.0.5' } });
    expect(contactTarget(ws)).toBeUndefined();
  });
});

describe('acceptsMethod', () => {
  it('takes every method unless the methods feature tag leaves it out (RFC 3840 §10)', () => {
    const flow = { transport: 'udp', remote: 'r', edge: 'e' } as const;
    expect(acceptsMethod(binding({ flow }), 'INVITE')).toBe(true);
    const pagerOnly = binding({ flow, params: { methods: '"MESSAGE,OPTIONS"' } });
    expect(acceptsMethod(pagerOnly, 'MESSAGE')).toBe(true);
    expect(acceptsMethod(pagerOnly, 'INVITE')).toBe(false);
  });
});
