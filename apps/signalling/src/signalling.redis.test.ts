// The signalling app against real peers: sipp 3.6 as the UAC over UDP and TCP, a real Redis.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '@pigeonhole/app-runtime';
import { SipEndpoint, type SipResponse } from '@pigeonhole/sip';
import {
  Inviter,
  Messager,
  Registerer,
  RegistererState,
  SessionState,
  UserAgent,
  type Invitation,
  type SessionDescriptionHandler,
  type URI,
} from 'sip.js';
import { WebSocket } from 'ws';
import {
  acceptsConnections,
  freePort,
  startSipp,
  startTestRedis,
  type TestRedis,
  uniquePrefix,
  waitUntil,
  withTimeout,
} from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SignallingContext } from './context.js';
import { createSignallingContext } from './create-context.js';
import { startSignalling, type SignallingServer } from './signalling-server.js';

const SCENARIOS = fileURLToPath(new URL('../test/sipp/', import.meta.url));
const DOMAIN = 'pigeonhole.test';
const DEVICE = fileURLToPath(
  new URL('../../../packages/sip/test/sipp/uas_message_200.xml', import.meta.url),
);

let redis: TestRedis;
let client: Redis;
let ctx: SignallingContext;
let server: SignallingServer;
let scratch: string;
const registry = new Registry();
const PREFIX = uniquePrefix('ph');

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
  ctx = createSignallingContext({
    client,
    prefix: PREFIX,
    domain: DOMAIN,
    host: '127.0.0.1',
    sipPort: 0,
    media: { host: '127.0.0.1', port: 2855, tlsPort: 2857 },
    limits: { maxMessages: 3, pagerMaxBytes: 1300, largeMaxBytes: 100 * 1024 * 1024 },
    policy: { foreignSenders: 'reject', recipients: 'users', minExpires: 60, maxExpires: 3600 },
    registry,
    log: createLogger('signalling', 'silent'),
  });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin'])
    await ctx.users.add(user, `${user}-secret`, DOMAIN);
  scratch = await mkdtemp(join(tmpdir(), 'sipp-'));
  // A self-signed certificate for the TLS listener, made for this run.
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', join(scratch, 'key.pem'), '-out', join(scratch, 'cert.pem'), '-days', '1'],
    ...['-subj', '/CN=localhost'],
  ]);
  server = await startSignalling(ctx, {
    host: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    wsPort: 0,
    tls: {
      port: 0,
      wssPort: 0,
      cert: await readFile(join(scratch, 'cert.pem')),
      key: await readFile(join(scratch, 'key.pem')),
    },
  });
});

afterAll(async () => {
  await server.close();
  await ctx.figures.close();
  await ctx.deliver.close();
  await client.quit();
  await redis.destroy();
  await rm(scratch, { recursive: true, force: true });
});

/** Runs sipp once as the UAC; exit code 0 means every call got what the scenario expects. */
async function sipp(options: {
  scenario: string;
  transport: 'u1' | 't1';
  service: string;
  user: string;
}) {
  const port = options.transport === 'u1' ? server.udp.port : server.tcp.port;
  return startSipp([
    `127.0.0.1:${port}`,
    '-sf',
    options.scenario,
    '-t',
    options.transport,
    '-i',
    '127.0.0.1',
    '-p',
    String(await freePort()),
    '-m',
    '1',
    '-s',
    options.service,
    '-au',
    options.user,
    '-ap',
    `${options.user}-secret`,
    '-key',
    'domain',
    DOMAIN,
    '-key',
    'sender',
    options.user,
    '-timeout',
    '20s',
    '-timeout_error',
  ]).done;
}

/** Binds a device of Dave's at 127.0.0.1:`port` over `transport`, as a REGISTER would. */
async function registerDave(port: number, transport: 'u1' | 't1'): Promise<{ contact: string }> {
  const flow = transport === 'u1' ? 'udp' : 'tcp';
  const contact = { contact: `sip:dave@127.0.0.1:${port};transport=${flow}` };
  await ctx.location.put(`sip:dave@${DOMAIN}`, {
    ...contact,
    expiresAt: Date.now() + 60_000,
    params: {},
    callId: 'c',
    cseq: 1,
    flow: { transport: flow, remote: `127.0.0.1:${port}`, edge: ctx.edge },
  });
  return contact;
}

/**
 * Runs `body` while sipp plays Dave's registered device with `scenario`, then expects the device to
 * have played it through; the binding goes away afterwards.
 */
async function withDaveDevice(
  { scenario, transport }: { scenario: string; transport: 'u1' | 't1' },
  body: () => Promise<void>,
): Promise<void> {
  const devicePort = await freePort();
  const device = startSipp([
    ...['-sf', scenario, '-t', transport, '-i', '127.0.0.1', '-p', String(devicePort)],
    ...['-m', '1', '-timeout', '20s'],
  ]);
  if (transport === 't1')
    await waitUntil(() => acceptsConnections(devicePort), 10_000, 'sipp to listen');
  const contact = await registerDave(devicePort, transport);
  try {
    await body();
    const played = await device.done;
    expect(played.code, played.output).toBe(0);
  } finally {
    await ctx.location.remove(`sip:dave@${DOMAIN}`, contact);
  }
}

