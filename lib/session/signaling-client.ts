/**
 * The signaling client: one PeerJS `Peer` registered with the PeerServer under our
 * peer ID, the gate on what the server relays (`signaling-guard.ts`), the watchdog
 * on registration, and the backoff of retries. It shows the server's status and
 * hands incoming connections and calls to the session; it owns no connection.
 *
 * Failover: the user may list other PeerServers (instances of one cluster). Each retry
 * after the server was unreachable goes to the next one in the list, round and round;
 * the same `Peer` moves there (`peer-socket.ts`), so open connections live on. An
 * `ID-TAKEN` answer does not move on: that server is reachable, and the ID is held.
 */
import type { DataConnection, MediaConnection, Peer, PeerError, PeerOptions } from 'peerjs';
import type { ErrorCode } from '../errors';
import type { SessionState } from '../protocol/runtime';
import { redactServerUrl, signalingUrl } from '../server-url';
import type { SessionSettings, SignalingSettings } from '../settings';
import { backoffDelay, type BackoffOptions } from './backoff';
import { retargetPeer } from './peer-socket';
import { guardSignaling, type SignalingGuard, type SignalingPolicy } from './signaling-guard';

/**
 * How long registering may take before we drop the socket and register again, in ms.
 * A PeerServer that still holds our ID from a socket it thinks alive (an unclean drop)
 * gives it back to the same token but never sends `OPEN` (peer 1.0.2, `_onInitialize`);
 * closing our socket makes it forget the ghost, and the next attempt registers afresh.
 */
export const REGISTER_TIMEOUT_MS = 4000;

/**
 * Longest wait, in ms, for the old `Peer`'s WebSocket to finish closing before a restart
 * registers again. A PeerServer that sees the new socket first still holds our ID for the
 * same token and never sends `OPEN` (see {@link REGISTER_TIMEOUT_MS}): 4 s lost per restart.
 */
const CLOSE_WAIT_MS = 1000;

/** PeerJS error types that mean the PeerServer is unreachable; retried with backoff. */
const SERVER_ERRORS = new Set(['network', 'socket-error', 'socket-closed', 'server-error']);

/** Errors after which retrying with the same settings cannot help. */
const FATAL_SERVER_ERRORS: Partial<Record<string, ErrorCode>> = {
  'invalid-id': 'invalid-id', 'invalid-key': 'invalid-key',
  'ssl-unavailable': 'ssl-unavailable',
  'browser-incompatible': 'webrtc',
};

/** The PeerServer's status as shown to the user. */
export type ServerStatus = SessionState['server'];

/** What the signaling client needs from the session. */
export interface SignalingHooks {
  /** Creates a PeerJS peer (`new Peer(id, options)`). */
  createPeer(id: string, options: PeerOptions): Peer;
  /** The ICE configuration for a new `Peer`. */
  iceConfig(): RTCConfiguration;
  /** Decides on offers and hears of refusals (see `signaling-guard.ts`). */
  policy: SignalingPolicy;
  /** The status changed (read it from {@link SignalingClient.server}). */
  changed(): void;
  /** Registered with the PeerServer `server` (one of the settings' list), with the token we registered with. */
  registered(token: string, server: SignalingSettings): void;
  connection(conn: DataConnection): void;
  call(call: MediaConnection): void;
  /** The PeerServer says the peer we dialled is not there; `named` when PeerJS names it. */
  peerUnavailable(named: string | undefined): void;
  /** The `Peer` is about to be destroyed: close what lives on it. */
  tearingDown(): void;
  /** The socket to the PeerServer went: what was on its way through it is lost. */
  socketLost(): void;
  now(): number;
  backoff: BackoffOptions;
  log: Pick<Console, 'info' | 'warn'>;
}

