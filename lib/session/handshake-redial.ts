/**
 * Dialled attempts that lost their answer with the PeerServer: the offer and the
 * answer travel through it (and PeerJS's ICE candidates too), so an attempt still
 * waiting for its answer when the socket goes will never open, and nothing says
 * so. Such an attempt is withdrawn and dialled again once we are registered again
 * (its caller keeps waiting), or fails after {@link CONNECT_TIMEOUT_MS}. An attempt
 * whose answer came needs no PeerServer to open and is left alone.
 * Found by tests/e2e/race.test.ts; see docs/architecture.md, "Connection state machine".
 */
import type { DataConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import type { RemotePeer } from './remote-peer';
import { CONNECT_TIMEOUT_MS } from './transport-watch';

/** What the part needs from the session. */
export interface HandshakeRedialHost {
  peers(): Iterable<RemotePeer>;
  /** Dials `peerId` on the current `Peer` and attaches the connection to its entry; `false` when it cannot. */
  dialAgain(peerId: string): boolean;
  /** Tells the peer that our attempt `connectionId` is given up, so theirs ends at once. */
  withdraw(peerId: string, connectionId: string): void;
  fail(entry: RemotePeer, error: ErrorCode): void;
  clearConnectTimer(entry: RemotePeer): void;
  log: Pick<Console, 'info'>;
}

/** The session's part for attempts whose answer the PeerServer took with it. */
export class HandshakeRedial {
  /** The attempts that waited for an answer when the socket went, by entry. */
  private readonly waiting = new Map<RemotePeer, DataConnection>();

  constructor(private readonly host: HandshakeRedialHost) {}

  /** The socket to the PeerServer went. */
  socketLost(): void {
    for (const entry of this.host.peers()) {
      const conn = entry.conn;
      const pc = conn?.peerConnection as RTCPeerConnection | undefined;
      if (!conn || !waitsForAnswer(entry) || pc?.remoteDescription) continue;
      // Once per attempt: the socket may drop again while it waits (retries, the watchdog).
      if (this.waiting.get(entry) === conn) continue;
      this.waiting.set(entry, conn);
      this.host.clearConnectTimer(entry);
      entry.connectTimer = setTimeout(() => {
        this.waiting.delete(entry);
        this.host.fail(entry, 'server-unreachable');
      }, CONNECT_TIMEOUT_MS);
    }
  }

  /** Registered again: dial the attempts that were waiting, unless something else took their place. */
  registered(): void {
    for (const [entry, old] of this.waiting) {
      this.waiting.delete(entry);
      if (entry.conn !== old || !waitsForAnswer(entry)) continue;
      this.host.log.info(`[secureconnect] ${entry.view.id}: the PeerServer went mid-handshake; dialling again`);
      this.host.withdraw(entry.view.id, old.connectionId);
      if (!this.host.dialAgain(entry.view.id)) this.host.fail(entry, 'server-unreachable');
    }
  }
}

function waitsForAnswer(entry: RemotePeer): boolean {
  return entry.view.state === 'connecting' && entry.view.initiator === 'me' && entry.phase === 'opening';
}