/** A MESSAGE scenario expecting `status` (and a Warning when given), with a body of `bodyText`. */
async function messageScenario(
  status: number,
  bodyText: string,
  { warning, contentType = 'text/plain' }: { warning?: string; contentType?: string } = {},
): Promise<string> {
  const template = (await readFile(join(SCENARIOS, 'uac_message.template.xml'), 'utf8')).replace(
    /Content-Type: text\/plain/g,
    `Content-Type: ${contentType}`,
  );
  const file = join(
    scratch,
    `message-${status}-${bodyText.length}-${contentType.replace('/', '-')}.xml`,
  );
  await writeFile(
    file,
    template
      .replace(/BODY_TEXT/g, bodyText)
      .replace(/EXPECTED_STATUS/g, String(status))
      .replace(
        'WARNING_CHECK',
        warning
          ? `<action><ereg regexp="399 .* &quot;${warning}&quot;" search_in="hdr" header="Warning:" check_it="true" assign_to="w" /></action>`
          : '',
      )
      .replace('REFERENCE', warning ? '<Reference variables="w" />' : ''),
  );
  return file;
}

describe.each([
  ['UDP', 'u1'],
  ['TCP', 't1'],
] as const)('signalling over %s', (_name, transport) => {
  it('registers with digest and keeps the binding with its feature tag', async () => {
    const result = await sipp({
      scenario: join(SCENARIOS, 'uac_register.xml'),
      transport,
      service: 'carol',
      user: 'carol',
    });
    expect(result.code, result.output).toBe(0);
    const flow = transport === 'u1' ? 'udp' : 'tcp';
    const binding = (await ctx.location.live(`sip:carol@${DOMAIN}`)).find(
      (b) => b.flow.transport === flow,
    );
    expect(binding?.params).toHaveProperty('+g.oma.sip-im.large-message');
    expect(binding?.contact).toMatch(new RegExp(`transport=${flow}`, 'i'));
    expect(binding?.expiresAt).toBeGreaterThan(Date.now() + 500_000);
  }, 40_000);

  it('stores a MESSAGE for an offline user and answers 202 once stored', async () => {
    const to = `sip:bob@${DOMAIN}`;
    const before = await ctx.messages.count(to);
    const result = await sipp({
      scenario: await messageScenario(202, 'Hello Bob'),
      transport,
      service: 'bob',
      user: 'alice',
    });
    expect(result.code, result.output).toBe(0);
    expect(await ctx.messages.count(to)).toBe(before + 1);
    const last = (await ctx.messages.list(to)).at(-1);
    expect(last).toMatchObject({ from: `sip:alice@${DOMAIN}`, contentType: 'text/plain' });
    expect((await ctx.messages.readPagerBody(to, last?.id ?? '')).toString()).toMatch(/^Hello Bob/);
  }, 40_000);

  it('declines a 2 KB MESSAGE with 603 and Warning "message too large"', async () => {
    const result = await sipp({
      scenario: await messageScenario(603, 'x'.repeat(2048), { warning: 'message too large' }),
      transport,
      service: 'bob',
      user: 'alice',
    });
    expect(result.code, result.output).toBe(0);
  }, 40_000);

  it('forwards a MESSAGE to an online recipient (sipp as its device) and relays its 200', async () => {
    const before = await ctx.messages.count(`sip:dave@${DOMAIN}`);
    await withDaveDevice({ scenario: DEVICE, transport }, async () => {
      const result = await sipp({
        scenario: await messageScenario(200, 'Hi Dave'),
        transport,
        service: 'dave',
        user: 'alice',
      });
      expect(result.code, result.output).toBe(0);
    });
    // taken by the device, not stored
    expect(await ctx.messages.count(`sip:dave@${DOMAIN}`)).toBe(before);
  }, 40_000);

  it.each([
    [
      'answered, with ACK and BYE through us',
      'uac_invite_proxied.xml',
      'uas_invite_record_routed.xml',
    ],
    ['cancelled while it rings', 'uac_invite_cancel.xml', 'uas_invite_cancelled.xml'],
  ])(
    'proxies an INVITE to an online recipient (sipp as its device): %s',
    async (_, caller, callee) => {
      await withDaveDevice({ scenario: join(SCENARIOS, callee), transport }, async () => {
        const result = await sipp({
          scenario: join(SCENARIOS, caller),
          transport,
          service: 'dave',
          user: 'alice',
        });
        expect(result.code, result.output).toBe(0);
      });
    },
    40_000,
  );

  it('stores the MESSAGE (202) when the registered device does not answer', async () => {
    const to = `sip:dave@${DOMAIN}`;
    const contact = await registerDave(await freePort(), transport); // nothing listens there
    try {
      const before = await ctx.messages.count(to);
      const result = await sipp({
        scenario: await messageScenario(202, 'Later, Dave'),
        transport,
        service: 'dave',
        user: 'alice',
      });
      expect(result.code, result.output).toBe(0);
      expect(await ctx.messages.count(to)).toBe(before + 1);
    } finally {
      await ctx.location.remove(to, contact);
    }
  }, 40_000);

  it('answers 404 for a recipient who is not a user', async () => {
    const result = await sipp({
      scenario: await messageScenario(404, 'hi'),
      transport,
      service: 'nobody',
      user: 'alice',
    });
    expect(result.code, result.output).toBe(0);
  }, 40_000);
});

