/**
 * The one setup path of every `DataConnection`, incoming or outgoing, first or redial:
 * `attach` makes it the peer's current attempt and wires its events; on `open`, the
 * identity the browser verified decides (`opened`) before anything is sent.
 */
import type { DataConnection, Peer } from 'peerjs';
import type { ErrorCode } from '../errors';
import { isPeerId } from '../ids';
import { DATA_CONNECTION_OPTIONS, hello, type PeerMessage } from '../protocol/peer';
import type { SessionSettings } from '../settings';
import { guardDataConnection, incomingOptionsOk } from './data-guard';
import { identityVerdict, waitForRemoteFingerprint } from './identity';
import type { PeerTable } from './peer-table';
import type { RemotePeer } from './remote-peer';
import { CONNECT_TIMEOUT_MS } from './transport-watch';
import { CONSENT_TIMEOUT_MS } from './consent';

/** What setup needs from the other parts. */
export interface ConnectionSetupHost {
  now(): number;
  log: Pick<Console, 'info' | 'warn'>;
  peers: PeerTable;
  settings(): SessionSettings | undefined;
  peer(): Peer | undefined;
  isTrusted(peerId: string): boolean;
  pinOf(peerId: string): string | undefined;
  send(conn: DataConnection, message: PeerMessage): void;
  wire: { add(conn: DataConnection, initiator: 'me' | 'them'): void; opened(conn: DataConnection): void; heard(conn: DataConnection): void };
  /** Our acceptance of this peer from an earlier peer host, if any, onto its entry. */
  carryOver(entry: RemotePeer): void;
  endAcceptance(entry: RemotePeer): void;
  transport: {
    awaitAnswer(entry: RemotePeer, conn: DataConnection): void;
    watchTurnErrors(entry: RemotePeer, conn: DataConnection): void;
    watchIce(entry: RemotePeer, conn: DataConnection): void;
    turnFailure(entry: RemotePeer): ErrorCode | undefined;
  };
  receive(entry: RemotePeer, conn: DataConnection, data: unknown): void;
  replay(entry: RemotePeer, conn: DataConnection): void;
  establish(entry: RemotePeer, conn: DataConnection): void;
  /** Our user must be asked about `peerId`. */
  ask(peerId: string): void;
  changed(): void;
}

/** Attaches connections to remote peers. */
export class ConnectionSetup {
  constructor(private readonly host: ConnectionSetupHost) {}

  /** Dials `peerId` with our connection options. @returns the attempt, or undefined without a `Peer`. */
  dial(peerId: string): RemotePeer | undefined {
    const conn = this.host.peer()?.connect(peerId, { ...DATA_CONNECTION_OPTIONS, metadata: { ...DATA_CONNECTION_OPTIONS.metadata } });
    return conn ? this.attach(conn, 'me') : undefined;
  }

  /** A connection the PeerServer brought us (the signaling guard let its offer through). */
  acceptIncoming(conn: DataConnection): void {
    const { log } = this.host;
    const settings = this.host.settings()!;
    if (!isPeerId(conn.peer) || !incomingOptionsOk(conn)) {
      // The signaling guard refuses these first; this keeps a bad entry out of the state regardless.
      log.warn('[secureconnect] refused an incoming connection with an invalid peer ID or options');
      conn.close();
      return;
    }
    if (settings.blocked.includes(conn.peer)) {
      // Blocked peers are refused without a word to them or to our user.
      log.info(`[secureconnect] refused a connection from blocked peer ${conn.peer}`);
      conn.close();
      return;
    }
    const entry = this.host.peers.get(conn.peer);
    const dialling = !!entry?.conn && entry.view.state === 'connecting' && entry.view.initiator === 'me';
    // Both sides dialled at once: keep the connection opened by the smaller peer ID.
    if (dialling && settings.peerId < conn.peer) {
      conn.close();
      return;
    }
    // Theirs replaces our own attempt: our user asked for this peer, so it is not put to them as a request.
    this.attach(conn, 'them', dialling);
  }

