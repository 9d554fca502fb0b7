/**
 * `GET <mount>/turn-credentials?peerId=ID&token=TOKEN`: TURN credentials, only
 * for a peer ID registered on this PeerServer now, asked for with the
 * PeerServer token it registered with (which only that client knows), and only
 * for browser extensions when the request comes from a page at all.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { isPeerId } from '../lib/ids';
import { mintTurnCredentials } from './turn-credentials';
import { CLIENT_TOKEN_PATTERN } from './ws-guard';

/** Origins we answer: Chrome extension IDs are 32 letters a–p, Firefox's moz-extension hosts are UUIDs. */
export const EXTENSION_ORIGIN = /^(?:chrome-extension:\/\/[a-p]{32}|moz-extension:\/\/[0-9a-f-]{36})$/;

/** Compares two secrets in time that does not depend on where they differ (hashing first evens the lengths). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Options of {@link turnCredentialsHandler}. */
export interface TurnEndpointOptions {
  /** Minting settings; the endpoint answers 404 without them. */
  turn?: { secret: string; ttlSeconds: number; urls: string[] };
  /** The PeerServer token of the client registered now under `peerId` on this instance, if any. */
  tokenOf(peerId: string): string | undefined;
  /** In a cluster: whether `peerId` is registered now on another instance with `token`. */
  registeredElsewhere?(peerId: string, token: string): Promise<boolean>;
}

/**
 * The route handler. Answers, always with `cache-control: no-store` and `vary: origin`:
 * 403 for an `Origin` that is not an extension's (and then no CORS header);
 * 404 when TURN is not configured; 400 when `peerId` or `token` is missing,
 * repeated or malformed; 403 when no client is registered now under `peerId`
 * with that token (on this instance or, in a cluster, on another); else 200 with {@link mintTurnCredentials}' answer, with
 * `access-control-allow-origin` echoing an extension origin.
 */
export function turnCredentialsHandler(options: TurnEndpointOptions): RequestHandler {
  return (req, res, next) => {
    res.set({ 'cache-control': 'no-store', vary: 'origin' });
    const origin = req.headers.origin;
    // No Origin: not from a web page (curl, a server). Then the token alone is the proof.
    if (origin !== undefined) {
      if (!EXTENSION_ORIGIN.test(origin)) {
        res.status(403).json({ error: 'this origin may not ask for TURN credentials' });
        return;
      }
      res.set('access-control-allow-origin', origin);
    }
    if (!options.turn) {
      res.status(404).json({ error: 'TURN credentials are not configured on this server' });
      return;
    }
    const { peerId, token } = req.query;
    if (typeof peerId !== 'string' || !isPeerId(peerId) || typeof token !== 'string' || !CLIENT_TOKEN_PATTERN.test(token)) {
      res.status(400).json({ error: 'peerId and token must each be given once: a valid peer ID and its PeerServer token' });
      return;
    }
    const turn = options.turn;
    const registered = options.tokenOf(peerId);
    const answer = (ok: boolean): void => {
      if (ok) res.json(mintTurnCredentials({ ...turn, peerId }));
      else res.status(403).json({ error: 'peerId is not registered on this PeerServer with this token' });
    };
    if (registered !== undefined || !options.registeredElsewhere) {
      answer(registered !== undefined && sameSecret(registered, token));
      return;
    }
    options.registeredElsewhere(peerId, token).then(answer, next);
  };
}