describe('signalling over TLS', () => {
  it('registers with digest over TLS and keeps the tls flow (RFC 3261 §26.2)', async () => {
    const device = new SipEndpoint({ tlsClient: { rejectUnauthorized: false } });
    // The stack names its own TLS listener in Via (RFC 3261 §18.1.1): the device listens too.
    const tls = {
      cert: await readFile(join(scratch, 'cert.pem')),
      key: await readFile(join(scratch, 'key.pem')),
    };
    await device.listenTls({ host: '127.0.0.1', port: 0, tls });
    try {
      const response = await device.request(
        {
          method: 'REGISTER',
          uri: `sip:${DOMAIN}`,
          from: `<sip:bob@${DOMAIN}>`,
          to: `<sip:bob@${DOMAIN}>`,
          headers: [
            ['Contact', '<sip:bob@127.0.0.1:5999;transport=tls>'],
            ['Expires', '600'],
          ],
        },
        { transport: 'tls', host: '127.0.0.1', port: server.tls?.port ?? 0 },
        { credentials: { user: 'bob', password: 'bob-secret' } },
      );
      expect(response.status).toBe(200);
      const bindings = await ctx.location.live(`sip:bob@${DOMAIN}`);
      expect(bindings.map((b) => b.flow.transport)).toContain('tls');
      await ctx.location.removeAll(`sip:bob@${DOMAIN}`);
    } finally {
      await device.close();
    }
  });

  it('answers SIP over secure WebSocket (RFC 7118) on the same certificate', async () => {
    const socket = new WebSocket(`wss://127.0.0.1:${server.wss?.port ?? 0}`, 'sip', {
      rejectUnauthorized: false, // the certificate is self-signed for this run
    });
    const answer = withTimeout(
      new Promise<string>((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(data.toString()));
        socket.once('error', reject);
      }),
      5000,
      'the answer over wss',
    );
    socket.once('open', () =>
      socket.send(
        `OPTIONS sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKwss1\r\n` +
          `From: <sip:bob@${DOMAIN}>;tag=w1\r\nTo: <sip:${DOMAIN}>\r\nCall-ID: wss-1\r\nCSeq: 1 OPTIONS\r\n` +
          'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    try {
      expect(await answer).toMatch(/^SIP\/2\.0 200 /);
    } finally {
      socket.close();
    }
  });
});

/** A text MESSAGE from Alice (her digest answered) to `to`, sent to the listener at `port`. */
async function messageFromAlice(
  to: string,
  { port, text, headers = [] }: { port: number; text: string; headers?: [string, string][] },
): Promise<SipResponse> {
  const sender = new SipEndpoint();
  await sender.listenUdp({ host: '127.0.0.1', port: 0 });
  try {
    return await sender.request(
      {
        method: 'MESSAGE',
        uri: to,
        from: `<sip:alice@${DOMAIN}>`,
        to: `<${to}>`,
        headers,
        contentType: 'text/plain',
        body: Buffer.from(text),
      },
      { transport: 'udp', host: '127.0.0.1', port },
      { credentials: { user: 'alice', password: 'alice-secret' } },
    );
  } finally {
    await sender.close();
  }
}

/** Runs `use` with the UDP port of a second signalling instance: on `client`, with `policy` changed. */
async function withSecondInstance(
  options: {
    client?: Redis;
    policy?: Partial<SignallingContext['policy']>;
    media?: SignallingContext['media'];
  },
  use: (udpPort: number) => Promise<void>,
): Promise<void> {
  const second = createSignallingContext({
    client: options.client ?? client,
    prefix: PREFIX,
    domain: DOMAIN,
    host: '127.0.0.1',
    sipPort: 0,
    media: options.media ?? ctx.media,
    limits: { maxMessages: 3 },
    policy: { ...ctx.policy, ...options.policy },
    registry: new Registry(),
    log: createLogger('signalling', 'silent'),
  });
  const running = await startSignalling(second, { host: '127.0.0.1', udpPort: 0, tcpPort: 0 });
  try {
    await use(running.udp.port);
  } finally {
    await running.close();
    await second.figures.close();
    await second.deliver.close();
  }
}

/** A large-message INVITE from `from` to Erin, offering MSRP at `path`, as SipEndpoint.invite takes it. */
function largeMessageInvite(from: string, path: string) {
  const proto = path.startsWith('msrps:') ? 'TCP/TLS/MSRP' : 'TCP/MSRP';
  return {
    uri: `sip:erin@${DOMAIN}`,
    from,
    to: `<sip:erin@${DOMAIN}>`,
    headers: [['Accept-Contact', '*;+g.oma.sip-im.large-message']] as [string, string][],
    contentType: 'application/sdp',
    body: Buffer.from(
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
        `m=message 9 ${proto} *\r\na=accept-types:*\r\na=path:${path}\r\n`,
    ),
  };
}