/** Owns the `Peer`: start it with {@link SignalingClient.start}, replace it with another `start`. */
export class SignalingClient {
  /** The current `Peer`, if any. */
  peer?: Peer;
  /** The gate on the current `Peer`'s signaling; absent for peers without PeerJS internals (tests). */
  guard?: SignalingGuard;
  server: ServerStatus = { status: 'starting', url: '' };
  /**
   * The PeerServer token we register with, the same for every `Peer` of this session:
   * after an unclean drop the server still holds our ID for up to its alive timeout,
   * and gives it back only to the same token (PeerServer answers `ID-TAKEN` otherwise).
   */
  readonly token = randomToken();
  private settings?: SessionSettings;
  /** The settings' PeerServer followed by its fallbacks; never empty once started. */
  private servers: SignalingSettings[] = [];
  /** Index in {@link servers} of the one we use or try next. */
  private serverIndex = 0;
  /** The server the current `Peer`'s socket was made for. */
  private peerServer?: SignalingSettings;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private registerTimer?: ReturnType<typeof setTimeout>;
  private retryAttempt = 0;
  /** The torn-down `Peer`'s WebSocket while it closes, and which {@link start} waits for it. */
  private closingSocket?: WebSocket;
  private startGeneration = 0;

  constructor(private readonly hooks: SignalingHooks) {}

  /** Registers afresh with `settings`, at its first PeerServer; the old `Peer` must be torn down first. */
  start(settings: SessionSettings): void {
    this.settings = settings;
    this.servers = [settings.signaling, ...(settings.fallbackServers ?? [])];
    this.serverIndex = 0;
    this.server = { status: 'connecting', url: this.shownUrl() };
    this.retryAttempt = 0;
    const closing = this.closingSocket;
    this.closingSocket = undefined;
    if (!closing || closing.readyState === WebSocket.CLOSED) return this.startPeer();
    const generation = ++this.startGeneration;
    const go = (): void => {
      if (generation === this.startGeneration && !this.peer) this.startPeer();
    };
    closing.addEventListener('close', go, { once: true });
    setTimeout(go, CLOSE_WAIT_MS);
  }

  /** The PeerServer in use (or tried next); the settings' own before {@link start}. */
  current(): SignalingSettings | undefined {
    return this.servers[this.serverIndex] ?? this.settings?.signaling;
  }

  /** The current server's address as shown and logged: without the access token that may be in its path. */
  private shownUrl(): string {
    const server = this.current();
    return server ? redactServerUrl(signalingUrl(server)) : '';
  }

  /** Retries now instead of at the next backoff step; false when not started. */
  retryNow(): boolean {
    if (!this.settings) return false;
    if (this.server.status === 'online' || this.server.status === 'connecting') return true;
    this.clearRetry();
    this.retryAttempt = 0;
    this.reconnect();
    return true;
  }

  /** Stops retrying and destroys the `Peer` (after {@link SignalingHooks.tearingDown}). */
  teardown(): void {
    this.clearRegisterTimer();
    const peer = this.peer;
    // Told while the guard and the socket still work: the session withdraws unopened attempts through them.
    if (peer) this.hooks.tearingDown();
    this.peer = undefined;
    this.guard = undefined;
    this.startGeneration++;
    if (!peer) return;
    // PeerJS 1.5 keeps the WebSocket at `peer.socket._socket`; destroy() closes it.
    const raw = (peer as unknown as { socket?: { _socket?: unknown } }).socket?._socket;
    if (typeof WebSocket !== 'undefined' && raw instanceof WebSocket && raw.readyState !== WebSocket.CLOSED) this.closingSocket = raw;
    peer.removeAllListeners();
    peer.destroy();
  }

  /** {@link teardown} and no more retries. */
  stop(): void {
    this.clearRetry();
    this.teardown();
  }

  private startPeer(): void {
    const settings = this.settings!;
    const target = this.current()!;
    const { host, port, path, secure, key } = target;
    this.peerServer = target;
    const peer = this.hooks.createPeer(settings.peerId, { host, port, path, secure, key, token: this.token, config: this.hooks.iceConfig(), debug: 0 });
    this.peer = peer;
    this.guard = typeof (peer as unknown as { _handleMessage?: unknown })._handleMessage === 'function' ? guardSignaling(peer, this.hooks.policy) : undefined;
    this.setServer({ status: 'connecting', url: this.server.url });
    this.watchRegistration(peer);
    const current = (): boolean => this.peer === peer;
    peer.on('open', () => {
      if (!current()) return;
      this.clearRegisterTimer();
      this.retryAttempt = 0;
      this.clearRetry();
      this.setServer({ status: 'online', url: this.server.url });
      this.hooks.log.info(`[secureconnect] registered as ${settings.peerId} at ${this.server.url}`);
      this.hooks.registered(this.token, this.peerServer ?? target);
    });
    peer.on('connection', (conn) => current() && this.hooks.connection(conn));
    peer.on('call', (call) => current() && this.hooks.call(call));
    // `disconnected`: the socket went (the Peer lives on); `close`: PeerJS destroyed it (e.g. ID taken at first).
    for (const event of ['disconnected', 'close'] as const) {
      peer.on(event, () => {
        if (!current()) return;
        if (this.server.status === 'online' || this.server.status === 'connecting') {
          this.setServer({ status: 'offline', error: 'server-unreachable', url: this.server.url });
        }
        this.hooks.socketLost();
        this.scheduleRetry(true);
      });
    }
    peer.on('error', (error) => current() && this.onPeerError(error));
  }

