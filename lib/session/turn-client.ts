/**
 * Fetching time-limited TURN credentials from our PeerServer (`server/`), the
 * "TURN REST API" scheme coturn checks with `use-auth-secret`
 * (draft-uberti-behave-turn-rest-00): username `"<expiry unix seconds>:<peer id>"`,
 * password `base64(HMAC-SHA1(secret, username))`. Uses only `fetch`, so it runs in
 * Chrome's offscreen document and in Firefox's background page alike.
 */
import * as v from 'valibot';
import { CodedError } from '../errors';
import { iceUrlProblem } from '../settings';

/** Longest wait for the credentials endpoint, in ms. */
export const TURN_FETCH_TIMEOUT_MS = 5000;

/** The endpoint's answer, as `server/turn-credentials.ts` mints it. */
export const TurnCredentialsSchema = v.object({
  urls: v.pipe(
    v.array(v.pipe(v.string(), v.check((url) => /^turns?:/.test(url) && iceUrlProblem(url) === undefined, 'not a turn:/turns: URL'))),
    v.minLength(1),
    v.maxLength(16),
  ),
  username: v.pipe(v.string(), v.nonEmpty(), v.maxLength(256)),
  credential: v.pipe(v.string(), v.nonEmpty(), v.maxLength(256)),
  /** Expiry, in seconds since the Unix epoch. */
  expiresAt: v.number(),
  /** Lifetime given, in seconds. */
  ttlSeconds: v.pipe(v.number(), v.minValue(1)),
});

/** Credentials handed out by the PeerServer. */
export type TurnCredentials = v.InferOutput<typeof TurnCredentialsSchema>;

/**
 * Fetches credentials from `url` (see `turnCredentialsUrl` in `lib/settings.ts`).
 *
 * @param fetchFn `fetch`, injectable for tests.
 * @throws {CodedError} `turn-credentials-failed` when the endpoint is off, unreachable,
 *   slower than {@link TURN_FETCH_TIMEOUT_MS}, or answers something malformed or already expired.
 */
export async function fetchTurnCredentials(
  url: string,
  fetchFn: typeof fetch = fetch,
  nowMs: number = Date.now(),
): Promise<TurnCredentials> {
  let body: unknown;
  try {
    const response = await fetchFn(url, { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(TURN_FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new CodedError('turn-credentials-failed', `TURN credentials from ${url}: ${String(error)}`);
  }
  const parsed = v.safeParse(TurnCredentialsSchema, body);
  if (!parsed.success) throw new CodedError('turn-credentials-failed', `TURN credentials from ${url}: malformed answer`);
  if (parsed.output.expiresAt * 1000 <= nowMs) throw new CodedError('turn-credentials-failed', `TURN credentials from ${url}: already expired`);
  return parsed.output;
}

/**
 * When to fetch again, in ms from `nowMs`: at half the remaining lifetime, so that
 * a failed refresh still has time to be retried before the credentials expire;
 * at least 5 s, at most 12 h (timers are not reliable over days).
 */
export function turnRefreshDelayMs(credentials: Pick<TurnCredentials, 'expiresAt'>, nowMs: number): number {
  const remaining = credentials.expiresAt * 1000 - nowMs;
  return Math.min(Math.max(Math.floor(remaining / 2), 5000), 12 * 3600 * 1000);
}

/** The credentials as `RTCIceServer`s, one per URL (https://www.w3.org/TR/webrtc/#rtciceserver-dictionary). */
export function toIceServers(credentials: TurnCredentials): RTCIceServer[] {
  return credentials.urls.map((urls) => ({ urls, username: credentials.username, credential: credentials.credential }));
}
