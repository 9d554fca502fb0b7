/**
 * When to dial a peer again after a working connection was lost (not closed by
 * either user): both sides retry, the side with the smaller peer ID first, so
 * that they rarely dial each other at the same moment (and when they do, the
 * glare rule in the session keeps the smaller ID's connection).
 */
import { backoffDelay, type BackoffOptions } from './backoff';

/** How long after a loss we keep trying, in ms; then the peer stays disconnected until someone connects. */
export const RECONNECT_WINDOW_MS = 10 * 60_000;

/** Retry delays of the side that dials first (smaller peer ID): 0.5 s, 1 s, 2 s, 4 s, then every 5 s (±20 %). */
export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 5000, jitter: 0.2 };

/** Head start of the smaller peer ID, in ms: the other side waits this much longer. */
export const RECONNECT_YIELD_MS = 1500;

/**
 * Delay before reconnect attempt number `attempt` (0 for the first), in ms.
 *
 * @param dialsFirst true on the side whose peer ID sorts first.
 * @param random numbers in `[0, 1)`, for the jitter.
 */
export function reconnectDelayMs(attempt: number, dialsFirst: boolean, random: () => number = Math.random): number {
  return backoffDelay(attempt, RECONNECT_BACKOFF, random) + (dialsFirst ? 0 : RECONNECT_YIELD_MS);
}

/**
 * Whether a connection that ended with `error` is worth dialling again.
 * Only losses: not a person's decision (declined, changed identity), and only
 * within {@link RECONNECT_WINDOW_MS} of the loss.
 */
export function shouldReconnect(error: string | undefined, lostAtMs: number, nowMs: number): boolean {
  if (error === undefined || error === 'connection-declined' || error === 'identity-changed') return false;
  return nowMs - lostAtMs < RECONNECT_WINDOW_MS;
}
