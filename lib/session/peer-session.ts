/**
 * The peer session: one PeerJS `Peer` registered with the PeerServer under the
 * user's peer ID, and one `DataConnection` per remote peer.
 *
 * A facade over the parts wired in `session-parts.ts`: it takes the host's commands and
 * hands each to the part that owns it. Framework-free and browser-neutral: it needs only
 * PeerJS and timers, so it runs in Chrome's offscreen document and in Firefox's
 * background page. It reports through callbacks; it never touches extension APIs.
 */
import type { ErrorCode } from '../errors';
import { checkPeerId } from '../ids';
import { TEXT_MAX_BYTES, textMessage, utf8Length } from '../protocol/peer';
import type { ChatMessage, LinkStats, SessionState } from '../protocol/runtime';
import { isTrustedId, pinOf, type SessionSettings, type SignalingSettings } from '../settings';
import { readLinkStats } from './link-stats';
import type { Result } from './peer-table';
import { wireSession, type PeerSessionDeps, type SessionParts } from './session-parts';
import type { ShareManager } from './shares';

export { REGISTER_TIMEOUT_MS } from './signaling-client';
export { CONSENT_TIMEOUT_MS } from './consent';
export { ANSWER_WAIT_MS, CONNECT_TIMEOUT_MS } from './transport-watch';
export { SAS_TIMEOUT_MS } from './verification';
export { HISTORY_LIMIT } from './history';
export type { Result } from './peer-table';
export type { PeerSessionDeps } from './session-parts';

/**
 * Owns the `Peer` and its connections. Create one per peer host; call
 * {@link PeerSession.configure} with the settings to start it.
 */
export class PeerSession {
  private settings?: SessionSettings;
  private lastPeerId?: string;
  private stateQueued = false;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly log: Pick<Console, 'info' | 'warn' | 'error'>;
  private readonly parts: SessionParts;
  /** Tab, tab-audio and microphone shares with connected peers. */
  readonly shares: ShareManager;