  /** Makes `conn` the peer's current attempt (ending the one before) and wires its events. */
  attach(conn: DataConnection, initiator: 'me' | 'them', wanted = false): RemotePeer {
    const { host } = this;
    const { peers } = host;
    const peerId = conn.peer;
    const target = peers.ensure(peerId, initiator);
    if (target.conn && target.conn !== conn) {
      // The peer dialled again while we still thought it connected: it lost the connection first.
      const wasConnected = target.view.state === 'connected';
      peers.closeConnection(target);
      if (wasConnected) peers.markDisconnected(target, 'peer-disconnected');
    }
    target.attempt?.abort();
    const attempt = new AbortController();
    target.attempt = attempt;
    const live = (): boolean => !attempt.signal.aborted;
    target.conn = conn;
    host.log.info(`[secureconnect] ${peerId}: connection ${conn.connectionId} (${initiator === 'me' ? 'ours' : 'theirs'})`);
    host.carryOver(target);
    target.mustAsk = initiator === 'them' && !wanted && !host.isTrusted(peerId) && !target.accepted;
    // Until `opened` decides, what the peer sends waits: Chromium can deliver the first
    // messages before the channel's `open` event, and a `hello` handled then was lost.
    peers.setPhase(target, 'opening');
    target.buffered = [];
    target.bufferedSize = 0;
    target.seen = undefined;
    target.sas = undefined;
    target.heartbeat = undefined;
    const metadataApp = (conn.metadata as { app?: unknown } | undefined)?.app;
    target.app = typeof metadataApp === 'string' ? metadataApp.slice(0, 64) : undefined;
    target.view = { ...target.view, initiator, since: host.now(), connection: conn.connectionId };
    delete target.view.error;
    delete target.view.waiting;
    peers.clearTimer(target);
    host.wire.add(conn, initiator);
    // Their pacer is new with the connection, with a full burst: a bucket drained on the old one would drop its hello.
    target.bucket = undefined;
    guardDataConnection(
      conn,
      host.now,
      (reason) => host.log.warn(`[secureconnect] ${peerId}: dropped data (${reason})`),
      () => live() && this.onFlood(target),
    );
    if (initiator === 'me') host.transport.awaitAnswer(target, conn);
    else peers.armTimer(target, CONNECT_TIMEOUT_MS, () => peers.fail(target, host.transport.turnFailure(target) ?? 'connect-timeout'));
    host.transport.watchTurnErrors(target, conn);
    host.changed();

    conn.on('open', () => {
      if (!live()) return;
      peers.clearTimer(target);
      host.wire.opened(conn);
      host.transport.watchIce(target, conn);
      // Nothing is sent, queued or resumed before we know who is there.
      peers.setPhase(target, 'checking');
      peers.armTimer(target, CONNECT_TIMEOUT_MS, () => peers.fail(target, 'connect-timeout'));
      void waitForRemoteFingerprint(conn.peerConnection as RTCPeerConnection | undefined).then((seen) => {
        if (!live()) return;
        peers.clearTimer(target);
        this.opened(target, conn, initiator, seen);
      });
    });
    conn.on('data', (data) => {
      host.wire.heard(conn);
      if (live()) host.receive(target, conn, data);
    });
    conn.on('close', () => {
      if (target.closingByUs === conn) {
        target.closingByUs = undefined;
        return;
      }
      if (!live()) return;
      target.conn = undefined;
      if (target.view.state === 'connected') peers.markDisconnected(target, 'peer-disconnected');
      else peers.fail(target, target.phase === 'awaiting-hello' ? 'connection-declined' : 'webrtc');
    });
    conn.on('error', (error) => {
      if (!live()) return;
      host.log.warn(`[secureconnect] connection to ${peerId}: ${error.type} ${error.message}`);
      if (target.view.state === 'connecting') peers.fail(target, host.transport.turnFailure(target) ?? 'webrtc');
    });
    return target;
  }

  /** Open, identity read: ask our user, wait for their user, or connect. */
  private opened(target: RemotePeer, conn: DataConnection, initiator: 'me' | 'them', seen: string | undefined): void {
    const { host } = this;
    const peerId = target.view.id;
    target.seen = seen;
    target.view = { ...target.view };
    if (seen) target.view.fingerprint = seen;
    else delete target.view.fingerprint;
    const verdict = identityVerdict(host.pinOf(peerId), target.knownFingerprint, seen);
    host.log.info(`[secureconnect] ${peerId}: ${conn.connectionId} open, identity ${seen ? 'read' : 'unreadable'}, ${verdict}${target.mustAsk ? ', asking' : ''}`);
    if (verdict === 'ask') {
      host.log.warn(`[secureconnect] ${peerId} presents another identity than the one accepted; asking again`);
      target.mustAsk = true;
    }
    if (target.mustAsk) {
      host.peers.setPhase(target, 'asking');
      // Nothing connects without our user's yes: ask, and keep the peer's messages meanwhile.
      host.peers.armTimer(target, CONSENT_TIMEOUT_MS, () => host.peers.fail(target, 'connect-timeout'));
      target.view = { ...target.view, waiting: 'our-answer' };
      host.ask(peerId);
      host.changed();
      return;
    }
    // A pinned peer with another identity goes on held (see `checkIdentity`): only verification runs.
    host.send(conn, hello(host.settings()?.displayName ?? ''));
    if (initiator === 'me') {
      // Their user may be asked first (older peers ask after opening): connected once their `hello` arrives.
      host.peers.setPhase(target, 'awaiting-hello');
      host.peers.armTimer(target, CONSENT_TIMEOUT_MS, () => host.peers.fail(target, 'connection-declined'));
      target.view = { ...target.view, waiting: 'their-answer' };
      host.changed();
    } else {
      host.establish(target, conn);
    }
    host.replay(target, conn);
  }

  /** A peer far over the frame limit is cut off: no dialling back, and it is asked again next time (unless trusted). */
  private onFlood(entry: RemotePeer): void {
    this.host.log.warn(`[secureconnect] ${entry.view.id} flooded the connection; closing it`);
    this.host.endAcceptance(entry);
    this.host.peers.closeConnection(entry);
    this.host.peers.markDisconnected(entry, 'peer-flooding', false);
  }
}
