import type { SipUri } from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';

/**
 * Whether messages for `target` are ours to forward or keep: an AOR of our domain that is a user of
 * ours, or, with the `domain` policy (SIP_RECIPIENTS, behind an IMS core that knows the users), any
 * AOR of our domain.
 */
export async function isOurRecipient(ctx: SignallingContext, target: SipUri): Promise<boolean> {
  // RFC 3261 §19.1.4: hosts compare case-insensitively, users case-sensitively.
  if (!target.user || target.host.toLowerCase() !== ctx.domain.toLowerCase()) return false;
  return ctx.policy.recipients === 'domain' || (await ctx.users.exists(target.user));
}
