/**
 * The peer session: one PeerJS `Peer` registered with the PeerServer under the
 * user's peer ID, and one `DataConnection` per remote peer.
 *
 * Framework-free and browser-neutral: it needs only PeerJS and timers, so it runs
 * in Chrome's offscreen document today and in Firefox's background page later.
 * It reports through callbacks; it never touches extension APIs.
 */
import type { DataConnection, Peer, PeerOptions } from 'peerjs';
import type { ErrorCode } from '../errors';
import { checkPeerId, isPeerId } from '../ids';
import {
  APP_TAG,
  DATA_CONNECTION_OPTIONS,
  PROTOCOL_VERSION,
  ping,
  TEXT_MAX_BYTES,
  bye,
  hello,
  textMessage,
  utf8Length,
  type PeerMessage,
} from '../protocol/peer';
import type { ChatMessage, LinkStats, PeerView, SessionState, ShareView } from '../protocol/runtime';
import { isTrustedId, pinOf, type SessionSettings, type SignalingSettings } from '../settings';
import { sdpFingerprint } from '../security/sas';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { bitrates, byteTotals, packetsLost, selectedRoute, type StatsLike } from './link-stats';
import { shouldReconnect } from './reconnect';
import { Reconnector } from './reconnector';
import { framesReceived, guardDataConnection, incomingOptionsOk } from './data-guard';
import { channelCounters, channelState } from './channel-state';
import { SendGate } from './send-gate';
import { canMove, viewStateOf, type Phase, type RemotePeer } from './remote-peer';
import { HandshakeRedial } from './handshake-redial';
import { Pacer } from './pacer';
import { Heartbeat } from './heartbeat';
import { startVerification } from './verification';
import { IceConfig } from './ice-config';
import { MessageHistory, type NewMessage } from './history';
import { identityVerdict, waitForRemoteFingerprint } from './identity';
import { SignalingClient } from './signaling-client';

export { REGISTER_TIMEOUT_MS } from './signaling-client';
import type { MediaAccess } from './media';
import { ShareManager } from './shares';
import { MessageRouter } from './peer-messages';
import { Consent, CONSENT_TIMEOUT_MS } from './consent';
import { CONNECT_TIMEOUT_MS, TransportWatch } from './transport-watch';

export { CONSENT_TIMEOUT_MS } from './consent';
export { ANSWER_WAIT_MS, CONNECT_TIMEOUT_MS } from './transport-watch';

export { SAS_TIMEOUT_MS } from './verification';

/** How long a connection stays open after our `bye`, so that it is delivered, in ms. */
const BYE_GRACE_MS = 300;

export { HISTORY_LIMIT } from './history';

/** A command's outcome. */
export type Result<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorCode };


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

/**
 * Owns the `Peer` and its connections. Create one per peer host; call
 * {@link PeerSession.configure} with the settings to start it.
 */
export class PeerSession {
  private settings?: SessionSettings;
  private readonly peers = new Map<string, RemotePeer>();
  private readonly history: MessageHistory;
  private lastPeerId?: string;
  private stateQueued = false;
  /** ICE servers, TURN credentials from the PeerServer, relay only. */
  private readonly ice: IceConfig;
  /** Bumped on each restart, so late answers of an old configuration are ignored. */
  private generation = 0;
  /** The `Peer`, its registration and retries, and the gate on its signaling. */
  private readonly signaling: SignalingClient;
  /** Who may connect without asking, and our user's answers for the others. */
  private readonly consent: Consent;
  /** Dialled attempts whose answer the PeerServer took with it: dialled again when it is back. */
  private readonly handshakes: HandshakeRedial;
  /** One sending budget per connection (see `pacer.ts`); gone with the connection. */
  private readonly pacers = new WeakMap<DataConnection, Pacer>();
  /** Answered connections: what we send waits until the dialler was heard (see `send-gate.ts`). */
  private readonly gates = new WeakMap<DataConnection, SendGate>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly log: Pick<Console, 'info' | 'warn' | 'error'>;

  /** Tab, tab-audio and microphone shares with connected peers. */
  readonly shares: ShareManager;
  /** What peers send us, from the wire to the history, the verification and the shares. */
  private readonly messages: MessageRouter;
  /** Dials lost peers again. */
  private readonly reconnector: Reconnector;
  /** The answer to our offers, TURN errors and ICE failures of each connection. */
  private readonly transport: TransportWatch;

