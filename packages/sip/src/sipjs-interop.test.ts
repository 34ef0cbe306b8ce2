// SIP.js 0.21 (the client user agent of the project) against the endpoint over WebSocket (RFC 7118):
// REGISTER with an MD5 digest challenge, MESSAGE both ways (the endpoint reaches SIP.js over the
// connection its REGISTER came on), INVITE answered with SDP, ACK and BYE. SIP.js runs in Node with
// the `ws` package as its WebSocket and a session description handler that offers fixed SDP, so no
// media is exchanged: this shows signalling interoperability, not media.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { withTimeout } from '@pigeonhole/testkit';
import {
  Inviter,
  Messager,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type SessionDescriptionHandler,
} from 'sip.js';
import {
  DigestAuthenticator,
  SipEndpoint,
  type Dialog,
  type Flow,
  type SipRequest,
} from './index.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 9 TCP/MSRP *\r\n';
const next = <TValue>(promise: Promise<TValue>, what = 'the event'): Promise<TValue> =>
  withTimeout(promise, 5000, what);

/** A session description handler without WebRTC: offers and accepts fixed SDP. */
const fixedSdp = (): SessionDescriptionHandler => ({
  close: () => undefined,
  getDescription: () => Promise.resolve({ body: SDP, contentType: 'application/sdp' }),
  hasDescription: (type) => type === 'application/sdp',
  setDescription: () => Promise.resolve(),
  sendDtmf: () => false,
});

describe('SIP.js 0.21 over WebSocket', () => {
  const endpoint = new SipEndpoint();
  const digest = new DigestAuthenticator({
    realm: 'example.com',
    algorithms: ['MD5'], // SIP.js 0.21 answers MD5 only
    lookup: (user) =>
      Promise.resolve(createHash('md5').update(`${user}:example.com:secret`).digest('hex')),
  });
  const registered: { contact?: string; flow?: Flow } = {};
  const received: SipRequest[] = [];
  let port = 0;
  let ua: UserAgent;
  const messages: string[] = [];
  const globals = globalThis as { WebSocket?: unknown };
  const saved = globals.WebSocket;

  endpoint.handle('REGISTER', async (request, server) => {
    const result = await digest.verify(request);
    if (!result.ok)
      return server.reply(401, {
        headers: digest.challenge({ stale: result.stale }).map((c) => ['WWW-Authenticate', c]),
      });
    registered.contact = request.contact[0]?.uriText;
    registered.flow = server.flow;
    server.reply(200, {
      headers: [['Contact', `${request.get('Contact') ?? ''};expires=${request.expires ?? 600}`]],
    });
  });
  endpoint.handle('MESSAGE', (request, server) => {
    received.push(request);
    server.reply(202);
  });
  endpoint.handle('INVITE', (request, server) => {
    received.push(request);
    server.reply(200, {
      headers: [
        ['Contact', `<sip:im@127.0.0.1:${port};transport=ws>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: Buffer.from(SDP),
    });
  });

  beforeAll(async () => {
    globals.WebSocket = WebSocket;
    port = (await endpoint.listenWs({ host: '127.0.0.1', port: 0 })).port;
    ua = new UserAgent({
      uri: UserAgent.makeURI('sip:alice@example.com'),
      transportOptions: { server: `ws://127.0.0.1:${port}` },
      authorizationUsername: 'alice',
      authorizationPassword: 'secret',
      logBuiltinEnabled: false,
      sessionDescriptionHandlerFactory: fixedSdp,
      delegate: {
        onMessage: (message) => {
          messages.push(message.request.body);
          void message.accept();
        },
      },
    });
    await ua.start();
  });
  afterAll(async () => {
    await ua.stop();
    await endpoint.close();
    globals.WebSocket = saved;
  });

  it('REGISTERs with digest; the binding carries the WebSocket flow', async () => {
    const registerer = new Registerer(ua);
    const done = next(
      new Promise<void>((resolve) =>
        registerer.stateChange.addListener((state) => {
          if (state === RegistererState.Registered) resolve();
        }),
      ),
      'SIP.js to register',
    );
    await registerer.register();
    await done;
    expect(registered.flow?.transport).toBe('ws');
    expect(registered.flow?.connectionId).toBeTruthy();
    expect(registered.contact).toMatch(/transport=ws/);
  });

  it('takes a MESSAGE from SIP.js and answers 202', async () => {
    const accepted = new Promise<number>((resolve) => {
      void new Messager(
        ua,
        UserAgent.makeURI('sip:bob@example.com') as never,
        'hi from SIP.js',
      ).message({ requestDelegate: { onAccept: (r) => resolve(r.message.statusCode ?? 0) } });
    });
    expect(await next(accepted, 'the 202')).toBe(202);
    expect(received.at(-1)?.body.toString()).toBe('hi from SIP.js');
  });

  it('sends a MESSAGE to SIP.js over the connection its REGISTER came on', async () => {
    const flow = registered.flow;
    const response = await endpoint.request(
      {
        method: 'MESSAGE',
        uri: registered.contact ?? '',
        from: '<sip:bob@example.com>',
        to: '<sip:alice@example.com>',
        contentType: 'text/plain',
        body: Buffer.from('stored for you'),
      },
      {
        transport: 'ws',
        host: flow?.remoteAddress ?? '',
        port: flow?.remotePort ?? 0,
        connectionId: flow?.connectionId,
      },
    );
    expect(response.status).toBe(200);
    expect(messages).toEqual(['stored for you']);
  });

  it('places an INVITE that the endpoint answers 200 with SDP; ACK and BYE follow', async () => {
    const dialog = next(new Promise<Dialog>((resolve) => endpoint.once('dialog', resolve)));
    const inviter = new Inviter(ua, UserAgent.makeURI('sip:bob@example.com') as never);
    const established = new Promise<void>((resolve) =>
      inviter.stateChange.addListener((state) => {
        if (state === SessionState.Established) resolve();
      }),
    );
    await inviter.invite();
    await next(established, 'the session');
    const accepted = await dialog;
    if (accepted.state !== 'confirmed')
      await next(
        new Promise((resolve) => accepted.once('confirmed', () => resolve(true))),
        'the ACK',
      );
    const ended = next(new Promise((resolve) => accepted.once('terminated', resolve)), 'the BYE');
    await inviter.bye();
    expect(await ended).toBe('bye');
    expect(received.at(-1)?.get('Content-Type')).toBe('application/sdp');
  });
});
