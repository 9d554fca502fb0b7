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