  constructor(private readonly deps: PeerSessionDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    this.log = deps.log ?? console;
    this.history = new MessageHistory((message, added) => this.deps.onMessage(message, added), this.now, this.newId);
    this.ice = new IceConfig({
      fetch: (...args) => (deps.fetch ?? fetch)(...args),
      now: this.now,
      log: this.log,
      changed: () => this.queueState(),
      ...(deps.certificate ? { certificate: deps.certificate } : {}),
    });
    const noMedia: MediaAccess = {
      open: () => Promise.reject(new Error('no media access')),
      playBack: () => ({ level: () => 0, stop: () => {} }),
    };
    this.shares = new ShareManager(
      {
        call: (peerId, stream, metadata) => this.signaling.peer?.call(peerId, stream, { metadata }),
        send: (peerId, message) => {
          const conn = this.peers.get(peerId)?.conn;
          if (!conn?.open) return false;
          this.sendOn(conn, message);
          return true;
        },
        isConnected: (peerId) => {
          const entry = this.peers.get(peerId);
          return entry?.view.state === 'connected' && !entry.held;
        },
        changed: () => this.queueState(),
        offered: (share) => this.deps.onShareOffer?.(share),
        now: () => this.now(),
        newId: () => this.newId(),
        log: this.log,
      },
      deps.media ?? noMedia,
    );
    this.transport = new TransportWatch({
      relayOnly: () => !!this.settings?.relayOnly,
      fail: (entry, error) => this.fail(entry, error),
      lost: (entry) => {
        this.closeConnection(entry);
        this.markDisconnected(entry, 'peer-disconnected');
      },
      clearConnectTimer: (entry) => this.clearConnectTimer(entry),
      changed: () => this.queueState(),
    });
    this.consent = new Consent({
      now: () => this.now(),
      log: this.log,
      settings: () => this.settings,
      peers: this.peers,
      guard: () => this.signaling.guard,
      isTrusted: (peerId) => this.isTrusted(peerId),
      ask: (peerId) => this.deps.onConnectionRequest?.(peerId),
      isAsking: (entry) => this.isAsking(entry),
      setPhase: (entry, phase) => this.setPhase(entry, phase),
      clearConnectTimer: (entry) => this.clearConnectTimer(entry),
      closeConnection: (entry) => this.closeConnection(entry),
      fail: (entry, error) => this.fail(entry, error),
      sendHello: (conn) => this.sendOn(conn, hello(this.settings?.displayName ?? '')),
      establish: (entry, conn) => this.establish(entry, conn),
      replay: (entry, conn) => this.messages.replay(entry, conn),
      changed: () => this.queueState(),
      remember: (peerId, fingerprint) => this.deps.onAccepted?.(peerId, fingerprint),
    });
    this.handshakes = new HandshakeRedial({
      peers: () => this.peers.values(),
      dialAgain: (peerId) => {
        const conn = this.signaling.peer?.connect(peerId, { ...DATA_CONNECTION_OPTIONS, metadata: { ...DATA_CONNECTION_OPTIONS.metadata } });
        if (conn) this.attach(conn, 'me');
        return !!conn;
      },
      withdraw: (peerId, connectionId) => this.signaling.guard?.withdraw(peerId, connectionId),
      fail: (entry, error) => this.fail(entry, error),
      clearConnectTimer: (entry) => this.clearConnectTimer(entry),
      log: this.log,
    });
    this.reconnector = new Reconnector({
      now: () => this.now(),
      log: this.log,
      ownId: () => this.settings?.peerId,
      isCurrent: (entry) => this.peers.get(entry.view.id) === entry,
      online: () => this.signaling.server.status === 'online',
      dial: (peerId) => this.connect(peerId),
      giveUp: (entry) => this.markDisconnected(entry, 'peer-disconnected', false),
      changed: () => this.queueState(),
    });
    this.messages = new MessageRouter({
      now: () => this.now(),
      log: this.log,
      history: this.history,
      shares: this.shares,
      send: (conn, message) => this.sendOn(conn, message),
      establish: (entry, conn) => this.establish(entry, conn),
      ended: (entry) => {
        this.consent.endAcceptance(entry);
        this.closeConnection(entry);
        this.markDisconnected(entry, 'peer-disconnected', false);
      },
      changed: () => this.queueState(),
    });
    this.signaling = new SignalingClient({
      createPeer: (id, options) => this.deps.createPeer(id, options),
      iceConfig: () => this.ice.build(),
      policy: {
        onOffer: (offer) => this.consent.decide(offer),
        onRefused: (peerId, connectionId, reason) => this.consent.refused(peerId, connectionId, reason),
        onDropped: (detail) => this.log.warn(`[secureconnect] signaling: dropped ${detail}`),
        onWithdrawn: (peerId, connectionId) => {
          const entry = this.peers.get(peerId);
          // Their attempt is gone (they restarted mid-handshake): ours ends now, not at its timeout.
          const answered = connectionId !== undefined && entry?.conn?.connectionId === connectionId && entry.view.state === 'connecting';
          if (entry && (entry.phase === 'offer-held' || answered)) this.fail(entry, 'peer-disconnected');
        },
      },
      changed: () => this.queueState(),
      registered: (token, server) => this.onRegistered(token, server),
      connection: (conn) => this.acceptIncoming(conn),
      call: (call) => this.shares.onCall(call),
      peerUnavailable: (named) => {
        for (const entry of this.peers.values()) {
          if (entry.view.state !== 'connecting' || entry.view.initiator !== 'me') continue;
          if (named === undefined || named === entry.view.id) this.fail(entry, 'peer-unavailable');
        }
      },
      socketLost: () => this.handshakes.socketLost(),
      tearingDown: () => {
        this.shares.destroy();
        for (const entry of this.peers.values()) {
          // An attempt the peer answered would wait for its timeout there: PeerJS says nothing of a channel that never opened.
          if (entry.conn && entry.view.state === 'connecting') this.signaling.guard?.withdraw(entry.view.id, entry.conn.connectionId);
          this.closeConnection(entry);
        }
      },
      now: this.now,
      backoff: deps.backoff ?? DEFAULT_BACKOFF,
      log: this.log,
    });
  }

