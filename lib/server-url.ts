/**
 * Server addresses as shown to the user. The PeerServer's access token is part
 * of its path (`<path>/<token>`, e.g. `/peerjs/<token>`, see docs/security.md),
 * so a shown address must not carry it: anyone who reads it over the user's
 * shoulder, or in a screenshot, could register on that server.
 */

/** What stands for a hidden part of an address. */
const HIDDEN = '…';

/**
 * The address for display: scheme, host and port as they are; of the path, the
 * first segment only (the mount, `/peerjs` by default), any further segments
 * (where the access token goes) shown as `/…`; user info, query and fragment as
 * `…` too, since they could carry secrets as well. Not a URL to connect to.
 *
 * A token mounted directly at the root (`/<token>`, a server started with path
 * `/`) is the first segment and is shown: this function cannot tell it from a mount.
 *
 * @example redactServerUrl('ws://127.0.0.1:9000/peerjs/s3cret') // 'ws://127.0.0.1:9000/peerjs/…'
 */
export function redactServerUrl(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(url.trim());
  if (!match) return url.trim() === '' ? '' : HIDDEN;
  const [, scheme, authority = '', path = '', query, fragment] = match;
  const at = authority.lastIndexOf('@');
  const host = at === -1 ? authority : `${HIDDEN}@${authority.slice(at + 1)}`;
  const segments = path.split('/').filter((segment) => segment !== '');
  const shownPath = segments.length === 0 ? path : `/${segments[0]}${segments.length > 1 ? `/${HIDDEN}` : ''}`;
  return `${scheme}${host}${shownPath}${query !== undefined ? `?${HIDDEN}` : ''}${fragment !== undefined ? `#${HIDDEN}` : ''}`;
}

/** The fields of a PeerServer address that {@link signalingUrl} and {@link parseServerUrl} carry. */
export interface ServerAddress {
  host: string;
  port: number;
  path: string;
  secure: boolean;
}

/**
 * The WebSocket address of a PeerServer as the user types and sees it, `ws[s]://host:port<path>`
 * (PeerJS then appends `peerjs?key=…`). Carries the access token if the path has one: pass it
 * through {@link redactServerUrl} before showing it.
 */
export function signalingUrl(server: ServerAddress): string {
  return `${server.secure ? 'wss' : 'ws'}://${server.host}:${server.port}${server.path}`;
}

/**
 * Reads a PeerServer address typed as a URL: `ws://`, `wss://`, `http://` or `https://`,
 * a host, an optional port (80 or 443 by default, as the scheme says) and a path (`/` when none).
 * User info, a query or a fragment is refused: PeerJS could not use them.
 *
 * @returns the address, or the problem code `server-url-invalid`. Never throws.
 * @example parseServerUrl('wss://signal.example.org/peerjs') // { host: 'signal.example.org', port: 443, path: '/peerjs', secure: true }
 */
export function parseServerUrl(text: string): ServerAddress | 'server-url-invalid' {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'server-url-invalid';
  }
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  if (!secure && url.protocol !== 'ws:' && url.protocol !== 'http:') return 'server-url-invalid';
  if (url.username || url.password || url.search || url.hash || url.hostname === '') return 'server-url-invalid';
  return { host: url.hostname, port: url.port === '' ? (secure ? 443 : 80) : Number(url.port), path: url.pathname || '/', secure };
}
