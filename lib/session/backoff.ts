/** Retry delays for reconnecting to the PeerServer. */

/** Backoff parameters; all durations in ms. */
export interface BackoffOptions {
  /** First delay. */
  baseMs: number;
  /** Largest delay. */
  maxMs: number;
  /** Fraction of the delay added or removed at random (0 to 1), so that many clients do not retry in step. */
  jitter: number;
}

/**
 * Defaults: 1 s, 2 s, then every 3 s, each ±20 %: a PeerServer that comes back is
 * found within about 3.6 s. A retry is one WebSocket handshake, cheap for the server.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 3000, jitter: 0.2 };

/**
 * Delay before retry number `attempt` (0 for the first retry), in ms.
 * Exponential (`baseMs * 2^attempt`) capped at `maxMs`, then jittered.
 *
 * @param random a source of numbers in `[0, 1)`; `Math.random` by default.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponential = options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  const capped = Math.min(exponential, options.maxMs);
  const spread = capped * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(capped + spread));
}
