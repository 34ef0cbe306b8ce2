// Two or three endpoints in one process over real UDP, TCP and TLS sockets on 127.0.0.1: INVITE with
// its ACK and BYE, CANCEL, digest as a UAC, and a stateful forward through a proxy. It cannot show
// behaviour under real packet loss (the sipp suites do that).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '@pigeonhole/testkit';
import {
  DigestAuthenticator,
  SipEndpoint,
  type Dialog,
  type RequestTarget,
  type SipRequest,
} from './index.js';
import { createHash } from 'node:crypto';

const next = <TValue>(promise: Promise<TValue>): Promise<TValue> =>
  withTimeout(promise, 5000, 'the event');
const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n',
);

describe('endpoints as UAC and UAS over real sockets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  const uas = new SipEndpoint({ timers: { T1: 50, T2: 200 } });
  const uac = new SipEndpoint({
    timers: { T1: 50, T2: 200 },
    tlsClient: { rejectUnauthorized: false },
  });
  const proxy = new SipEndpoint({ timers: { T1: 50, T2: 200 } });
  const ports = { udp: 0, tcp: 0, tls: 0, proxy: 0 };
  const seen: SipRequest[] = [];
  const digest = new DigestAuthenticator({
    realm: 'example.com',
    lookup: (user, algorithm) =>
      Promise.resolve(
        createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
          .update(`${user}:example.com:secret`)
          .digest('hex'),
      ),
  });

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'],
        ...['-subj', '/CN=localhost'],
      ],
      { stdio: 'ignore' },
    );
    const tls = {
      key: readFileSync(join(dir, 'key.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
    };
    ports.udp = (await uas.listenUdp({ host: '127.0.0.1', port: 0 })).port;
    ports.tcp = (await uas.listenTcp({ host: '127.0.0.1', port: 0 })).port;
    ports.tls = (await uas.listenTls({ host: '127.0.0.1', port: 0, tls })).port;
    for (const ep of [uac, proxy]) {
      await ep.listenUdp({ host: '127.0.0.1', port: 0 });
      await ep.listenTcp({ host: '127.0.0.1', port: 0 });
      await ep.listenTls({ host: '127.0.0.1', port: 0, tls });
    }
    ports.proxy = proxy.transports.local('tcp')?.port ?? 0;
  });
  afterAll(async () => {
    await Promise.all([uas.close(), uac.close(), proxy.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  uas.handle('INVITE', async (request, server) => {
    seen.push(request);
    if (request.get('Subject') === 'ring forever') {
      server.reply(180);
      await new Promise((resolve) => server.transaction?.signal.addEventListener('abort', resolve));
      return;
    }
    server.reply(200, {
      headers: [
        ['Contact', `<sip:uas@127.0.0.1:${ports.udp}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: SDP,
    });
  });
  uas.handle('BYE', (request, server) => {
    seen.push(request);
    server.reply(server.dialog ? 200 : 481);
  });
  uas.handle('REGISTER', async (request, server) => {
    const result = await digest.verify(request);
    if (!result.ok)
      return server.reply(401, {
        headers: digest.challenge({ stale: result.stale }).map((c) => ['WWW-Authenticate', c]),
      });
    server.reply(200, { headers: [['Contact', request.get('Contact') ?? '']] });
  });
  uas.handle('MESSAGE', (request, server) => {
    seen.push(request);
    server.reply(202);
  });

  const call = (transport: RequestTarget['transport'], subject = 'hello') => ({
    uri: `sip:uas@127.0.0.1:${ports[transport === 'udp' ? 'udp' : transport === 'tls' ? 'tls' : 'tcp']}`,
    from: '<sip:alice@example.com>',
    to: '<sip:uas@example.com>',
    headers: [
      ['Contact', '<sip:alice@127.0.0.1>'],
      ['Subject', subject],
    ] as [string, string][],
    contentType: 'application/sdp',
    body: SDP,
  });
  const target = (transport: 'udp' | 'tcp' | 'tls'): RequestTarget => ({
    transport,
    host: '127.0.0.1',
    port: ports[transport],
  });

  it.each(['udp', 'tcp', 'tls'] as const)(
    'INVITE → 200 with SDP → ACK confirms the dialog → BYE ends it, over %s',
    async (transport) => {
      const uasDialog = next(new Promise<Dialog>((resolve) => uas.once('dialog', resolve)));
      const { response, dialog } = await uac.invite(call(transport), target(transport));
      expect(response.status).toBe(200);
      expect(response.body.toString()).toContain('v=0');
      const accepted = await uasDialog;
      if (accepted.state !== 'confirmed')
        await next(new Promise((resolve) => accepted.once('confirmed', () => resolve(true))));
      expect(accepted.state).toBe('confirmed');
      const ended = next(new Promise((resolve) => accepted.once('terminated', resolve)));
      const bye = await dialog?.bye();
      expect(bye?.status).toBe(200);
      expect(await ended).toBe('bye');
      expect(uas.dialogCount).toBe(0);
    },
  );

  it('CANCEL after a provisional: 200 for the CANCEL, 487 for the INVITE, the handler sees the abort', async () => {
    const abort = new AbortController();
    const outcome = await uac.invite(call('udp', 'ring forever'), target('udp'), {
      signal: abort.signal,
      onProvisional: (r) => {
        if (r.status === 180) abort.abort();
      },
    });
    expect(outcome.response.status).toBe(487);
    expect(outcome.dialog).toBeUndefined();
  });

  it('answers a digest challenge as a UAC (REGISTER 401 → 200), over TCP', async () => {
    const response = await uac.request(
      {
        method: 'REGISTER',
        uri: 'sip:example.com',
        from: '<sip:alice@example.com>',
        to: '<sip:alice@example.com>',
        headers: [['Contact', '<sip:alice@127.0.0.1>']],
      },
      target('tcp'),
      { credentials: { user: 'alice', password: 'secret' } },
    );
    expect(response.status).toBe(200);
    expect(response.cseq.seq).toBe(2);
  });

  it('forwards a MESSAGE statefully through a proxy: new Via, Max-Forwards − 1, response relayed', async () => {
    proxy.handle('MESSAGE', async (request, server) => {
      const response = await proxy.forward(request, target('tcp'), {
        uri: `sip:uas@127.0.0.1:${ports.tcp};transport=tcp`,
      });
      server.send(response);
    });
    const response = await withTimeout(
      uac.request(
        {
          method: 'MESSAGE',
          uri: 'sip:bob@example.com',
          from: '<sip:alice@example.com>',
          to: '<sip:bob@example.com>',
          contentType: 'text/plain',
          body: Buffer.from('through the proxy'),
        },
        { transport: 'tcp', host: '127.0.0.1', port: ports.proxy },
      ),
      5000,
      'the relayed response',
    );
    expect(response.status).toBe(202);
    expect(response.via).toHaveLength(1); // the proxy removed its own
    const forwarded = seen.at(-1);
    expect(forwarded?.method).toBe('MESSAGE');
    expect(forwarded?.via).toHaveLength(2);
    expect(forwarded?.maxForwards).toBe(69);
    expect(forwarded?.body.toString()).toBe('through the proxy');
  });

  it('a BYE outside any dialog gets 481', async () => {
    const response = await uac.request(
      {
        method: 'BYE',
        uri: `sip:uas@127.0.0.1:${ports.udp}`,
        from: '<sip:alice@example.com>',
        to: '<sip:uas@example.com>;tag=nope',
      },
      target('udp'),
    );
    expect(response.status).toBe(481);
  });
});
