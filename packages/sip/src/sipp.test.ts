// sipp 3.6 as a real UAC against the endpoint, over UDP and TCP. With -lost, sipp drops a share of the
// messages it would send or receive, so MESSAGE retransmissions reach the server transaction, which
// must answer each with the same 202 (RFC 3261 §17.2.2).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startSipp } from '@pigeonhole/testkit';
import { SipEndpoint, type Dialog } from './index.js';

const SCENARIOS = fileURLToPath(new URL('../test/sipp/', import.meta.url));

/** Runs sipp as a UAC against the endpoint; resolves with its exit code and output. */
async function sipp(options: {
  port: number;
  scenario: string;
  transport: 'u1' | 't1';
  calls: number;
  extra?: string[];
}) {
  const local = await freePort();
  return startSipp([
    `127.0.0.1:${options.port}`,
    '-sf',
    `${SCENARIOS}${options.scenario}`,
    '-t',
    options.transport,
    '-i',
    '127.0.0.1',
    '-p',
    String(local),
    '-m',
    String(options.calls),
    '-r',
    '200',
    '-timeout',
    '30s',
    '-timeout_error',
    ...(options.extra ?? []),
  ]).done;
}

describe('the endpoint against sipp', () => {
  const endpoint = new SipEndpoint({ timers: { T1: 500 } });
  let received = 0;
  endpoint.handle('INVITE', (request, { reply }) => {
    expect(request.get('Content-Type')).toBe('application/sdp');
    reply(200, {
      headers: [
        ['Contact', '<sip:pigeonhole@127.0.0.1>'],
        ['Content-Type', 'application/sdp'],
      ],
      body: Buffer.from(
        'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n',
      ),
    });
  });
  endpoint.handle('MESSAGE', (request, { reply }) => {
    received++;
    expect(request.body.toString()).toMatch(/^Hello from sipp/);
    reply(202);
  });
  let udp = 0;
  let tcp = 0;
  beforeAll(async () => {
    udp = (await endpoint.listenUdp({ host: '127.0.0.1', port: 0 })).port;
    tcp = (await endpoint.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => endpoint.close());

  it.each([
    ['UDP', 'u1'],
    ['TCP', 't1'],
  ] as const)(
    'answers 50 MESSAGEs over %s with 202',
    async (_name, transport) => {
      const before = received;
      const result = await sipp({
        port: transport === 'u1' ? udp : tcp,
        scenario: 'uac_message.xml',
        transport,
        calls: 50,
      });
      expect(result.code, result.output).toBe(0);
      expect(received - before).toBe(50);
    },
    60_000,
  );

  it('absorbs retransmissions when sipp loses 20 % of packets over UDP', async () => {
    const before = received;
    const result = await sipp({
      port: udp,
      scenario: 'uac_message.xml',
      transport: 'u1',
      calls: 30,
      extra: ['-lost', '20'],
    });
    expect(result.code, result.output).toBe(0);
    // Each MESSAGE reaches the handler at most once, however often it was retransmitted.
    expect(received - before).toBe(30);
  }, 60_000);

  it.each([
    ['UDP with 10 % loss', 'u1', ['-lost', '10']],
    ['TCP', 't1', []],
  ] as const)(
    'answers 10 calls (INVITE 200 with SDP, ACK, BYE) over %s',
    async (_name, transport, extra) => {
      const dialogs = { confirmed: 0, ended: 0 };
      const count = (dialog: Dialog): void => {
        dialog.once('confirmed', () => dialogs.confirmed++);
        dialog.once('terminated', (reason) => reason === 'bye' && dialogs.ended++);
      };
      endpoint.on('dialog', count);
      const result = await sipp({
        port: transport === 'u1' ? udp : tcp,
        scenario: 'uac_invite.xml',
        transport,
        calls: 10,
        extra: [...extra],
      });
      endpoint.off('dialog', count);
      expect(result.code, result.output).toBe(0);
      expect(dialogs.ended).toBe(10);
      // Over lossy UDP an ACK may be lost for good: sipp sends its BYE anyway, which ends the dialog.
      if (transport === 't1') expect(dialogs.confirmed).toBe(10);
      else expect(dialogs.confirmed).toBeGreaterThan(0);
      expect(endpoint.dialogCount).toBe(0);
    },
    60_000,
  );

  it('answers OPTIONS with 200 and Allow', async () => {
    const result = await sipp({
      port: udp,
      scenario: 'uac_options.xml',
      transport: 'u1',
      calls: 5,
    });
    expect(result.code, result.output).toBe(0);
  }, 60_000);
});
