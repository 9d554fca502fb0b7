/** What the peer host's tests share: settings that need no server, and a Peer that never registers. */
import { EventEmitter } from 'node:events';
import type { Peer } from 'peerjs';
import { DEFAULT_SIGNALING, type SessionSettings } from '@/lib/settings';

export const hostSettings: SessionSettings = {
  peerId: 'me-otter-1000',
  displayName: 'Me',
  signaling: DEFAULT_SIGNALING,
  iceServers: [],
  pins: {},
  trusted: [],
  blocked: [],
};

/** A Peer that never reaches its PeerServer: enough for commands that need no connection. */
export function unreachablePeer(): Peer {
  return Object.assign(new EventEmitter(), { disconnect() {}, destroy() {}, reconnect() {} }) as unknown as Peer;
}
