import { acceptsMethod, contactTarget, type ContactTarget } from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';

/**
 * The live contacts of `aor` that take `method` (RFC 3840 `methods` tag), highest q first, as targets
 * from this instance: directly, or through the edge that holds a device's flow.
 */
export async function liveContacts(
  ctx: SignallingContext,
  { aor, method }: { aor: string; method: 'MESSAGE' | 'INVITE' },
): Promise<ContactTarget[]> {
  return (await ctx.location.live(aor))
    .filter((binding) => acceptsMethod(binding, method))
    .flatMap((binding) => contactTarget(binding, { localEdge: ctx.edge }) ?? []);
}