  private onPeerError(error: PeerError<string>): void {
    const type = error.type;
    if (type === 'peer-unavailable') {
      // PeerJS names the peer only in the text: "Could not connect to peer <id>".
      this.hooks.peerUnavailable(/peer (\S+)$/.exec(error.message)?.[1]);
      return;
    }
    if (type === 'unavailable-id') {
      this.setServer({ status: 'id-taken', error: 'id-taken', url: this.server.url });
      this.scheduleRetry(false);
      return;
    }
    // PeerJS turns every server ERROR into `server-error`; ours names a refused ID (server/ws-guard.ts).
    const fatal = type === 'server-error' && error.message === 'Invalid id provided' ? 'invalid-id' : FATAL_SERVER_ERRORS[type];
    if (fatal) {
      this.clearRetry();
      this.setServer({ status: 'offline', error: fatal, url: this.server.url });
      return;
    }
    if (SERVER_ERRORS.has(type)) {
      if (this.server.status !== 'offline') this.setServer({ status: 'offline', error: 'server-unreachable', url: this.server.url });
      this.scheduleRetry(true);
      return;
    }
    this.hooks.log.warn(`[secureconnect] peer error ${type}: ${error.message}`);
  }

  /** Retries after the next backoff step; at the next server of the list when `moveOn` (this one was unreachable). */
  private scheduleRetry(moveOn: boolean): void {
    if (this.retryTimer !== undefined || !this.settings) return;
    const delay = backoffDelay(this.retryAttempt++, this.hooks.backoff);
    if (moveOn && this.servers.length > 1) {
      this.serverIndex = (this.serverIndex + 1) % this.servers.length;
      this.hooks.log.info(`[secureconnect] next PeerServer to try: ${this.shownUrl()}`);
    }
    this.setServer({ ...this.server, url: this.shownUrl(), retryAt: this.hooks.now() + delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reconnect();
    }, delay);
  }

  private reconnect(): void {
    const peer = this.peer;
    const status = this.server.status === 'id-taken' ? 'id-taken' : 'connecting';
    const target = this.current()!;
    if (peer && !peer.destroyed && peer.disconnected && target !== this.peerServer) {
      if (retargetPeer(peer, target)) this.peerServer = target;
      else {
        // A Peer we cannot move (not PeerJS 1.5): a new one, at the cost of its connections.
        this.teardown();
        this.startPeer();
        return;
      }
    }
    if (peer && !peer.destroyed && peer.disconnected) {
      this.setServer({ status, ...(status === 'id-taken' ? { error: 'id-taken' } : {}), url: this.server.url });
      // Keeps open DataConnections: they do not need the server.
      peer.reconnect();
      this.watchRegistration(peer);
      return;
    }
    if (!peer || peer.destroyed) {
      this.teardown();
      this.startPeer();
    }
  }

  /** Drops the socket of a registration that got no answer in time (see {@link REGISTER_TIMEOUT_MS}). */
  private watchRegistration(peer: Peer): void {
    this.clearRegisterTimer();
    this.registerTimer = setTimeout(() => {
      this.registerTimer = undefined;
      if (this.peer !== peer || peer.open || peer.destroyed || peer.disconnected) return;
      this.hooks.log.warn('[secureconnect] the PeerServer did not confirm our registration; registering again');
      // `disconnect()` keeps the DataConnections and fires `disconnected`, which schedules the retry.
      peer.disconnect();
    }, REGISTER_TIMEOUT_MS);
  }

  private clearRegisterTimer(): void {
    if (this.registerTimer !== undefined) clearTimeout(this.registerTimer);
    this.registerTimer = undefined;
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private setServer(server: ServerStatus): void {
    this.server = server;
    this.hooks.changed();
  }
}

/** A PeerServer client token: 16 random bytes as hex. */
function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