  constructor(private readonly deps: PeerSessionDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    this.log = deps.log ?? console;
    this.parts = wireSession({
      deps,
      now: () => this.now(),
      newId: () => this.newId(),
      log: this.log,
      settings: () => this.settings,
      isTrusted: (peerId) => this.isTrusted(peerId),
      pinOf: (peerId) => this.pinOf(peerId),
      connect: (peerId) => this.connect(peerId),
      registered: (token, server) => this.onRegistered(token, server),
      last: (peerId) => (this.lastPeerId = peerId),
      changed: () => this.queueState(),
    });
    this.shares = this.parts.shares;
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
      for (const entry of [...this.parts.peers.values()]) {
        if (settings.blocked.includes(entry.view.id)) this.forget(entry.view.id);
        else {
          this.parts.tasks.checkIdentity(entry);
          // The trusted list can arrive after the peer's offer: a request it now covers is answered as that offer would have been.
          if (entry.phase === 'offer-held' && this.isTrusted(entry.view.id)) this.parts.consent.release(entry);
        }
      }
      return;
    }
    this.parts.signaling.teardown();
    for (const entry of this.parts.peers.values()) this.parts.peers.markDisconnected(entry, undefined);
    // Credentials are minted only for a peer registered with our token: fetched once registered.
    this.parts.ice.reset(settings);
    this.parts.signaling.start(settings);
  }

  /** A snapshot of the state, without the history. */
  getState(): SessionState {
    return {
      myId: this.settings?.peerId ?? '',
      server: { ...this.parts.signaling.server },
      peers: [...this.parts.peers.values()].map((entry) => ({ ...entry.view })),
      shares: this.shares.list(),
      ...(this.deps.fingerprint ? { fingerprint: this.deps.fingerprint } : {}),
      ...(this.lastPeerId ? { lastPeerId: this.lastPeerId } : {}),
      ...(this.settings?.relayOnly ? { relayOnly: true } : {}),
      ...(this.parts.ice.status ? { turn: { ...this.parts.ice.status } } : {}),
    };
  }

  /** The history, oldest first (at most {@link HISTORY_LIMIT} messages). */
  getMessages(): ChatMessage[] {
    return this.parts.history.list();
  }

  /** How many messages the history holds (at most {@link HISTORY_LIMIT}). */
  get messageCount(): number {
    return this.parts.history.length;
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
    const peer = this.parts.signaling.peer;
    if (!this.settings || !peer) return Promise.resolve({ ok: false, error: 'not-ready' });
    if (peerId === this.settings.peerId) return Promise.resolve({ ok: false, error: 'self-connect' });
    const existing = this.parts.peers.get(peerId);
    if (existing?.view.state === 'connected') return Promise.resolve({ ok: true });
    if (existing && this.parts.peers.isAsking(existing)) {
      // Our user asks to connect to a peer that is asking us: that is a yes.
      const joined = new Promise<Result>((resolve) => existing.waiters.push(resolve));
      const answered = this.parts.consent.answer(peerId, true);
      return answered.ok ? joined : Promise.resolve(answered);
    }
    if (existing?.view.state === 'connecting') {
      const joined = new Promise<Result>((resolve) => existing.waiters.push(resolve));
      if (existing.view.initiator !== 'them') return joined;
      // Their attempt may be dead: a side that restarts mid-handshake never says so, and PeerJS
      // fires nothing for a channel that never opened. Our user asked to connect: dial once
      // ourselves when it fails, instead of handing them its timeout.
      return joined.then((result) =>
        result.ok || result.error === 'connection-declined' || this.parts.signaling.peer === undefined ? result : this.connect(peerId),
      );
    }
    if (peer.disconnected || peer.destroyed || !peer.open) {
      return Promise.resolve({ ok: false, error: 'server-unreachable' });
    }
    const turnPending = this.parts.ice.pending();
    if (turnPending) {
      return turnPending.then(() => (this.parts.signaling.peer === peer ? this.connect(peerId) : { ok: false, error: 'not-ready' }));
    }
    this.parts.consent.declined.forget(peerId);
    const relayProblem = this.parts.ice.relayProblem();
    if (relayProblem) return Promise.resolve({ ok: false, error: relayProblem });
    const entry = this.parts.setup.dial(peerId);
    if (!entry) return Promise.resolve({ ok: false, error: 'server-unreachable' });
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  /** Closes the connection to `peerId`; the peer stays listed as disconnected. */
  disconnect(peerId: string): Result {
    const entry = this.parts.peers.get(peerId);
    if (!entry) return { ok: true };
    this.parts.peers.sayBye(entry);
    this.parts.peers.closeConnection(entry);
    this.parts.peers.markDisconnected(entry, undefined);
    return { ok: true };
  }

  /** Closes the connection to `peerId` and removes it from the list. */
  forget(peerId: string): Result {
    this.parts.signaling.guard?.refuse(peerId);
    const entry = this.parts.peers.get(peerId);
    if (!entry) return { ok: true };
    this.parts.peers.sayBye(entry);
    this.parts.reconnector.stop(entry);
    this.parts.peers.closeConnection(entry);
    this.parts.peers.settle(entry, { ok: false, error: 'peer-disconnected' });
    this.parts.peers.map.delete(peerId);
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
      if (keepOnFailure && text.trim() !== '') this.parts.history.add({ peerId, direction: 'out', text, status: 'failed', error });
      return { ok: false, error };
    };
    if (text.trim() === '') return refuse('text-empty');
    if (text.length > TEXT_MAX_BYTES || utf8Length(text) > TEXT_MAX_BYTES) return refuse('text-too-long');
    const entry = this.parts.peers.get(peerId);
    const conn = entry?.conn;
    if (entry && entry.lostAt !== undefined && entry.view.state !== 'connected') {
      const id = this.newId();
      this.parts.history.add({ id, peerId, direction: 'out', text, status: 'queued' });
      return { ok: true, messageId: id };
    }
    if (!entry || entry.view.state !== 'connected' || !conn?.open) return refuse('not-connected');
    if (entry.held) return refuse('identity-changed');
    const id = this.newId();
    try {
      this.parts.wire.send(conn, textMessage(id, text, this.now()));
    } catch (error) {
      this.log.warn('[secureconnect] send failed', error);
      return refuse('not-connected');
    }
    this.parts.history.add({ id, peerId, direction: 'out', text, status: 'sent' });
    return { ok: true, messageId: id };
  }

  /** Retries the PeerServer now instead of waiting for the next backoff step. */
  retryNow(): Result {
    return this.settings && this.parts.signaling.retryNow() ? { ok: true } : { ok: false, error: 'not-ready' };
  }

  /** Closes everything. The session cannot be used afterwards. */
  destroy(): void {
    this.parts.ice.stop();
    this.parts.signaling.stop();
    for (const entry of this.parts.peers.values()) this.parts.peers.markDisconnected(entry, undefined);
  }

  /**
   * Connection panel figures for `peerId`: the route of the selected candidate pair,
   * ICE state, round-trip time, bitrate since the previous call, media packets lost.
   * @returns `not-connected` when there is no connection to read.
   */
  async linkStats(peerId: string): Promise<Result<{ stats: LinkStats }>> {
    const entry = this.parts.peers.get(peerId);
    const pc = entry?.conn?.peerConnection as RTCPeerConnection | undefined;
    if (!entry || !pc) return { ok: false, error: 'not-connected' };
    try {
      const { stats, sample } = await readLinkStats(pc, this.shares.connectionsWith(peerId), entry.lastSample);
      entry.lastSample = sample;
      return { ok: true, stats };
    } catch (error) {
      this.log.warn('[secureconnect] getStats failed', error);
      return { ok: false, error: 'not-connected' };
    }
  }

  /** Registered: TURN credentials for our token, and peers lost meanwhile are dialled now rather than at their next step. */
  private onRegistered(token: string, server: SignalingSettings): void {
    this.parts.ice.registered(token, server);
    for (const entry of this.parts.peers.values()) {
      this.parts.reconnector.restart(entry);
    }
    this.parts.handshakes.registered();
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
    return this.parts.consent.answer(peerId, accept);
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
