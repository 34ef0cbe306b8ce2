/**
 * Waits for `work`, but no longer than `ms`: true when it settled in time (its rejection is passed
 * on), false when the time ran out first. The timer goes either way, so it keeps no process alive.
 */
export async function withinTime(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), timeUp]);
  } finally {
    clearTimeout(timer);
  }
}
