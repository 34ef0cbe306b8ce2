import { createHash, randomBytes } from 'node:crypto';
import {
  MsrpServer,
  MsrpStatusError,
  buildMsrpSdp,
  parseMsrpSdp,
  streamingSession,
  type MsrpMedia,
  type SessionHandler,
} from '@pigeonhole/msrp';
import { SipEndpoint, type ServerContext, type SipRequest } from '@pigeonhole/sip';

/** What the device does with the next INVITE and the MSRP message behind it. */
export interface DeviceBehaviour {
  inviteStatus: number;
  /** MSRP status to refuse the message with (e.g. 415), or undefined to take it. */
  msrpRefusal: number | undefined;
  /** Close the MSRP connection after this many body bytes (a device that drops mid-way). */
  dropAfterBytes: number | undefined;
}

/** One message the device took. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly contentType: string;
  /** Empty when the device was started without hashing. */
  readonly sha256: string;
  readonly bytes: number;
}

const TAKE_EVERYTHING: DeviceBehaviour = {
  inviteStatus: 200,
  msrpRefusal: undefined,
  dropAfterBytes: undefined,
};

/**
 * A recipient's device for large messages, on real sockets: a SIP UAS on UDP that answers an INVITE
 * with an MSRP SDP answer (`a=setup:passive`, RFC 6135) and an MSRP listener that streams each message
 * in, hashing it with sha256 unless told not to.
 */
export class MsrpDevice {
  readonly sip = new SipEndpoint();
  readonly received: ReceivedMessage[] = [];
  readonly offers: MsrpMedia[] = [];
  /** Pager MESSAGE bodies, answered 200. */
  readonly pagerBodies: string[] = [];
  behaviour: DeviceBehaviour = { ...TAKE_EVERYTHING };
  byes = 0;
  sipPort = 0;
  #msrpPort = 0;
  readonly #sessions = new Map<string, SessionHandler>();
  readonly #msrp = new MsrpServer({
    resolveSession: ({ sessionId }) => Promise.resolve(this.#sessions.get(sessionId) ?? 481),
  });

  constructor(private readonly options: { readonly hash: boolean } = { hash: true }) {
    this.sip.handle('INVITE', (request, server) => this.#answerInvite(request, server));
    this.sip.handle('MESSAGE', (request, { reply }) => {
      this.pagerBodies.push(request.body.toString());
      reply(200);
    });
    this.sip.handle('BYE', (_request, { reply }) => {
      this.byes++;
      reply(200);
    });
  }

  async start(): Promise<this> {
    this.sipPort = (await this.sip.listenUdp({ host: '127.0.0.1', port: 0 })).port;
    this.#msrpPort = (await this.#msrp.listenTcp({ host: '127.0.0.1', port: 0 })).port;
    return this;
  }

  /** The Contact a registration of `user` on this device carries. */
  contact(user: string): string {
    return `sip:${user}@127.0.0.1:${this.sipPort}`;
  }

  /** Back to taking everything, with nothing received. */
  reset(): void {
    this.behaviour = { ...TAKE_EVERYTHING };
    this.received.length = 0;
    this.offers.length = 0;
    this.pagerBodies.length = 0;
  }

  async close(): Promise<void> {
    await this.sip.close();
    await this.#msrp.close();
  }

  #answerInvite(request: SipRequest, { reply }: ServerContext): void {
    const offer = parseMsrpSdp(request.body.toString());
    if (offer) this.offers.push(offer);
    if (this.behaviour.inviteStatus !== 200) return reply(this.behaviour.inviteStatus);
    const sessionId = randomBytes(8).toString('hex');
    this.#sessions.set(sessionId, this.#receiver(sessionId));
    const answer = buildMsrpSdp({
      address: '127.0.0.1',
      port: this.#msrpPort,
      path: [`msrp://127.0.0.1:${this.#msrpPort}/${sessionId};tcp`],
      acceptTypes: ['*'],
      setup: 'passive',
    });
    reply(200, {
      headers: [
        ['Contact', `<sip:device@127.0.0.1:${this.sipPort}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: Buffer.from(answer),
    });
  }

  /** Streams each message in; refuses or drops it when the behaviour says so. */
  #receiver(sessionId: string): SessionHandler {
    return streamingSession(async (message, body) => {
      const { msrpRefusal, dropAfterBytes } = this.behaviour;
      if (msrpRefusal) throw new MsrpStatusError(msrpRefusal, 'refused');
      const hash = this.options.hash ? createHash('sha256') : undefined;
      let bytes = 0;
      for await (const piece of body as AsyncIterable<Buffer>) {
        hash?.update(piece);
        bytes += piece.length;
        if (dropAfterBytes !== undefined && bytes >= dropAfterBytes) {
          for (const connection of this.#msrp.connections) connection.transport.close();
          throw new Error('device went away');
        }
      }
      this.received.push({
        messageId: message.messageId,
        contentType: message.contentType,
        sha256: hash?.digest('hex') ?? '',
        bytes,
      });
      this.#sessions.delete(sessionId);
    });
  }
}
