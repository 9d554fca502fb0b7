/**
 * The PeerServer's WebSocket side, hardened. `peer` (1.0.2) lets us build its
 * WebSocketServer (`createWebSocketServer`); ours refuses bad peer IDs before
 * `peer` sees the socket, caps frames (`maxPayload`), rate-limits every socket
 * and drops any message that is not a well-formed PeerJS client message, so
 * `peer` only ever parses JSON objects it can handle. Every socket gets an
 * `error` listener first: ws reports bad frames as `error` events.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type RawData, type ServerOptions } from 'ws';
import { isPeerId } from '../lib/ids';
import { byteLength, checkClientMessage, type ClientMessage, type RelayedMessage } from './client-message';
import { logError, logText } from './log-text';

export { clientMessageProblem } from './client-message';

/** Limits per WebSocket. */
export interface WsLimits {
  /** Largest frame or message, in bytes; larger ones close the socket (1009). */
  maxPayloadBytes: number;
  /** Messages a socket may send at once, then {@link messagesPerSecond}. */
  burstMessages: number;
  messagesPerSecond: number;
  /** Bytes a socket may send at once (at least one largest message), then {@link bytesPerSecond}. */
  burstBytes: number;
  bytesPerSecond: number;
}

/** The limits in force unless a test asks for others. */
export const DEFAULT_WS_LIMITS: WsLimits = {
  // The largest legitimate message is an OFFER. PeerJS trickles ICE, so its SDP holds no
  // candidates: 2–4 KB for a data channel, under 10 KB with audio and video. 64 KiB is
  // six times that, and caps what one frame makes us buffer and parse (ws allows 100 MiB).
  maxPayloadBytes: 64 * 1024,
  // Redialling 20 peers at once is about 20 offers and 600 candidates; heartbeats come every 5 s.
  burstMessages: 500,
  messagesPerSecond: 50,
  burstBytes: 1024 * 1024,
  bytesPerSecond: 128 * 1024,
};

/** What `peer` answers for a bad key or token; the PeerJS client shows it as `server-error`. */
export const INVALID_ID_MESSAGE = 'Invalid id provided';
export const INVALID_TOKEN_MESSAGE = 'Invalid token provided';

/** PeerServer tokens we accept: the extension sends 32 hex digits, stock PeerJS base-36 digits. */
export const CLIENT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** A token bucket over any unit (messages, bytes). */
class Bucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `amount` tokens; false (and takes none) when there are not enough. */
  take(amount: number): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }
}

/** Per-socket limits and log throttling for one registered client. */
class SocketGuard {
  private readonly messages: Bucket;
  private readonly bytes: Bucket;
  private overLimit = 0;
  private lastLogAt = 0;
  private unlogged = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly id: string,
    private readonly limits: WsLimits,
    private readonly log: (line: string) => void,
  ) {
    this.messages = new Bucket(limits.burstMessages, limits.messagesPerSecond);
    this.bytes = new Bucket(limits.burstBytes, limits.bytesPerSecond);
  }

  /** The message when it may go on, else `undefined` (dropped, and logged). */
  admit(data: RawData, isBinary: boolean): ClientMessage | undefined {
    if (!this.messages.take(1) || !this.bytes.take(byteLength(data))) {
      this.drop('over the rate limit');
      // A whole burst dropped in a row: still flooding, so close, with a reason the client sees.
      if (++this.overLimit >= this.limits.burstMessages && this.socket.readyState === WebSocket.OPEN) {
        this.log(`closing ${this.id}: over the rate limit`);
        this.socket.close(1008, 'rate limit');
      }
      return undefined;
    }
    // Only drops in a row count: a client that was over the limit once in a while is not flooding.
    this.overLimit = 0;
    const checked = checkClientMessage(data, isBinary);
    if ('message' in checked) return checked.message;
    this.drop(checked.problem);
    return undefined;
  }

  /** Logs at most one line per second per socket, counting the lines left out. */
  private drop(reason: string): void {
    const now = Date.now();
    if (now - this.lastLogAt < 1000) {
      this.unlogged++;
      return;
    }
    const more = this.unlogged > 0 ? ` (and ${this.unlogged} more dropped)` : '';
    this.log(`dropped a message from ${this.id}: ${reason}${more}`);
    this.lastLogAt = now;
    this.unlogged = 0;
  }
}

/**
 * How a cluster (server/cluster) joins in, between the guard and `peer`.
 * Without hooks the server is the plain, single-process PeerServer.
 */
export interface WsHooks {
  /** Called with the socket paused, before `peer` sees a registration; 'taken' answers ID-TAKEN. Must not reject. */
  register(id: string, token: string): Promise<'ok' | 'taken'>;
  /** After `peer` took, or refused, a socket that {@link register} let through (or it closed meanwhile). */
  registered(id: string, token: string): void;
  /**
   * A checked message from `src` that `peer` would relay; true when the hook took it,
   * false to leave it to `peer`. `toPeer` hands it to `peer` later after all.
   */
  relay(src: string, message: RelayedMessage, toPeer: () => void): boolean;
}

/** What `peer` answers for an ID held with another token. */
export const ID_TAKEN_MESSAGE = JSON.stringify({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });

/** A server-side socket whose messages pass its guard before any listener sees them. */
class GuardedWebSocket extends WebSocket {
  /** Set when the socket is admitted; until then (and for refused sockets) every message is dropped. */
  guard: SocketGuard | undefined;
  /** The cluster's relay for this socket's client, when there is a cluster. */
  relay: ((message: RelayedMessage, toPeer: () => void) => boolean) | undefined;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'message') return super.emit(event, ...args);
    const message = this.guard?.admit(args[0] as RawData, args[1] === true);
    if (message === undefined) return false;
    if (message.type !== 'HEARTBEAT' && this.relay?.(message, () => super.emit(event, ...args))) return true;
    return super.emit(event, ...args);
  }
}

/** A WebSocketServer that shows `peer` only the sockets `admit` lets through, when it does. */
class GuardedWebSocketServer extends WebSocketServer {
  constructor(
    options: ServerOptions,
    private readonly admit: (socket: GuardedWebSocket, req: IncomingMessage, toPeer: () => boolean) => boolean,
  ) {
    super(options);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'connection') return super.emit(event, ...args);
    return this.admit(args[0] as GuardedWebSocket, args[1] as IncomingMessage, () => super.emit(event, ...args));
  }
}

/** Builds the guarded WebSocketServer for `peer` and logs what it refuses. */
export class WsGuard {
  /** Errors already logged where they happened, so that `peer`'s re-emitted copy is not logged twice. */
  private readonly logged = new WeakSet<object>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly limits: WsLimits = DEFAULT_WS_LIMITS,
    private readonly hooks?: WsHooks,
  ) {}

  /** For `ExpressPeerServer`'s `createWebSocketServer` option. */
  readonly createWebSocketServer = (options: ServerOptions): WebSocketServer => {
    const server = new GuardedWebSocketServer(
      { ...options, maxPayload: this.limits.maxPayloadBytes, WebSocket: GuardedWebSocket },
      (socket, req, toPeer) => this.admit(socket, req, toPeer),
    );
    server.on('error', (error) => this.logOnce(error, 'WebSocket server error'));
    return server;
  };

  /** For the PeerServer's `error` event: logs what no socket listener logged already. */
  onPeerServerError(error: unknown): void {
    if (typeof error === 'object' && error !== null && this.logged.has(error)) return;
    this.log(`PeerServer error: ${logError(error)}`);
  }

  private logOnce(error: unknown, where: string): void {
    if (typeof error === 'object' && error !== null) {
      if (this.logged.has(error)) return;
      this.logged.add(error);
    }
    this.log(`${where}: ${logError(error)}`);
  }

  /** Checks the registration query as `peer` will read it (last value wins), so both agree on the ID. */
  private admit(socket: GuardedWebSocket, req: IncomingMessage, toPeer: () => boolean): boolean {
    let id: string | undefined;
    socket.on('error', (error) => this.logOnce(error, `socket error (${id ?? 'unregistered'})`));
    const query = new URL(req.url ?? '', 'http://peerjs').searchParams;
    const ids = query.getAll('id');
    const tokens = query.getAll('token');
    // Missing parameters: `peer` itself answers with an ERROR and closes.
    if (ids.length === 0 || tokens.length === 0 || !query.has('key')) return toPeer();
    const claimed = ids.at(-1)!;
    if (ids.length > 1 || !isPeerId(claimed)) return this.refuse(socket, INVALID_ID_MESSAGE, `invalid id "${logText(ids.join(','))}"`);
    if (tokens.length > 1 || !CLIENT_TOKEN_PATTERN.test(tokens[0]!)) return this.refuse(socket, INVALID_TOKEN_MESSAGE, `invalid token for ${claimed}`);
    id = claimed;
    socket.guard = new SocketGuard(socket, claimed, this.limits, this.log);
    const hooks = this.hooks;
    if (!hooks) return toPeer();
    const token = tokens[0]!;
    socket.relay = (message, later) => hooks.relay(claimed, message, later);
    // Nothing is read while the cluster decides, so nothing reaches `peer` before the socket does.
    socket.pause();
    void hooks
      .register(claimed, token)
      .catch((error: unknown) => {
        this.log(`registration hook failed for ${claimed}: ${logError(error)}; registered on this instance only`);
        return 'ok' as const;
      })
      .then((verdict) => {
        try {
          if (verdict === 'taken') {
            if (socket.readyState === WebSocket.OPEN) socket.send(ID_TAKEN_MESSAGE);
            socket.close();
            return;
          }
          if (socket.readyState === WebSocket.OPEN) toPeer();
          hooks.registered(claimed, token);
        } catch (error) {
          this.logOnce(error, `registration of ${claimed}`);
        } finally {
          // Also before a close: a paused socket never reads the client's closing frame.
          socket.resume();
        }
      });
    return true;
  }

  /** Answers as `peer` does for a bad key (ERROR, then close) and logs why. */
  private refuse(socket: GuardedWebSocket, msg: string, reason: string): false {
    this.log(`refused a registration: ${reason}`);
    socket.send(JSON.stringify({ type: 'ERROR', payload: { msg } }));
    socket.close();
    return false;
  }
}
