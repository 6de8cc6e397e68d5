/**
 * Spaces calls at most `perSecond` apart on average: each `wait()` resolves no sooner than
 * 1/perSecond after the previous one. EC2 throttles mutating calls per account, and a backfill
 * over thousands of ENIs must not starve everything else the account does.
 */
export interface Pacer {
  wait: () => Promise<void>;
}

export function createPacer(perSecond: number, options: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {}): Pacer {
  if (!(perSecond > 0)) throw new RangeError(`calls per second must be positive, got ${perSecond}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const interval = 1000 / perSecond;
  let next = -Infinity;
  return {
    wait: async () => {
      const at = now();
      const slot = Math.max(at, next);
      next = slot + interval;
      if (slot > at) await sleep(slot - at);
    },
  };
}

/** No pacing: the Lambda handlers rely on backoff alone. */
export const unpaced: Pacer = { wait: async () => undefined };
