/**
 * The session's parts and how they are wired to each other: each part owns one
 * concern and reaches the others only through the closures given here.
 * `docs/architecture.md` ("The peer host's parts") draws them.
 */
import type { Peer, PeerOptions } from 'peerjs';
import { hello } from '../protocol/peer';
import type { ChatMessage, SessionState, ShareView } from '../protocol/runtime';
import type { SessionSettings, SignalingSettings } from '../settings';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { ConnectionSetup } from './connection-setup';
import { ConnectionTasks } from './connection-tasks';
import { Consent } from './consent';
import { HandshakeRedial } from './handshake-redial';
import { MessageHistory } from './history';
import { IceConfig } from './ice-config';
import type { MediaAccess } from './media';
import { MessageRouter } from './peer-messages';
import { PeerTable, type Result } from './peer-table';
import { Reconnector } from './reconnector';
import { ShareManager } from './shares';
import { SignalingClient } from './signaling-client';
import { TransportWatch } from './transport-watch';
import { Wire } from './wire';

/** What the session needs from its host; all injectable for tests. */
export interface PeerSessionDeps {
  /** Creates a PeerJS peer (`new Peer(id, options)`). */
  createPeer(id: string, options: PeerOptions): Peer;
  /** Called (batched per task) whenever the state changes. */
  onState(state: SessionState): void;
  /** Called when a history message is added (`added`) or its status changes. */
  onMessage(message: ChatMessage, added: boolean): void;
  /** Called when a peer offers a share and the user must be asked. */
  onShareOffer?(share: ShareView): void;
  /** Called when an untrusted peer connects and the user must be asked. */
  onConnectionRequest?(peerId: string): void;
  /** Our user's consent to `peerId` under this verified fingerprint, to keep; `undefined`: it ended. */
  onAccepted?(peerId: string, fingerprint: string | undefined): void;
  /** Capture and playback; without it, starting a share fails with `capture-failed`. */
  media?: MediaAccess;
  /** The user's persistent DTLS certificate; without it, each connection gets a new one. */
  certificate?: RTCCertificate;
  /** SHA-256 fingerprint of `certificate`, shown to the user. */
  fingerprint?: string;
  /** `fetch`, for TURN credentials from the PeerServer. */
  fetch?: typeof fetch;
  /** Current time in ms since the Unix epoch. */
  now?: () => number;
  /** Unique ID for messages; `crypto.randomUUID` by default. */
  newId?: () => string;
  backoff?: BackoffOptions;
  log?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** What the facade gives its parts. */
export interface SessionCore {
  /** Callbacks are read on each call: a test may replace one after construction. */
  deps: PeerSessionDeps;
  now(): number;
  newId(): string;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
  settings(): SessionSettings | undefined;
  isTrusted(peerId: string): boolean;
  pinOf(peerId: string): string | undefined;
  /** The facade's `connect`, for redials. */
  connect(peerId: string): Promise<Result>;
  registered(token: string, server: SignalingSettings): void;
  /** `peerId` is the last peer connected. */
  last(peerId: string): void;
  changed(): void;
}

/** The parts, wired. */
export type SessionParts = ReturnType<typeof wireSession>;

const NO_MEDIA: MediaAccess = {
  open: () => Promise.reject(new Error('no media access')),
  playBack: () => ({ level: () => 0, stop: () => {} }),
};

/** Makes the parts and wires them to each other and to `core`. */
export function wireSession(core: SessionCore) {
  const { deps, log } = core;
  const now = (): number => core.now();
  const changed = (): void => core.changed();
  const history = new MessageHistory((message, added) => core.deps.onMessage(message, added), now, () => core.newId());
  const ice = new IceConfig({
    fetch: (...args) => (deps.fetch ?? fetch)(...args),
    now,
    log,
    changed,
    ...(deps.certificate ? { certificate: deps.certificate } : {}),
  });
  const wire = new Wire(now, log);
  const send = wire.send.bind(wire);
  const peers: PeerTable = new PeerTable({
    now,
    log,
    send,
    dropSends: (conn) => wire.drop(conn),
    endAcceptance: (entry) => consent.endAcceptance(entry),
    refuseOffer: (peerId) => signaling.guard?.refuse(peerId),
    stopReconnecting: (entry) => reconnector.stop(entry),
    scheduleReconnect: (entry) => reconnector.schedule(entry),
    peerGone: (peerId, resuming) => {
      shares.onPeerGone(peerId, resuming);
      history.lost(peerId, resuming);
    },
    changed,
  });
  const fail = peers.fail.bind(peers);
  const clearConnectTimer = peers.clearTimer.bind(peers);
  const shares = new ShareManager(
    {
      call: (peerId, stream, metadata) => signaling.peer?.call(peerId, stream, { metadata }),
      send: (peerId, message) => {
        const conn = peers.get(peerId)?.conn;
        if (!conn?.open) return false;
        send(conn, message);
        return true;
      },
      isConnected: (peerId) => {
        const entry = peers.get(peerId);
        return entry?.view.state === 'connected' && !entry.held;
      },
      changed,
      offered: (share) => core.deps.onShareOffer?.(share),
      now,
      newId: () => core.newId(),
      log,
    },
    deps.media ?? NO_MEDIA,
  );
  const transport = new TransportWatch({
    relayOnly: () => !!core.settings()?.relayOnly,
    fail,
    lost: (entry) => {
      peers.closeConnection(entry);
      peers.markDisconnected(entry, 'peer-disconnected');
    },
    clearConnectTimer,
    changed,
  });
  const tasks = new ConnectionTasks({
    now,
    log,
    peers,
    history,
    send,
    fingerprint: () => core.deps.fingerprint,
    pinOf: (peerId) => core.pinOf(peerId),
    stopReconnecting: (entry) => reconnector.stop(entry),
    connected: (entry, seen) => {
      consent.declined.forget(entry.view.id);
      consent.connected(entry, seen);
    },
    resumeShares: (peerId) => shares.onPeerBack(peerId),
    last: (peerId) => core.last(peerId),
    changed,
  });
  const establish = tasks.establish.bind(tasks);
  const consent: Consent = new Consent({
    now,
    log,
    settings: () => core.settings(),
    peers: peers.map,
    guard: () => signaling.guard,
    isTrusted: (peerId) => core.isTrusted(peerId),
    ask: (peerId) => core.deps.onConnectionRequest?.(peerId),
    isAsking: (entry) => peers.isAsking(entry),
    setPhase: (entry, phase) => peers.setPhase(entry, phase),
    clearConnectTimer,
    closeConnection: (entry) => peers.closeConnection(entry),
    fail,
    sendHello: (conn) => send(conn, hello(core.settings()?.displayName ?? '')),
    establish,
    replay: (entry, conn) => messages.replay(entry, conn),
    changed,
    remember: (peerId, fingerprint) => core.deps.onAccepted?.(peerId, fingerprint),
  });
  const messages: MessageRouter = new MessageRouter({
    now,
    log,
    history,
    shares,
    send,
    establish,
    ended: (entry) => {
      consent.endAcceptance(entry);
      peers.closeConnection(entry);
      peers.markDisconnected(entry, 'peer-disconnected', false);
    },
    changed,
  });
  const setup = new ConnectionSetup({
    now,
    log,
    peers,
    settings: () => core.settings(),
    peer: () => signaling.peer,
    isTrusted: (peerId) => core.isTrusted(peerId),
    pinOf: (peerId) => core.pinOf(peerId),
    send,
    wire,
    carryOver: (entry) => consent.carryOver(entry),
    endAcceptance: (entry) => consent.endAcceptance(entry),
    transport,
    receive: (entry, conn, data) => messages.receive(entry, conn, data),
    replay: (entry, conn) => messages.replay(entry, conn),
    establish,
    ask: (peerId) => core.deps.onConnectionRequest?.(peerId),
    changed,
  });
  const handshakes = new HandshakeRedial({
    peers: () => peers.values(),
    dialAgain: (peerId) => !!setup.dial(peerId),
    withdraw: (peerId, connectionId) => signaling.guard?.withdraw(peerId, connectionId),
    fail,
    clearConnectTimer,
    log,
  });
  const reconnector: Reconnector = new Reconnector({
    now,
    log,
    ownId: () => core.settings()?.peerId,
    isCurrent: (entry) => peers.isCurrent(entry),
    online: () => signaling.server.status === 'online',
    dial: (peerId) => core.connect(peerId),
    giveUp: (entry) => peers.markDisconnected(entry, 'peer-disconnected', false),
    changed,
  });
  const signaling: SignalingClient = new SignalingClient({
    createPeer: (id, options) => core.deps.createPeer(id, options),
    iceConfig: () => ice.build(),
    policy: {
      onOffer: (offer) => consent.decide(offer),
      onRefused: (peerId, connectionId, reason) => consent.refused(peerId, connectionId, reason),
      onDropped: (detail) => log.warn(`[secureconnect] signaling: dropped ${detail}`),
      onWithdrawn: (peerId, connectionId) => {
        const entry = peers.get(peerId);
        // Their attempt is gone (they restarted mid-handshake): ours ends now, not at its timeout.
        const answered = connectionId !== undefined && entry?.conn?.connectionId === connectionId && entry.view.state === 'connecting';
        if (entry && (entry.phase === 'offer-held' || answered)) fail(entry, 'peer-disconnected');
      },
    },
    changed,
    registered: (token, server) => core.registered(token, server),
    connection: (conn) => setup.acceptIncoming(conn),
    call: (call) => shares.onCall(call),
    peerUnavailable: (named) => {
      for (const entry of peers.values()) {
        if (entry.view.state !== 'connecting' || entry.view.initiator !== 'me') continue;
        if (named === undefined || named === entry.view.id) fail(entry, 'peer-unavailable');
      }
    },
    socketLost: () => handshakes.socketLost(),
    tearingDown: () => {
      shares.destroy();
      for (const entry of peers.values()) {
        // An attempt the peer answered would wait for its timeout there: PeerJS says nothing of a channel that never opened.
        if (entry.conn && entry.view.state === 'connecting') signaling.guard?.withdraw(entry.view.id, entry.conn.connectionId);
        peers.closeConnection(entry);
      }
    },
    now,
    backoff: deps.backoff ?? DEFAULT_BACKOFF,
    log,
  });
  return { history, ice, wire, peers, shares, transport, tasks, consent, messages, setup, handshakes, reconnector, signaling };
}
