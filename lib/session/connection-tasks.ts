/**
 * An open connection becoming `connected`, and the tasks that run on it until its
 * attempt is aborted: the verification-code exchange, the heartbeat, and the check of
 * the peer's identity against its pin. Also the outbox flush that follows.
 */
import type { DataConnection } from 'peerjs';
import { APP_TAG, PROTOCOL_VERSION, ping, textMessage, type PeerMessage } from '../protocol/peer';
import { sdpFingerprint } from '../security/sas';
import { Heartbeat } from './heartbeat';
import type { MessageHistory } from './history';
import { identityVerdict } from './identity';
import type { PeerTable } from './peer-table';
import type { RemotePeer } from './remote-peer';
import { startVerification } from './verification';

/** What the tasks need from the other parts. */
export interface ConnectionTasksHost {
  now(): number;
  log: Pick<Console, 'info' | 'warn'>;
  peers: PeerTable;
  history: Pick<MessageHistory, 'flush'>;
  send(conn: DataConnection, message: PeerMessage): void;
  /** Our certificate's SHA-256 fingerprint, when the host has a persistent one. */
  fingerprint(): string | undefined;
  /** The fingerprint pinned for `peerId` (own properties only). */
  pinOf(peerId: string): string | undefined;
  stopReconnecting(entry: RemotePeer): void;
  /** The peer connected: a decline of it is forgotten, and its acceptance is kept with `seen`. */
  connected(entry: RemotePeer, seen: string | undefined): void;
  /** Shares with the peer resume. */
  resumeShares(peerId: string): void;
  /** The peer became the last one connected. */
  last(peerId: string): void;
  changed(): void;
}

/** Starts and checks what runs on established connections. */
export class ConnectionTasks {
  constructor(private readonly host: ConnectionTasksHost) {}

  /** Marks an open connection connected and starts what runs on it. */
  establish(entry: RemotePeer, conn: DataConnection): void {
    const { host } = this;
    host.log.info(`[secureconnect] ${entry.view.id}: ${conn.connectionId} connected`);
    host.peers.clearTimer(entry);
    entry.mustAsk = false;
    host.peers.setPhase(entry, 'connected');
    entry.view = { ...entry.view, since: host.now() };
    delete entry.view.error;
    delete entry.view.waiting;
    entry.everConnected = true;
    entry.accepted = true;
    if (entry.lostAt !== undefined && entry.view.lastDrop) entry.view.lastDrop = { ...entry.view.lastDrop, back: host.now() };
    host.stopReconnecting(entry);
    host.last(entry.view.id);
    const signal = entry.attempt?.signal ?? AbortSignal.abort();
    this.startVerification(entry, conn, signal);
    // A held (changed) identity is not the one our user accepted.
    if (!entry.held) entry.knownFingerprint = entry.seen;
    host.connected(entry, entry.seen);
    this.startHeartbeat(entry, conn, signal);
    host.peers.settle(entry, { ok: true });
    if (!entry.held) {
      this.flushOutbox(entry, conn);
      host.resumeShares(entry.view.id);
    }
    host.changed();
  }

  /** Compares the peer's fingerprint with the pinned one and holds the connection when they differ. */
  checkIdentity(entry: RemotePeer): void {
    const pinned = this.host.pinOf(entry.view.id);
    const view = { ...entry.view };
    if (!pinned || entry.view.state !== 'connected') delete view.identity;
    // A missing or unreadable fingerprint counts as a changed one.
    else view.identity = identityVerdict(pinned, undefined, entry.seen) === 'continue' ? 'verified' : 'changed';
    entry.held = view.identity === 'changed';
    if (entry.held) this.host.log.warn(`[secureconnect] ${entry.view.id} presents a different identity than the one pinned; holding the connection`);
    entry.view = view;
    this.host.changed();
  }

  /**
   * The verification-code exchange: our certificate's fingerprint and the SHA-256 of the
   * certificate the browser verified for the peer (see `identity.ts`), whatever
   * algorithm the SDP named.
   */
  private startVerification(entry: RemotePeer, conn: DataConnection, signal: AbortSignal): void {
    const pc = conn.peerConnection as RTCPeerConnection | undefined;
    this.checkIdentity(entry);
    entry.sas = startVerification({
      ours: this.host.fingerprint() ?? sdpFingerprint(pc?.localDescription?.sdp),
      theirs: entry.seen,
      send: (message) => this.host.send(conn, { v: PROTOCOL_VERSION, ...message }),
      show: (verification) => {
        entry.view = { ...entry.view, verification };
        this.host.changed();
      },
      expected: () => entry.app === APP_TAG,
      failed: (reason) => this.host.log.warn(`[secureconnect] verification with ${entry.view.id} failed: ${reason}`),
      signal,
    });
  }

  /** The heartbeat (see `heartbeat.ts`): a peer silent too long is taken as lost. */
  private startHeartbeat(entry: RemotePeer, conn: DataConnection, signal: AbortSignal): void {
    const { peers } = this.host;
    entry.heartbeat = new Heartbeat({
      ping: () => this.host.send(conn, ping()),
      now: this.host.now,
      signal,
      lost: () => {
        this.host.log.warn(`[secureconnect] ${entry.view.id} went silent; taking the connection as lost`);
        peers.closeConnection(entry);
        peers.markDisconnected(entry, 'peer-disconnected');
      },
    });
  }

  /**
   * Sends, in order, what did not reach the peer: texts typed while it was away
   * (`queued`) and texts sent but never acknowledged (`undelivered`). Same IDs as
   * before, so the peer shows each text once.
   */
  private flushOutbox(entry: RemotePeer, conn: DataConnection): void {
    this.host.history.flush(entry.view.id, (message) => this.host.send(conn, textMessage(message.id, message.text, message.at)));
  }
}