describe('registrar (RFC 3261 §10.3)', () => {
  const aor = `sip:frank@${DOMAIN}`;
  let ua: SipEndpoint;
  beforeAll(async () => {
    await ctx.users.add('frank', 'frank-secret', DOMAIN);
    ua = new SipEndpoint();
    await ua.listenUdp({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => ua.close());

  /** A REGISTER of Frank's with these Contact values (and Expires, when given): its final response. */
  const register = (contacts: string[], expires?: number): Promise<SipResponse> =>
    ua.request(
      {
        method: 'REGISTER',
        uri: `sip:${DOMAIN}`,
        from: `<${aor}>`,
        to: `<${aor}>`,
        headers: [
          ...contacts.map((contact): [string, string] => ['Contact', contact]),
          ...(expires === undefined ? [] : [['Expires', String(expires)] as [string, string]]),
        ],
      },
      { transport: 'udp', host: '127.0.0.1', port: server.udp.port },
      { credentials: { user: 'frank', password: 'frank-secret' } },
    );
  const bound = async (): Promise<string[]> =>
    (await ctx.location.live(aor)).map((binding) => binding.contact).sort();

  it('binds several contacts, removes one with expires=0, and all with * alone and Expires: 0', async () => {
    const response = await register(['<sip:frank@10.0.0.1>', '<sip:frank@10.0.0.2>'], 600);
    expect(response.status).toBe(200);
    expect(response.getAll('Contact')).toHaveLength(2);
    expect(await bound()).toEqual(['sip:frank@10.0.0.1', 'sip:frank@10.0.0.2']);
    expect((await register(['<sip:frank@10.0.0.1>;expires=0'])).status).toBe(200);
    expect(await bound()).toEqual(['sip:frank@10.0.0.2']);
    expect((await register(['*'], 0)).status).toBe(200);
    expect(await bound()).toEqual([]);
  });

  it('refuses * with another contact or without Expires: 0 (400), and removes nothing', async () => {
    await register(['<sip:frank@10.0.0.3>'], 600);
    expect((await register(['*', '<sip:frank@10.0.0.4>'], 0)).status).toBe(400);
    expect((await register(['*'], 600)).status).toBe(400);
    expect(await bound()).toEqual(['sip:frank@10.0.0.3']);
    await register(['*'], 0);
  });

  it('answers 423 with Min-Expires to a too short expiry, and binds none of the request', async () => {
    const response = await register([
      '<sip:frank@10.0.0.5>;expires=600',
      '<sip:frank@10.0.0.6>;expires=10',
    ]);
    expect(response.status).toBe(423);
    expect(response.get('Min-Expires')).toBe('60');
    expect(await bound()).toEqual([]);
  });

  it('cuts an expiry over the maximum to it, and refuses an expires that is no number (400)', async () => {
    const response = await register(['<sip:frank@10.0.0.7>'], 999_999);
    expect(response.status).toBe(200);
    expect(response.get('Contact')).toMatch(/;expires=(3600|3599)$/);
    expect((await register(['<sip:frank@10.0.0.8>;expires=soon'])).status).toBe(400);
    expect(await bound()).toEqual(['sip:frank@10.0.0.7']);
    await register(['*'], 0);
  });
});

describe('metrics', () => {
  /** The value of a counter on /metrics (this instance's registry), for one label set. */
  const counter = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    const value = metric?.values.find((v) =>
      Object.entries(labels).every(([key, wanted]) => v.labels[key] === wanted),
    );
    return Number(value?.value ?? 0);
  };

  it('counts messages stored and declined by reason', async () => {
    await ctx.users.add('gail', 'gail-secret', DOMAIN); // an inbox of its own, empty
    const to = `sip:gail@${DOMAIN}`;
    const stored = await counter('ph_signalling_messages_stored_total');
    const tooLarge = await counter('ph_signalling_messages_declined_total', {
      reason: 'message too large',
    });
    expect((await messageFromAlice(to, { port: server.udp.port, text: 'counted' })).status).toBe(
      202,
    );
    const big = await messageFromAlice(to, { port: server.udp.port, text: 'x'.repeat(2000) });
    expect(big.status).toBe(603);
    expect(await counter('ph_signalling_messages_stored_total')).toBe(stored + 1);
    expect(
      await counter('ph_signalling_messages_declined_total', { reason: 'message too large' }),
    ).toBe(tooLarge + 1);
    const [message] = await ctx.messages.list(to);
    if (message) await ctx.messages.ack(to, message.id);
  });
});

describe('senders', () => {
  it('answers 403 to a MESSAGE whose From names another user than its credentials', async () => {
    const to = `sip:erin@${DOMAIN}`;
    const before = await ctx.messages.count(to);
    const sender = new SipEndpoint();
    await sender.listenUdp({ host: '127.0.0.1', port: 0 });
    try {
      const response = await sender.request(
        {
          method: 'MESSAGE',
          uri: to,
          from: `<sip:bob@${DOMAIN}>`,
          to: `<${to}>`,
          contentType: 'text/plain',
          body: Buffer.from('I am Bob, honest'),
        },
        { transport: 'udp', host: '127.0.0.1', port: server.udp.port },
        { credentials: { user: 'alice', password: 'alice-secret' } },
      );
      expect(response.status).toBe(403);
    } finally {
      await sender.close();
    }
    expect(await ctx.messages.count(to)).toBe(before);
  });

  it('declines an INVITE from another domain under the reject policy (603 + Warning), reserving nothing', async () => {
    const before = await ctx.sessions.active();
    const caller = new SipEndpoint();
    await caller.listenUdp({ host: '127.0.0.1', port: 0 });
    try {
      const { response } = await caller.invite(
        largeMessageInvite('<sip:mallory@evil.example>', 'msrp://127.0.0.1:9/m1;tcp'),
        { transport: 'udp', host: '127.0.0.1', port: server.udp.port },
      );
      expect(response.status).toBe(603);
      expect(response.get('Warning')).toMatch(/^399 \S+ "sender outside the domain"$/);
    } finally {
      await caller.close();
    }
    expect(await ctx.sessions.active()).toBe(before);
  });

  it('declines a MESSAGE with 603 "store unavailable" when Redis cannot be reached', async () => {
    const deadPort = await freePort();
    const unreachable = new Redis({
      port: deadPort,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    unreachable.on('error', () => undefined); // refused connections are the point of this test
    try {
      await withSecondInstance({ client: unreachable }, async (port) => {
        const response = await messageFromAlice(`sip:erin@${DOMAIN}`, {
          port,
          text: 'into the void',
        });
        expect(response.status).toBe(603);
        expect(response.get('Warning')).toMatch(/"store unavailable"$/);
      });
    } finally {
      unreachable.disconnect();
    }
  });
});

describe('recipients (SIP_RECIPIENTS)', () => {
  /** A MESSAGE from Alice to `user`, through `port`: its final status. */
  const messageTo = async (user: string, port: number): Promise<number> =>
    (await messageFromAlice(`sip:${user}@${DOMAIN}`, { port, text: 'for whoever zoe is' })).status;

  it('answers 404 for an AOR that is not a user of ours, and stores it under the domain policy', async () => {
    expect(await messageTo('zoe', server.udp.port)).toBe(404);
    // The same store, with the policy for deployments behind an IMS core: any AOR of the domain.
    await withSecondInstance({ policy: { recipients: 'domain' } }, async (port) => {
      const before = await ctx.messages.count(`sip:zoe@${DOMAIN}`);
      expect(await messageTo('zoe', port)).toBe(202);
      expect(await ctx.messages.count(`sip:zoe@${DOMAIN}`)).toBe(before + 1);
    });
  });
});

describe('outbound proxy', () => {
  it('handles a request itself when its preloaded Route names us and nothing follows', async () => {
    const to = `sip:erin@${DOMAIN}`;
    const before = await ctx.messages.count(to);
    const response = await messageFromAlice(to, {
      port: server.udp.port,
      text: 'through the outbound proxy',
      headers: [['Route', `<sip:127.0.0.1:${server.udp.port};lr>`]],
    });
    expect(response.status).toBe(202);
    expect(await ctx.messages.count(to)).toBe(before + 1);
  });
});

/** The body of the first MESSAGE `device` gets, which it answers 200. */
function textOnce(device: SipEndpoint): Promise<string> {
  return new Promise((resolve) =>
    device.handle('MESSAGE', (request, answer) => {
      answer.reply(200);
      resolve(request.body.toString());
    }),
  );
}

/** Binds a device of Erin's, listening on UDP, as a REGISTER would; returns the device. */
async function erinDevice(index: number, handle: (device: SipEndpoint) => void) {
  const device = new SipEndpoint();
  handle(device);
  const { port } = await device.listenUdp({ host: '127.0.0.1', port: 0 });
  await ctx.location.put(`sip:erin@${DOMAIN}`, {
    contact: `sip:erin@127.0.0.1:${port}`,
    expiresAt: Date.now() + 60_000,
    params: {},
    callId: `erin-phone-${index}`,
    cseq: 1,
    flow: { transport: 'udp', remote: `127.0.0.1:${port}`, edge: ctx.edge },
  });
  return device;
}

describe('MESSAGE forking', () => {
  it('forks a MESSAGE to every live contact at once and relays the 200 (RFC 3261 §16.6)', async () => {
    const to = `sip:erin@${DOMAIN}`;
    await ctx.location.removeAll(to);
    const received: Promise<string>[] = [];
    const devices = [
      await erinDevice(0, (device) => received.push(textOnce(device))),
      await erinDevice(1, (device) => received.push(textOnce(device))),
    ];
    try {
      const before = await ctx.messages.count(to);
      const response = await messageFromAlice(to, {
        port: server.udp.port,
        text: 'to every device',
      });
      expect(response.status).toBe(200);
      // Sequential forking would stop at the first device's 200: the second gets it only in parallel.
      expect(await withTimeout(Promise.all(received), 5000, 'both devices to get it')).toEqual([
        'to every device',
        'to every device',
      ]);
      expect(await ctx.messages.count(to)).toBe(before);
    } finally {
      await ctx.location.removeAll(to);
      await Promise.all(devices.map((device) => device.close()));
    }
  });
});

describe('INVITE forking', () => {
  const to = `sip:erin@${DOMAIN}`;
  let endpoints: SipEndpoint[] = [];
  beforeEach(() => ctx.location.removeAll(to));
  afterEach(async () => {
    await ctx.location.removeAll(to);
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
    endpoints = [];
  });

  /** A device of Erin's that rings (180) and never answers; says when it rang and when it was CANCELled. */
  async function ringingDevice(index: number) {
    let rang: () => void = () => undefined;
    let cancelled: () => void = () => undefined;
    const rings = new Promise<void>((resolve) => (rang = resolve));
    const cancels = new Promise<void>((resolve) => (cancelled = resolve));
    endpoints.push(
      await erinDevice(index, (device) =>
        device.handle('INVITE', (_request, answer) => {
          answer.reply(180);
          rang();
          answer.transaction?.signal.addEventListener('abort', () => cancelled(), { once: true });
        }),
      ),
    );
    return { rings, cancels };
  }

  /** A device of Erin's that answers `status` once `after` settled (another device rang). */
  async function answeringDevice(index: number, status: number, after: Promise<void>) {
    endpoints.push(
      await erinDevice(index, (device) =>
        device.handle('INVITE', async (_request, answer) => {
          await after;
          answer.reply(status, { toTag: `device-${index}` });
        }),
      ),
    );
  }

  /** Alice calls Erin (a conversation, no large message); `signal` CANCELs. */
  async function callErin(signal?: AbortSignal): Promise<SipResponse> {
    const caller = new SipEndpoint();
    endpoints.push(caller);
    await caller.listenUdp({ host: '127.0.0.1', port: 0 });
    const { response } = await withTimeout(
      caller.invite(
        { uri: to, from: `<sip:alice@${DOMAIN}>`, to: `<${to}>` },
        { transport: 'udp', host: '127.0.0.1', port: server.udp.port },
        { credentials: { user: 'alice', password: 'alice-secret' }, signal },
      ),
      10_000,
      'the forked INVITE to be answered',
    );
    return response;
  }

  it('rings every contact at once; the first 200 is relayed and the other branch is CANCELled (RFC 3261 §16.7)', async () => {
    // Rings and never answers: with contacts tried in turn, the caller would wait on it for minutes.
    const ringing = await ringingDevice(0);
    await answeringDevice(1, 200, ringing.rings);
    const response = await callErin();
    expect(response.status).toBe(200);
    expect(response.to.params.get('tag')).toBe('device-1');
    await withTimeout(ringing.cancels, 5000, 'the ringing branch to be CANCELled');
  });

  it('relays a 6xx once and CANCELs the branch still ringing (§16.7 step 6)', async () => {
    const ringing = await ringingDevice(0);
    await answeringDevice(1, 603, ringing.rings);
    expect((await callErin()).status).toBe(603);
    await withTimeout(ringing.cancels, 5000, 'the ringing branch to be CANCELled');
  });

  it('CANCELs every branch when the caller CANCELs (§16.10)', async () => {
    const devices = [await ringingDevice(0), await ringingDevice(1)];
    const hangUp = new AbortController();
    void Promise.all(devices.map((device) => device.rings)).then(() => hangUp.abort());
    expect((await callErin(hangUp.signal)).status).toBe(487);
    await withTimeout(
      Promise.all(devices.map((device) => device.cancels)),
      5000,
      'both branches to be CANCELled',
    );
  });

  it("relays a busy device's 486 to a conversation it cannot store, rather than 480", async () => {
    await answeringDevice(0, 486, Promise.resolve());
    expect((await callErin()).status).toBe(486);
  });
});

describe('IMDN', () => {
  it('sends the sender exactly one "stored" notice when processing was asked for', async () => {
    const cpim = [
      'From: <sip:bob@pigeonhole.test>',
      'To: <sip:carol@pigeonhole.test>',
      'NS: imdn <urn:ietf:params:imdn>',
      'imdn.Message-ID: imdn-77',
      'DateTime: 2026-11-24T12:00:00Z',
      'imdn.Disposition-Notification: processing, negative-delivery',
      '',
      'Content-Type: text/plain',
      '',
      'Are you there?',
    ].join('\n');
    const cpimScenario = await messageScenario(202, cpim, { contentType: 'message/cpim' });
    for (let i = 0; i < 2; i++) {
      const result = await sipp({
        scenario: cpimScenario,
        transport: 'u1',
        service: 'carol',
        user: 'bob',
      });
      expect(result.code, result.output).toBe(0);
    }
    const stored = await ctx.messages.list(`sip:carol@${DOMAIN}`);
    expect(stored.filter((m) => m.imdnId === 'imdn-77')).toHaveLength(1);
    const notices = await ctx.messages.list(`sip:bob@${DOMAIN}`);
    const imdn = notices.filter(
      (m) => m.contentType === 'message/cpim' && m.from === `sip:carol@${DOMAIN}`,
    );
    expect(imdn).toHaveLength(1);
    const body = (
      await ctx.messages.readPagerBody(`sip:bob@${DOMAIN}`, imdn[0]?.id ?? '')
    ).toString();
    expect(body).toContain('<message-id>imdn-77</message-id>');
    expect(body).toContain('<stored/>');
  }, 40_000);
});

/** An INVITE scenario (answering the 407): with a 200, the answer's a=path is checked, then ACK and BYE. */
async function inviteScenario(options: {
  status: number;
  largeMessage: boolean;
  maxSize: number;
}): Promise<string> {
  const headers = (cseq: number, method: string): string =>
    `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@[domain]>;tag=[pid]SIPpInv[call_number]
      To: <sip:[service]@[domain]>${cseq > 1 && method !== 'INVITE' ? '[peer_tag_param]' : ''}
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Max-Forwards: 70`;
  const invite = (cseq: number, auth: string): string => `<send retrans="500"><![CDATA[
      INVITE sip:[service]@[domain] SIP/2.0
      ${headers(cseq, 'INVITE')}
      Contact: <sip:alice@[local_ip]:[local_port]>
      ${options.largeMessage ? 'Accept-Contact: *;+g.oma.sip-im.large-message' : 'Accept-Contact: *;+g.oma.sip-im'}${auth ? `\n      ${auth}` : ''}
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 1 1 IN IP4 [local_ip]
      s=-
      c=IN IP4 [local_ip]
      t=0 0
      m=message 9 TCP/MSRP *
      a=accept-types:*
      a=path:msrp://[local_ip]:9/alicesession;tcp
      a=max-size:${options.maxSize}
    ]]></send>`;
  const bye = `<send retrans="500"><![CDATA[
      BYE sip:[service]@[domain] SIP/2.0
      ${headers(3, 'BYE')}
      Content-Length: 0

    ]]></send>
    <recv response="200" />`;
  const xml = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="INVITE">
  ${invite(1, '')}
  <recv response="100" optional="true" />
  <recv response="407" auth="true" />
  ${invite(2, '[authentication]')}
  <recv response="100" optional="true" />
  <recv response="${options.status}">
    ${options.status === 200 ? '<action><ereg regexp="a=path:msrp://127.0.0.1:2855/[0-9a-f]+;tcp" search_in="body" check_it="true" assign_to="p" /></action>' : ''}
    ${options.status === 603 ? '<action><ereg regexp="399 [^ ]+ .message too large." search_in="hdr" header="Warning:" check_it="true" assign_to="w" /></action>' : ''}
  </recv>
  <send><![CDATA[
      ACK sip:[service]@[domain] SIP/2.0
      ${headers(2, 'ACK')}
      Content-Length: 0

    ]]></send>
  ${options.status === 200 ? bye : ''}
  ${options.status === 200 ? '<Reference variables="p" />' : ''}
  ${options.status === 603 ? '<Reference variables="w" />' : ''}
</scenario>`;
  const file = join(
    scratch,
    `invite-${options.status}-${String(options.largeMessage)}-${options.maxSize}.xml`,
  );
  await writeFile(file, xml);
  return file;
}

describe('large message INVITE', () => {
  it('ends the reservation of a storing INVITE that the caller CANCELled meanwhile (RFC 3261 §9.2)', async () => {
    const subscriber = new Redis(redis.url);
    const pauser = new Redis(redis.url);
    const caller = new SipEndpoint();
    await caller.listenUdp({ host: '127.0.0.1', port: 0 });
    try {
      await subscriber.subscribe(ctx.sessions.endedChannel);
      const ended = new Promise<void>((resolve) => subscriber.once('message', () => resolve()));
      await withSecondInstance({ policy: { foreignSenders: 'accept' } }, async (port) => {
        // Redis takes no write until the 487 is in: the reservation waits, the CANCEL comes first.
        await pauser.call('CLIENT', 'PAUSE', '15000', 'WRITE');
        const { response } = await caller.invite(
          largeMessageInvite('<sip:visitor@elsewhere.example>', 'msrp://127.0.0.1:9/c1;tcp'),
          { transport: 'udp', host: '127.0.0.1', port },
          { signal: AbortSignal.abort() },
        );
        expect(response.status).toBe(487);
        await pauser.call('CLIENT', 'UNPAUSE');
        // The reservation made once Redis took writes again is ended at once, not left for 60 s.
        await withTimeout(ended, 10_000, 'the reservation to end');
        expect(await ctx.sessions.endByCall(response.callId)).toBe(false); // nothing left of it
      });
    } finally {
      await pauser.call('CLIENT', 'UNPAUSE');
      subscriber.disconnect();
      pauser.disconnect();
      await caller.close();
    }
  });

  it('answers an msrps offer 488 where media has no TLS listener, rather than plain TCP', async () => {
    const caller = new SipEndpoint();
    await caller.listenUdp({ host: '127.0.0.1', port: 0 });
    try {
      await withSecondInstance({ media: { host: '127.0.0.1', port: 2855 } }, async (port) => {
        const { response } = await caller.invite(
          largeMessageInvite(`<sip:alice@${DOMAIN}>`, 'msrps://127.0.0.1:9/tls2;tcp'),
          { transport: 'udp', host: '127.0.0.1', port },
          { credentials: { user: 'alice', password: 'alice-secret' } },
        );
        expect(response.status).toBe(488);
      });
    } finally {
      await caller.close();
    }
  });

  it('answers an msrps offer with the media TLS path (TCP/TLS/MSRP, RFC 4975 §6)', async () => {
    const caller = new SipEndpoint();
    await caller.listenUdp({ host: '127.0.0.1', port: 0 });
    try {
      const { response, dialog } = await caller.invite(
        largeMessageInvite(`<sip:alice@${DOMAIN}>`, 'msrps://127.0.0.1:9/tls1;tcp'),
        { transport: 'udp', host: '127.0.0.1', port: server.udp.port },
        { credentials: { user: 'alice', password: 'alice-secret' } },
      );
      expect(response.status).toBe(200);
      const answer = response.body.toString();
      expect(answer).toMatch(/^m=message 2857 TCP\/TLS\/MSRP \*$/m);
      expect(answer).toMatch(/^a=path:msrps:\/\/127\.0\.0\.1:2857\/\w+;tcp$/m);
      await dialog?.request('BYE');
    } finally {
      await caller.close();
    }
  });

  it.each(['u1', 't1'] as const)(
    'reserves the MSRP session, answers 200 with our a=path, and ends it on BYE (sipp, %s)',
    async (transport) => {
      const scenario = await inviteScenario({
        status: 200,
        largeMessage: true,
        maxSize: 5_000_000,
      });
      const result = await sipp({ scenario, transport, service: 'erin', user: 'alice' });
      expect(result.code, result.output).toBe(0);
      // BYE ended the reservation: nothing is left bound or reserved.
      expect(await ctx.sessions.active()).toBe(0);
    },
    40_000,
  );

  it('stores for a registered device that never answers (a stale binding), after a few seconds', async () => {
    const to = `sip:dave@${DOMAIN}`;
    const contact = await registerDave(await freePort(), 'u1'); // nothing listens there
    try {
      const scenario = await inviteScenario({ status: 200, largeMessage: true, maxSize: 1000 });
      const result = await sipp({ scenario, transport: 't1', service: 'dave', user: 'alice' });
      expect(result.code, result.output).toBe(0);
    } finally {
      await ctx.location.remove(to, contact);
    }
  }, 40_000);

  it.each(['u1', 't1'] as const)(
    'answers a session-mode INVITE to an offline user with 480 (sipp, %s)',
    async (transport) => {
      const scenario = await inviteScenario({ status: 480, largeMessage: false, maxSize: 100 });
      const result = await sipp({ scenario, transport, service: 'erin', user: 'alice' });
      expect(result.code, result.output).toBe(0);
    },
    40_000,
  );

  it.each(['u1', 't1'] as const)(
    'declines an announced size over the limit with 603 and Warning "message too large" (sipp, %s)',
    async (transport) => {
      const scenario = await inviteScenario({
        status: 603,
        largeMessage: true,
        maxSize: 500 * 1024 * 1024,
      });
      const result = await sipp({ scenario, transport, service: 'erin', user: 'alice' });
      expect(result.code, result.output).toBe(0);
    },
    40_000,
  );
});

describe('quota', () => {
  it('declines with 603 and Warning "quota exceeded" once the recipient is full', async () => {
    const to = `sip:alice@${DOMAIN}`;
    for (let i = 0; i < 3; i++)
      await ctx.messages.storePager({
        to,
        from: 'sip:x@y',
        contentType: 'text/plain',
        body: Buffer.from('fill'),
      });
    const result = await sipp({
      scenario: await messageScenario(603, 'one too many', { warning: 'quota exceeded' }),
      transport: 'u1',
      service: 'alice',
      user: 'bob',
    });
    expect(result.code, result.output).toBe(0);
    expect(await ctx.messages.count(to)).toBe(3);
  }, 40_000);
});

describe('INVITE to a device on SIP over WebSocket', () => {
  const globals = globalThis as { WebSocket?: unknown };
  const saved = globals.WebSocket;
  // The device answers with an MSRP offer of its own; no media flows in this test.
  const sdp =
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    'm=message 9 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://127.0.0.1:9/bobsession;tcp\r\n';
  const fixedSdp = (): SessionDescriptionHandler => ({
    close: () => undefined,
    getDescription: () => Promise.resolve({ body: sdp, contentType: 'application/sdp' }),
    hasDescription: (type) => type === 'application/sdp',
    setDescription: () => Promise.resolve(),
    sendDtmf: () => false,
  });
  let invitations: (invitation: Invitation) => void = () => undefined;
  let ua: UserAgent;

  beforeAll(async () => {
    globals.WebSocket = WebSocket;
    ua = new UserAgent({
      uri: UserAgent.makeURI(`sip:dave@${DOMAIN}`),
      transportOptions: { server: `ws://127.0.0.1:${server.ws?.port ?? 0}` },
      authorizationUsername: 'dave',
      authorizationPassword: 'dave-secret',
      logBuiltinEnabled: false,
      sessionDescriptionHandlerFactory: fixedSdp,
      delegate: { onInvite: (invitation) => invitations(invitation) },
    });
    await ua.start();
    const registerer = new Registerer(ua);
    const registered = new Promise<void>((resolve) =>
      registerer.stateChange.addListener((state) => {
        if (state === RegistererState.Registered) resolve();
      }),
    );
    await registerer.register();
    await withTimeout(registered, 5000, 'SIP.js to register');
  });

  afterAll(async () => {
    await ua.stop();
    globals.WebSocket = saved;
  });

  it('proxies it over the device connection; ACK and BYE from a UDP caller follow the flow token', async () => {
    const ended = withTimeout(
      new Promise<void>((resolve) => {
        invitations = (invitation) => {
          invitation.stateChange.addListener((state) => {
            if (state === SessionState.Terminated) resolve();
          });
          void invitation.accept();
        };
      }),
      20_000,
      'the call to reach the device and end with the BYE',
    );
    const result = await sipp({
      scenario: join(SCENARIOS, 'uac_invite_proxied.xml'),
      transport: 'u1',
      service: 'dave',
      user: 'alice',
    });
    expect(result.code, result.output).toBe(0);
    await ended;
  }, 40_000);
  it('declines a MESSAGE over the pager limit from SIP.js with 603 and its Warning', async () => {
    const to = `sip:erin@${DOMAIN}`;
    await ctx.location.removeAll(to);
    const rejected = new Promise<{ status: number; warning: string }>(
      (resolve) =>
        void new Messager(ua, UserAgent.makeURI(to) as URI, 'x'.repeat(2000)).message({
          requestDelegate: {
            onReject: (response) =>
              resolve({
                status: response.message.statusCode ?? 0,
                warning: response.message.getHeader('Warning') ?? '',
              }),
          },
        }),
    );
    const { status, warning } = await withTimeout(rejected, 10_000, 'the MESSAGE to be answered');
    expect(status).toBe(603);
    expect(warning).toMatch(/"message too large"$/);
  });

  it('answers 480 to a conversation INVITE from SIP.js to an offline user', async () => {
    const to = `sip:erin@${DOMAIN}`;
    await ctx.location.removeAll(to);
    const inviter = new Inviter(ua, UserAgent.makeURI(to) as URI);
    const rejected = new Promise<number>(
      (resolve) =>
        void inviter.invite({
          requestDelegate: { onReject: (response) => resolve(response.message.statusCode ?? 0) },
        }),
    );
    expect(await withTimeout(rejected, 10_000, 'the INVITE to be answered')).toBe(480);
  });

  it('proxies a call from SIP.js over WebSocket to a device on UDP; ACK and BYE go through us', async () => {
    const to = `sip:carol@${DOMAIN}`;
    const devicePort = await freePort();
    const device = startSipp([
      ...['-sf', join(SCENARIOS, 'uas_invite_record_routed.xml'), '-t', 'u1', '-i', '127.0.0.1'],
      ...['-p', String(devicePort), '-m', '1', '-timeout', '20s'],
    ]);
    await ctx.location.removeAll(to);
    await ctx.location.put(to, {
      contact: `sip:carol@127.0.0.1:${devicePort}`,
      expiresAt: Date.now() + 60_000,
      params: {},
      callId: 'carol-device',
      cseq: 1,
      flow: { transport: 'udp', remote: `127.0.0.1:${devicePort}`, edge: ctx.edge },
    });
    try {
      const inviter = new Inviter(ua, UserAgent.makeURI(to) as URI);
      const state = (wanted: SessionState): Promise<void> =>
        withTimeout(
          new Promise<void>((resolve) =>
            inviter.stateChange.addListener((now) => {
              if (now === wanted) resolve();
            }),
          ),
          10_000,
          `the call to be ${wanted}`,
        );
      const established = state(SessionState.Established);
      await inviter.invite();
      await established;
      const terminated = state(SessionState.Terminated);
      await inviter.bye();
      await terminated;
      const answered = await device.done;
      expect(answered.code, answered.output).toBe(0);
    } finally {
      await ctx.location.removeAll(to);
    }
  }, 40_000);
});
