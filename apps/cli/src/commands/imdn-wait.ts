import type { ReceivedText } from '@pigeonhole/client';
import { IMDN_CONTENT_TYPE, parseCpim, parseImdn, type ParsedImdn } from '@pigeonhole/cpim';

/** What `send --wait` waits for. */
export type Awaited = 'stored' | 'delivered';

/** Statuses after which no better news comes (RFC 5438 §7.2.1). */
const FINAL_FAILURES = new Set(['failed', 'forbidden', 'error']);

/**
 * The sender's side of RFC 5438 for one message, while the sender is registered (the service delivers
 * notifications like any message): takes every notification (those about earlier messages are printed)
 * and leaves every other message stored (refused, so the client answers 480: it arrives again when the
 * user listens).
 */
export class ImdnWaiter {
  readonly #user: string;
  readonly #messageId: string;
  readonly #print: (line: string) => void;
  #settle: (outcome: boolean) => void = () => undefined;
  readonly #wanted: Awaited;
  #warnedOthers = false;
  readonly #outcome = new Promise<boolean>((resolve) => (this.#settle = resolve));

  constructor(
    wait: { readonly user: string; readonly messageId: string; readonly wanted: Awaited },
    print: (line: string) => void,
  ) {
    this.#user = wait.user;
    this.#messageId = wait.messageId;
    this.#wanted = wait.wanted;
    this.#print = print;
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

  /**
   * A message that arrived while waiting: a notification is taken; anything else is refused (thrown)
   * and stays stored.
   */
  take(message: ReceivedText): void {
    const notification = notificationOf(message);
    if (!notification) {
      if (!this.#warnedOthers)
        this.#print(
          `a message stored for ${this.#user} came first and stays stored; \`pigeonhole listen\` takes it`,
        );
      this.#warnedOthers = true;
      throw new Error('not a notification: left stored');
    }
    if (notification.messageId !== this.#messageId) {
      this.#print(
        `notification about an earlier message (${notification.messageId}): ${describe(notification)}`,
      );
      return;
    }
    this.#print(`notification: ${describe(notification)}`);
    if (FINAL_FAILURES.has(notification.status)) this.#settle(false);
    else if (notification.status === 'delivered') this.#settle(true);
    else if (notification.status === 'stored' && this.#wanted === 'stored') this.#settle(true);
  }
}

/** `stored (IMDN processing-notification)`: the status first, then the RFC 5438 element it came in. */
const describe = (notification: ParsedImdn): string =>
  `${notification.status} (IMDN ${notification.kind}-notification)`;

function notificationOf(message: ReceivedText): ParsedImdn | undefined {
  if (!message.contentType.toLowerCase().startsWith('message/cpim')) return undefined;
  try {
    const cpim = parseCpim(Buffer.from(message.body, 'utf8'));
    if (!cpim.contentType.toLowerCase().startsWith(IMDN_CONTENT_TYPE)) return undefined;
    return parseImdn(cpim.content.toString('utf8'));
  } catch {
    return undefined;
  }
}