  /** True once settings have been given. */
  get configured(): boolean {
    return this.settings !== undefined;
  }

  /**
   * Starts the session, or restarts it when settings that matter to the `Peer`
   * changed (peer ID, PeerServer, ICE servers). A restart closes every connection.
   */
  configure(settings: SessionSettings): void {
    const previous = this.settings;
    this.settings = settings;
    // Display name, pins and the peer lists need no new Peer; pins are re-checked on the open connections.
    const restartKey = (value: SessionSettings): string => JSON.stringify({ ...value, displayName: '', pins: {}, trusted: [], blocked: [], accepted: {} });
    if (previous && restartKey(previous) === restartKey(settings)) {
      for (const entry of [...this.peers.values()]) {
        if (settings.blocked.includes(entry.view.id)) this.forget(entry.view.id);
        else {
          this.checkIdentity(entry);
          // The trusted list can arrive after the peer's offer: a request it now covers is answered as that offer would have been.
          if (entry.phase === 'offer-held' && this.isTrusted(entry.view.id)) this.consent.release(entry);
        }
      }
      return;
    }
    this.signaling.teardown();
    for (const entry of this.peers.values()) this.markDisconnected(entry, undefined);
    this.generation++;
    // Credentials are minted only for a peer registered with our token: fetched once registered.
    this.ice.reset(settings);
    this.signaling.start(settings);
  }

  /** A snapshot of the state, without the history. */
  getState(): SessionState {
    return {
      myId: this.settings?.peerId ?? '',
      server: { ...this.signaling.server },
      peers: [...this.peers.values()].map((entry) => ({ ...entry.view })),
      shares: this.shares.list(),
      ...(this.deps.fingerprint ? { fingerprint: this.deps.fingerprint } : {}),
      ...(this.lastPeerId ? { lastPeerId: this.lastPeerId } : {}),
      ...(this.settings?.relayOnly ? { relayOnly: true } : {}),
      ...(this.ice.status ? { turn: { ...this.ice.status } } : {}),
    };
  }

  /** The history, oldest first (at most {@link HISTORY_LIMIT} messages). */
  getMessages(): ChatMessage[] {
    return this.history.list();
  }

  /** How many messages the history holds (at most {@link HISTORY_LIMIT}). */
  get messageCount(): number {
    return this.history.length;
  }

