import { IMDN_CONTENT_TYPE, parseCpim, parseImdn, type ParsedImdn } from '@pigeonhole/cpim';
import type { ServerContext, SipRequest } from '@pigeonhole/sip';
import { register, type SipAccount } from './sip-account.js';

/** What `send --wait` waits for. */
export type Awaited = 'stored' | 'delivered';

/** Statuses after which no better news comes (RFC 5438 §7.2.1). */
const FINAL_FAILURES = new Set(['failed', 'forbidden', 'error']);
/** Long enough for a short wait; the binding is removed when the wait ends anyway. */
const REGISTER_EXPIRES = 300;

/**
 * The sender's side of RFC 5438 for one message: registers the sender for the time of the wait (the
 * service delivers notifications like any message), takes every notification (200; those about earlier
 * messages are printed) and leaves every other message stored (480: it arrives again when the user
 * listens).
 */
export class ImdnWaiter {
  readonly #account: SipAccount;
  readonly #messageId: string;
  readonly #print: (line: string) => void;
  #settle: (outcome: boolean) => void = () => undefined;
  readonly #wanted: Awaited;
  #warnedOthers = false;
  readonly #outcome = new Promise<boolean>((resolve) => (this.#settle = resolve));

  constructor(
    account: SipAccount,
    wait: { readonly messageId: string; readonly wanted: Awaited },
    print: (line: string) => void,
  ) {
    this.#account = account;
    this.#messageId = wait.messageId;
    this.#wanted = wait.wanted;
    this.#print = print;
  }

  /** Takes MESSAGEs and registers: from now on notifications can arrive. */
  async start(): Promise<void> {
    this.#account.endpoint.handle('MESSAGE', (request, server) => this.#received(request, server));
    await register(this.#account, REGISTER_EXPIRES);
  }

  /**
   * Resolves true once a notification says what is awaited (`delivered` also answers `stored`), false
   * on a failure notification or after `timeoutMs`.
   */
  async until(timeoutMs: number): Promise<boolean> {
    const timer = setTimeout(() => {
      this.#print(`no ${this.#wanted} notification within ${timeoutMs / 1000} s`);
      this.#settle(false);
    }, timeoutMs);
    try {
      return await this.#outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The message was forwarded and a device took it (2xx): that is delivery already. */
  deliveredDirectly(): void {
    this.#settle(true);
  }

  async close(): Promise<void> {
    await register(this.#account, 0).catch(() => undefined);
  }

  #received(request: SipRequest, server: ServerContext): void {
    const notification = this.#notificationOf(request);
    if (!notification) {
      server.reply(480, { reason: 'Not now' });
      if (!this.#warnedOthers)
        this.#print(
          `a message stored for ${this.#account.user} came first and stays stored; \`pigeonhole listen\` takes it`,
        );
      this.#warnedOthers = true;
      return;
    }
    server.reply(200);
    if (notification.messageId !== this.#messageId) {
      this.#print(
        `notification about an earlier message (${notification.messageId}): ${notification.kind} ${notification.status}`,
      );
      return;
    }
    this.#print(`notification: ${notification.kind} ${notification.status}`);
    if (FINAL_FAILURES.has(notification.status)) this.#settle(false);
    else if (notification.status === 'delivered') this.#settle(true);
    else if (notification.status === 'stored' && this.#wanted === 'stored') this.#settle(true);
  }

  #notificationOf(request: SipRequest): ParsedImdn | undefined {
    if (!request.contentType?.toLowerCase().startsWith('message/cpim')) return undefined;
    try {
      const cpim = parseCpim(request.body);
      if (!cpim.contentType.toLowerCase().startsWith(IMDN_CONTENT_TYPE)) return undefined;
      return parseImdn(cpim.content.toString('utf8'));
    } catch {
      return undefined;
    }
  }
}
