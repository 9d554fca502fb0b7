/**
 * Time-limited TURN credentials, the "TURN REST API" scheme that coturn checks
 * with `use-auth-secret` / `static-auth-secret`
 * (draft-uberti-behave-turn-rest-00; coturn's README.turnserver, "--use-auth-secret"):
 * username `"<expiry unix seconds>:<peer id>"`, password `base64(HMAC-SHA1(secret, username))`.
 */
import { createHmac } from 'node:crypto';

/** Credentials for one peer, as an `RTCIceServer` plus when they stop working. */
export interface TurnCredentials {
  /** TURN/TURNS URLs the credentials are good for. */
  urls: string[];
  /** `"<expiry unix seconds>:<peer id>"`. */
  username: string;
  /** `base64(HMAC-SHA1(secret, username))`. */
  credential: string;
  /** Expiry, in seconds since the Unix epoch. */
  expiresAt: number;
  /** Lifetime given, in seconds. */
  ttlSeconds: number;
}

/**
 * Mints credentials for `peerId`, valid for `ttlSeconds` from `nowMs`.
 * @throws when the secret is empty or the TTL is not a positive whole number.
 */
export function mintTurnCredentials(options: {
  secret: string;
  peerId: string;
  ttlSeconds: number;
  urls: string[];
  nowMs?: number;
}): TurnCredentials {
  const { secret, peerId, ttlSeconds, urls } = options;
  if (!secret) throw new Error('TURN secret is empty');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error(`TURN TTL must be a positive whole number of seconds, got ${ttlSeconds}`);
  const expiresAt = Math.floor((options.nowMs ?? Date.now()) / 1000) + ttlSeconds;
  const username = `${expiresAt}:${peerId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { urls, username, credential, expiresAt, ttlSeconds };
}