  /**
   * Opens a `DataConnection` to `rawPeerId`.
   * @returns once the connection is open, or with the reason it failed
   *   (`bad-peer-id`, `self-connect`, `not-ready`, `server-unreachable`,
   *   `peer-unavailable`, `connect-timeout`, `webrtc`, `peer-disconnected`).
   */
  connect(rawPeerId: string): Promise<Result> {
    const checked = checkPeerId(rawPeerId);
    if (!checked.ok) return Promise.resolve({ ok: false, error: 'bad-peer-id' });
    const peerId = checked.id;
    const peer = this.signaling.peer;
    if (!this.settings || !peer) return Promise.resolve({ ok: false, error: 'not-ready' });
    if (peerId === this.settings.peerId) return Promise.resolve({ ok: false, error: 'self-connect' });
    const existing = this.peers.get(peerId);
    if (existing?.view.state === 'connected') return Promise.resolve({ ok: true });
    if (existing && this.isAsking(existing)) {
      // Our user asks to connect to a peer that is asking us: that is a yes.
      const joined = new Promise<Result>((resolve) => existing.waiters.push(resolve));
      const answered = this.consent.answer(peerId, true);
      return answered.ok ? joined : Promise.resolve(answered);
    }
    if (existing?.view.state === 'connecting') {
      const joined = new Promise<Result>((resolve) => existing.waiters.push(resolve));
      if (existing.view.initiator !== 'them') return joined;
      // Their attempt may be dead: a side that restarts mid-handshake never says so, and PeerJS
      // fires nothing for a channel that never opened. Our user asked to connect: dial once
      // ourselves when it fails, instead of handing them its timeout.
      return joined.then((result) =>
        result.ok || result.error === 'connection-declined' || this.signaling.peer === undefined ? result : this.connect(peerId),
      );
    }
    if (peer.disconnected || peer.destroyed || !peer.open) {
      return Promise.resolve({ ok: false, error: 'server-unreachable' });
    }
    const turnPending = this.ice.pending();
    if (turnPending) {
      return turnPending.then(() => (this.signaling.peer === peer ? this.connect(peerId) : { ok: false, error: 'not-ready' }));
    }
    this.consent.declined.forget(peerId);
    const relayProblem = this.ice.relayProblem();
    if (relayProblem) return Promise.resolve({ ok: false, error: relayProblem });
    const conn = peer.connect(peerId, {
      ...DATA_CONNECTION_OPTIONS,
      metadata: { ...DATA_CONNECTION_OPTIONS.metadata },
    });
    if (!conn) return Promise.resolve({ ok: false, error: 'server-unreachable' });
    const entry = this.attach(conn, 'me');
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  /** Closes the connection to `peerId`; the peer stays listed as disconnected. */
  disconnect(peerId: string): Result {
    const entry = this.peers.get(peerId);
    if (!entry) return { ok: true };
    this.sayBye(entry);
    this.closeConnection(entry);
    this.markDisconnected(entry, undefined);
    return { ok: true };
  }

  /** Closes the connection to `peerId` and removes it from the list. */
  forget(peerId: string): Result {
    this.signaling.guard?.refuse(peerId);
    const entry = this.peers.get(peerId);
    if (!entry) return { ok: true };
    this.sayBye(entry);
    this.reconnector.stop(entry);
    this.closeConnection(entry);
    this.settle(entry, { ok: false, error: 'peer-disconnected' });
    this.peers.delete(peerId);
    if (this.lastPeerId === peerId) this.lastPeerId = undefined;
    this.queueState();
    return { ok: true };
  }

  /**
   * Sends `text` to a connected peer. The text is sent exactly as given.
   *
   * @param keepOnFailure record a refused send in the history as `failed`, for
   *   callers that have no text box to keep it in (the context menu).
   * While the peer is being reconnected after a loss, the text is queued (status
   * `queued`) and sent, in order, on the new connection.
   *
   * @returns the history ID of the sent message, or `text-empty`,
   *   `text-too-long` (over {@link TEXT_MAX_BYTES} bytes of UTF-8), `not-connected`.
   */
  sendText(peerId: string, text: string, keepOnFailure = false): Result<{ messageId: string }> {
    const refuse = (error: ErrorCode): Result<{ messageId: string }> => {
      if (keepOnFailure && text.trim() !== '') this.addMessage({ peerId, direction: 'out', text, status: 'failed', error });
      return { ok: false, error };
    };
    if (text.trim() === '') return refuse('text-empty');
    if (text.length > TEXT_MAX_BYTES || utf8Length(text) > TEXT_MAX_BYTES) return refuse('text-too-long');
    const entry = this.peers.get(peerId);
    const conn = entry?.conn;
    if (entry && entry.lostAt !== undefined && entry.view.state !== 'connected') {
      const id = this.newId();
      this.addMessage({ id, peerId, direction: 'out', text, status: 'queued' });
      return { ok: true, messageId: id };
    }
    if (!entry || entry.view.state !== 'connected' || !conn?.open) return refuse('not-connected');
    if (entry.held) return refuse('identity-changed');
    const id = this.newId();
    try {
      this.sendOn(conn, textMessage(id, text, this.now()));
    } catch (error) {
      this.log.warn('[secureconnect] send failed', error);
      return refuse('not-connected');
    }
    this.addMessage({ id, peerId, direction: 'out', text, status: 'sent' });
    return { ok: true, messageId: id };
  }

  /** Retries the PeerServer now instead of waiting for the next backoff step. */
  retryNow(): Result {
    return this.settings && this.signaling.retryNow() ? { ok: true } : { ok: false, error: 'not-ready' };
  }

  /** Closes everything. The session cannot be used afterwards. */
  destroy(): void {
    this.generation++;
    this.ice.stop();
    this.signaling.stop();
    for (const entry of this.peers.values()) this.markDisconnected(entry, undefined);
  }

  /**
   * Connection panel figures for `peerId`: the route of the selected candidate pair,
   * ICE state, round-trip time, bitrate since the previous call, media packets lost.
   * @returns `not-connected` when there is no connection to read.
   */
  async linkStats(peerId: string): Promise<Result<{ stats: LinkStats }>> {
    const entry = this.peers.get(peerId);
    const pc = entry?.conn?.peerConnection as RTCPeerConnection | undefined;
    if (!entry || !pc) return { ok: false, error: 'not-connected' };
    try {
      const reports = (await Promise.all([pc, ...this.shares.connectionsWith(peerId)].map((connection) => connection.getStats()))) as StatsLike[];
      const sample = byteTotals(reports, performance.now());
      const lost = packetsLost(reports);
      const stats: LinkStats = {
        iceState: pc.iceConnectionState,
        ...selectedRoute(reports[0]!),
        ...bitrates(entry.lastSample, sample),
        ...(lost !== undefined ? { packetsLost: lost } : {}),
      };
      entry.lastSample = sample;
      return { ok: true, stats };
    } catch (error) {
      this.log.warn('[secureconnect] getStats failed', error);
      return { ok: false, error: 'not-connected' };
    }
  }

  /** Registered: TURN credentials for our token, and peers lost meanwhile are dialled now rather than at their next step. */
  private onRegistered(token: string, server: SignalingSettings): void {
    this.ice.registered(token, server);
    for (const entry of this.peers.values()) {
      this.reconnector.restart(entry);
    }
    this.handshakes.registered();
  }

  // --- connections -----------------------------------------------------------

  private acceptIncoming(conn: DataConnection): void {
    if (!isPeerId(conn.peer) || !incomingOptionsOk(conn)) {
      // The signaling guard refuses these first; this keeps a bad entry out of the state regardless.
      this.log.warn('[secureconnect] refused an incoming connection with an invalid peer ID or options');
      conn.close();
      return;
    }
    if (this.settings!.blocked.includes(conn.peer)) {
      // Blocked peers are refused without a word to them or to our user.
      this.log.info(`[secureconnect] refused a connection from blocked peer ${conn.peer}`);
      conn.close();
      return;
    }
    const entry = this.peers.get(conn.peer);
    const dialling = !!entry?.conn && entry.view.state === 'connecting' && entry.view.initiator === 'me';
    if (dialling) {
      // Both sides dialled at once: keep the connection opened by the smaller peer ID.
      if (this.settings!.peerId < conn.peer) {
        conn.close();
        return;
      }
    }
    // Theirs replaces our own attempt: our user asked for this peer, so it is not put to them as a request.
    this.attach(conn, 'them', dialling);
  }

  private attach(conn: DataConnection, initiator: 'me' | 'them', wanted = false): RemotePeer {
    const peerId = conn.peer;
    let entry = this.peers.get(peerId);
    if (!entry) {
      entry = { view: { id: peerId, state: 'connecting', name: '', initiator, since: this.now() }, phase: 'opening', everConnected: false, waiters: [] };
      this.peers.set(peerId, entry);
    }
    if (entry.conn && entry.conn !== conn) {
      // The peer dialled again while we still thought it connected: it lost the connection first.
      const wasConnected = entry.view.state === 'connected';
      this.closeConnection(entry);
      if (wasConnected) this.markDisconnected(entry, 'peer-disconnected');
    }
    const target = entry;
    target.conn = conn;
    this.log.info(`[secureconnect] ${peerId}: connection ${conn.connectionId} (${initiator === 'me' ? 'ours' : 'theirs'})`);
    this.consent.carryOver(target);
    target.mustAsk = initiator === 'them' && !wanted && !this.isTrusted(peerId) && !target.accepted;
    // Until `opened` decides, what the peer sends waits: Chromium can deliver the first
    // messages before the channel's `open` event, and a `hello` handled then was lost.
    this.setPhase(target, 'opening');
    target.buffered = [];
    target.bufferedSize = 0;
    target.seen = undefined;
    const metadataApp = (conn.metadata as { app?: unknown } | undefined)?.app;
    target.app = typeof metadataApp === 'string' ? metadataApp.slice(0, 64) : undefined;
    target.view = { ...target.view, initiator, since: this.now() };
    delete target.view.error;
    delete target.view.waiting;
    this.clearConnectTimer(target);
    this.pacers.set(conn, new Pacer(this.now, (error) => this.log.warn('[secureconnect] send failed', error)));
    if (initiator === 'them') this.gates.set(conn, new SendGate((error) => this.log.warn('[secureconnect] send failed', error)));
    // Their pacer is new with the connection, with a full burst: a bucket drained on the old one would drop its hello.
    target.bucket = undefined;
    guardDataConnection(
      conn,
      this.now,
      (reason) => this.log.warn(`[secureconnect] ${peerId}: dropped data (${reason})`),
      () => this.onFlood(target, conn),
    );
    if (initiator === 'me') this.transport.awaitAnswer(target, conn);
    else target.connectTimer = setTimeout(() => this.fail(target, this.transport.turnFailure(target) ?? 'connect-timeout'), CONNECT_TIMEOUT_MS);
    this.transport.watchTurnErrors(target, conn);
    this.queueState();

    conn.on('open', () => {
      if (target.conn !== conn) return;
      this.clearConnectTimer(target);
      this.gates.get(conn)?.channelOpened();
      this.transport.watchIce(target, conn);
      // Nothing is sent, queued or resumed before we know who is there.
      this.setPhase(target, 'checking');
      target.connectTimer = setTimeout(() => this.fail(target, 'connect-timeout'), CONNECT_TIMEOUT_MS);
      void waitForRemoteFingerprint(conn.peerConnection as RTCPeerConnection | undefined).then((seen) => {
        if (target.conn !== conn) return;
        this.clearConnectTimer(target);
        this.opened(target, conn, initiator, seen);
      });
    });
    conn.on('data', (data) => {
      // The dialler spoke, so its channel is open: ours may speak now.
      this.gates.get(conn)?.open();
      if (target.conn !== conn) return;
      this.messages.receive(target, conn, data);
    });
    conn.on('close', () => {
      if (target.closingByUs === conn) {
        target.closingByUs = undefined;
        return;
      }
      if (target.conn !== conn) return;
      target.conn = undefined;
      if (target.view.state === 'connected') this.markDisconnected(target, 'peer-disconnected');
      else this.fail(target, target.phase === 'awaiting-hello' ? 'connection-declined' : 'webrtc');
    });
    conn.on('error', (error) => {
      if (target.conn !== conn) return;
      this.log.warn(`[secureconnect] connection to ${peerId}: ${error.type} ${error.message}`);
      if (target.view.state === 'connecting') this.fail(target, this.transport.turnFailure(target) ?? 'webrtc');
    });
    return target;
  }

  /**
   * The one setup path of every open connection, incoming or outgoing, first or redial:
   * the identity the browser verified decides first (`identityVerdict`); only then is
   * anything sent, and only {@link establish} flushes the outbox and resumes shares.
   */
  private opened(target: RemotePeer, conn: DataConnection, initiator: 'me' | 'them', seen: string | undefined): void {
    const peerId = target.view.id;
    target.seen = seen;
    target.view = { ...target.view };
    if (seen) target.view.fingerprint = seen;
    else delete target.view.fingerprint;
    const verdict = identityVerdict(this.pinOf(peerId), target.knownFingerprint, seen);
    this.log.info(`[secureconnect] ${peerId}: ${conn.connectionId} open, identity ${seen ? 'read' : 'unreadable'}, ${verdict}${target.mustAsk ? ', asking' : ''}`);
    if (verdict === 'ask') {
      this.log.warn(`[secureconnect] ${peerId} presents another identity than the one accepted; asking again`);
      target.mustAsk = true;
    }
    if (target.mustAsk) {
      this.setPhase(target, 'asking');
      // Nothing connects without our user's yes: ask, and keep the peer's messages meanwhile.
      target.connectTimer = setTimeout(() => this.fail(target, 'connect-timeout'), CONSENT_TIMEOUT_MS);
      target.view = { ...target.view, waiting: 'our-answer' };
      this.deps.onConnectionRequest?.(peerId);
      this.queueState();
      return;
    }
    // A pinned peer with another identity goes on held (see `checkIdentity`): only verification runs.
    this.sendOn(conn, hello(this.settings?.displayName ?? ''));
    if (initiator === 'me') {
      // Their user may be asked first (older peers ask after opening): connected once their `hello` arrives.
      this.setPhase(target, 'awaiting-hello');
      target.connectTimer = setTimeout(() => this.fail(target, 'connection-declined'), CONSENT_TIMEOUT_MS);
      target.view = { ...target.view, waiting: 'their-answer' };
      this.queueState();
    } else {
      this.establish(target, conn);
    }
    this.messages.replay(target, conn);
  }

  /**
   * Starts the verification-code exchange for a connection that just opened: our
   * certificate's fingerprint and the SHA-256 of the certificate the browser verified
   * for the peer (see `identity.ts`), whatever algorithm the SDP named.
   */
  private startVerification(entry: RemotePeer, conn: DataConnection): void {
    const pc = conn.peerConnection as RTCPeerConnection | undefined;
    this.checkIdentity(entry);
    this.stopVerification(entry);
    const stop = new AbortController();
    entry.sasStop = stop;
    entry.sas = startVerification({
      ours: this.deps.fingerprint ?? sdpFingerprint(pc?.localDescription?.sdp),
      theirs: entry.seen,
      send: (message) => this.sendOn(conn, { v: PROTOCOL_VERSION, ...message }),
      show: (verification) => {
        if (entry.conn !== conn) return;
        entry.view = { ...entry.view, verification };
        this.queueState();
      },
      expected: () => entry.app === APP_TAG,
      failed: (reason) => this.log.warn(`[secureconnect] verification with ${entry.view.id} failed: ${reason}`),
      signal: stop.signal,
    });
  }

  private stopVerification(entry: RemotePeer): void {
    entry.sasStop?.abort();
    entry.sasStop = undefined;
    entry.sas = undefined;
  }

  /** Marks an open connection connected and starts what runs on it. */
  private establish(entry: RemotePeer, conn: DataConnection): void {
    this.log.info(`[secureconnect] ${entry.view.id}: ${conn.connectionId} connected`);
    this.clearConnectTimer(entry);
    entry.mustAsk = false;
    this.setPhase(entry, 'connected');
    entry.view = { ...entry.view, since: this.now() };
    delete entry.view.error;
    delete entry.view.waiting;
    entry.everConnected = true;
    entry.accepted = true;
    if (entry.lostAt !== undefined && entry.view.lastDrop) entry.view.lastDrop = { ...entry.view.lastDrop, back: this.now() };
    this.reconnector.stop(entry);
    this.lastPeerId = entry.view.id;
    this.consent.declined.forget(entry.view.id);
    this.startVerification(entry, conn);
    // A held (changed) identity is not the one our user accepted.
    if (!entry.held) entry.knownFingerprint = entry.seen;
    this.consent.connected(entry, entry.seen);
    this.startHeartbeat(entry, conn);
    this.settle(entry, { ok: true });
    if (!entry.held) {
      this.flushOutbox(entry, conn);
      this.shares.onPeerBack(entry.view.id);
    }
    this.queueState();
  }

  /**
   * Sends, in order, what did not reach the peer: texts typed while it was away
   * (`queued`) and texts sent but never acknowledged (`undelivered`). Same IDs as
   * before, so the peer shows each text once.
   */
  private flushOutbox(entry: RemotePeer, conn: DataConnection): void {
    this.history.flush(entry.view.id, (message) => this.sendOn(conn, textMessage(message.id, message.text, message.at)));
  }

  /** Tells the peer that our user closes the connection on purpose, so it does not dial back. */
  private sayBye(entry: RemotePeer): void {
    this.consent.endAcceptance(entry);
    this.reconnector.stop(entry);
    const conn = entry.conn;
    if (!conn?.open) return;
    this.sendOn(conn, bye());
    entry.byeOn = conn;
  }

  /** True when `peerId` may connect without asking: trusted, or verified (pinned). */
  private isTrusted(peerId: string): boolean {
    return !!this.settings && isTrustedId(this.settings, peerId);
  }

  /** The fingerprint pinned for `peerId`; own properties only (`toString` is an ordinary ID). */
  private pinOf(peerId: string): string | undefined {
    return this.settings ? pinOf(this.settings, peerId) : undefined;
  }

  /**
   * Our user's answer to an incoming connection from an untrusted peer (see `consent.ts`).
   * Accept connects it (and delivers what the peer sent meanwhile); decline closes it.
   */
  answerConnection(peerId: string, accept: boolean): Result {
    return this.consent.answer(peerId, accept);
  }

  /** Starts the heartbeat of an established connection (see `heartbeat.ts`). */
  private startHeartbeat(entry: RemotePeer, conn: DataConnection): void {
    this.stopHeartbeat(entry);
    const stop = new AbortController();
    entry.heartbeatStop = stop;
    entry.heartbeat = new Heartbeat({
      // A connection replaced without a word stops its own heartbeat.
      ping: () => (entry.conn === conn ? this.sendOn(conn, ping()) : stop.abort()),
      now: this.now,
      signal: stop.signal,
      lost: () => {
        if (entry.conn !== conn) return;
        this.log.warn(`[secureconnect] ${entry.view.id} went silent; taking the connection as lost`);
        this.closeConnection(entry);
        this.markDisconnected(entry, 'peer-disconnected');
      },
    });
  }

  private stopHeartbeat(entry: RemotePeer): void {
    entry.heartbeatStop?.abort();
    entry.heartbeatStop = undefined;
    entry.heartbeat = undefined;
  }

  /** Compares the peer's fingerprint with the pinned one and holds the connection when they differ. */
  private checkIdentity(entry: RemotePeer): void {
    const pinned = this.pinOf(entry.view.id);
    const view = { ...entry.view };
    if (!pinned || entry.view.state !== 'connected') delete view.identity;
    // A missing or unreadable fingerprint counts as a changed one.
    else view.identity = identityVerdict(pinned, undefined, entry.seen) === 'continue' ? 'verified' : 'changed';
    entry.held = view.identity === 'changed';
    if (entry.held) this.log.warn(`[secureconnect] ${entry.view.id} presents a different identity than the one pinned; holding the connection`);
    entry.view = view;
    this.queueState();
  }

  /** A peer far over the frame limit is cut off: no dialling back, and it is asked again next time (unless trusted). */
  private onFlood(entry: RemotePeer, conn: DataConnection): void {
    if (entry.conn !== conn) return;
    this.log.warn(`[secureconnect] ${entry.view.id} flooded the connection; closing it`);
    this.consent.endAcceptance(entry);
    this.closeConnection(entry);
    this.markDisconnected(entry, 'peer-flooding', false);
  }

  /**
   * Sends `message` on `conn`. Texts and acks, which come by the hundred, keep within the
   * peer's rate limit (see `pacer.ts`): over it they go later, in order. The few control
   * messages (hello, ping, verification, share signals, bye) go at once, in the margin
   * `SEND_LIMIT` leaves below the peer's limit, so a long outbox delays no verification.
   */
  private sendOn(conn: DataConnection, message: PeerMessage): void {
    // PeerJS's BinaryPack send returns a promise when it has to chunk.
    const send = (): void => void Promise.resolve(conn.send(message)).catch((error: unknown) => this.log.warn('[secureconnect] send failed', error));
    const pacer = this.pacers.get(conn);
    const paced = (): void => {
      if (!pacer || (message.type !== 'text' && message.type !== 'ack')) return send();
      if (!pacer.send(send)) this.log.warn(`[secureconnect] ${message.type} to ${conn.peer} not sent: too many messages waiting`);
    };
    const gate = this.gates.get(conn);
    if (!gate) return paced();
    if (!gate.send(paced)) this.log.warn(`[secureconnect] ${message.type} to ${conn.peer} not sent: too many messages waiting`);
  }

  private fail(entry: RemotePeer, error: ErrorCode): void {
    const conn = entry.conn;
    this.log.info(`[secureconnect] ${entry.view.id}: ${conn?.connectionId ?? 'attempt'} failed: ${error}${conn ? `; ${channelState(conn, framesReceived(conn))}` : ''}`);
    // Asked for before the close below; Chromium answers with the figures it had.
    if (conn) void channelCounters(conn).then((counters) => counters && this.log.info(`[secureconnect] ${entry.view.id}: ${conn.connectionId} ${counters}`));
    this.closeConnection(entry);
    this.markDisconnected(entry, error);
    // A peer we never reached is not listed: the caller shows why it failed.
    if (!entry.everConnected && this.peers.get(entry.view.id) === entry) this.peers.delete(entry.view.id);
  }

  private closeConnection(entry: RemotePeer): void {
    this.clearConnectTimer(entry);
    const conn = entry.conn;
    if (!conn) return;
    entry.conn = undefined;
    entry.closingByUs = conn;
    // What still waits for the rate limit is not sent: sent texts become undelivered and go again on the next connection.
    this.pacers.get(conn)?.stop();
    this.gates.get(conn)?.close();
    const close = (): void => {
      try {
        conn.close();
      } catch (error) {
        // Closing must never stop us from marking the peer gone.
        this.log.warn(`[secureconnect] closing the connection to ${entry.view.id} failed`, error);
      }
    };
    if (entry.byeOn !== conn) return close();
    // PeerJS closes the whole RTCPeerConnection at once, dropping what is still queued.
    entry.byeOn = undefined;
    setTimeout(close, BYE_GRACE_MS);
  }

  /**
   * @param lost the connection was lost rather than closed by a person: dial again
   *   (see `reconnector.ts`) while `shouldReconnect` allows.
   */
  private markDisconnected(entry: RemotePeer, error: ErrorCode | undefined, lost = error !== undefined): void {
    const wasConnected = entry.view.state === 'connected';
    const resuming = lost && !!entry.accepted && (wasConnected || entry.lostAt !== undefined) && shouldReconnect(error, entry.lostAt ?? this.now(), this.now());
    if (resuming && entry.lostAt === undefined) {
      entry.lostAt = this.now();
      entry.view = { ...entry.view, lastDrop: { at: entry.lostAt } };
    } else if (!resuming) {
      this.reconnector.stop(entry);
    }
    this.clearConnectTimer(entry);
    this.stopHeartbeat(entry);
    if (entry.phase === 'offer-held') this.signaling.guard?.refuse(entry.view.id);
    entry.mustAsk = false;
    entry.held = false;
    this.stopVerification(entry);
    this.setPhase(entry, 'disconnected');
    const view: PeerView = { ...entry.view, since: this.now() };
    if (error) view.error = error;
    else delete view.error;
    entry.view = view;
    this.settle(entry, { ok: false, error: error ?? 'peer-disconnected' });
    this.shares.onPeerGone(entry.view.id, resuming);
    this.history.lost(entry.view.id, resuming);
    if (resuming) this.reconnector.schedule(entry);
    this.queueState();
  }

  /** Moves `entry` to `phase`, and its view's state with it; a move the rules do not have is logged. */
  private setPhase(entry: RemotePeer, phase: Phase): void {
    if (!canMove(entry.phase, phase)) this.log.warn(`[secureconnect] ${entry.view.id}: unexpected phase change ${entry.phase} -> ${phase}`);
    entry.phase = phase;
    const state = viewStateOf(phase);
    if (entry.view.state !== state) entry.view = { ...entry.view, state };
  }

  /** Our user has to answer this peer before it connects. */
  private isAsking(entry: RemotePeer): boolean {
    return !!entry.mustAsk && entry.phase !== 'connected' && entry.phase !== 'disconnected' && entry.phase !== 'awaiting-hello';
  }

  private settle(entry: RemotePeer, result: Result): void {
    const waiters = entry.waiters.splice(0);
    for (const resolve of waiters) resolve(result);
  }

  private clearConnectTimer(entry: RemotePeer): void {
    if (entry.connectTimer !== undefined) clearTimeout(entry.connectTimer);
    entry.connectTimer = undefined;
  }

  // --- history and notifications --------------------------------------------

  private addMessage(fields: NewMessage): void {
    this.history.add(fields);
  }

  private queueState(): void {
    if (this.stateQueued) return;
    this.stateQueued = true;
    queueMicrotask(() => {
      this.stateQueued = false;
      this.deps.onState(this.getState());
    });
  }
}
