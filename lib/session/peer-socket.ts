/**
 * Moving a PeerJS `Peer` to another PeerServer without destroying it, so that its open
 * `DataConnection`s and `MediaConnection`s live on (they need the server only to set up).
 *
 * PeerJS 1.5 builds its server socket once, in the `Peer` constructor, from
 * `peer._options` (`_createServerConnection`), and `reconnect()` reuses it. Destroying
 * the `Peer` to reach another server would close every connection. So we point
 * `_options` at the new server and give the `Peer` a fresh socket, as its constructor
 * does; `reconnect()` then registers there under the same ID and token.
 */
import type { Peer } from 'peerjs';
import type { SignalingSettings } from '../settings';

/** The PeerJS 1.5 internals used here (peerjs/lib/peer.ts). */
interface PeerInternals {
  _options: { host: string; port: number; path: string; secure: boolean; key: string };
  _socket: { removeAllListeners(): void; close(): void };
  _createServerConnection(): PeerInternals['_socket'];
}

function internals(peer: Peer): PeerInternals | undefined {
  const candidate = peer as unknown as Partial<PeerInternals>;
  return typeof candidate._createServerConnection === 'function' && typeof candidate._options === 'object' && candidate._socket
    ? (candidate as PeerInternals)
    : undefined;
}

/**
 * Points a disconnected `peer` at `server`; call `peer.reconnect()` next.
 * @returns false when this `Peer` lacks the PeerJS 1.5 internals (another version, a
 *   test double): then only a new `Peer` can reach `server`.
 */
export function retargetPeer(peer: Peer, server: SignalingSettings): boolean {
  const inner = internals(peer);
  if (!inner || !peer.disconnected || peer.destroyed) return false;
  // As the Peer constructor normalises it: PeerJS appends `peerjs?key=` to the path.
  const path = `${server.path.startsWith('/') ? '' : '/'}${server.path}${server.path.endsWith('/') ? '' : '/'}`;
  Object.assign(inner._options, { host: server.host, port: server.port, path, secure: server.secure, key: server.key });
  const old = inner._socket;
  old.removeAllListeners();
  old.close();
  inner._socket = inner._createServerConnection();
  return true;
}
