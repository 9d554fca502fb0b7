/**
 * The remote peers by peer ID, and the moves that end an attempt: close its
 * connection, fail it, mark the peer disconnected (and maybe reconnecting), say `bye`.
 *
 * Each attempt (one `DataConnection`) has one `AbortController`, `RemotePeer.attempt`:
 * closing the connection aborts it, and with it the attempt's event handlers, its
 * verification and its heartbeat. Nothing of an old attempt acts on the peer after that.
 */
import type { DataConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import { bye, type PeerMessage } from '../protocol/peer';
import type { PeerView } from '../protocol/runtime';
import { channelCounters, channelState } from './channel-state';
import { framesReceived } from './data-guard';
import { shouldReconnect } from './reconnect';
import { canMove, viewStateOf, type Phase, type RemotePeer } from './remote-peer';

/** How long a connection stays open after our `bye`, so that it is delivered, in ms. */
export const BYE_GRACE_MS = 300;

/** A command's outcome. */
export type Result<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorCode };

/** What the table needs from the other parts. */
export interface PeerTableHost {
  now(): number;
  log: Pick<Console, 'info' | 'warn'>;
  send(conn: DataConnection, message: PeerMessage): void;
  /** The connection closes: its queued sends are dropped. */
  dropSends(conn: DataConnection): void;
  /** Our user's acceptance of this peer ends (bye, forget, flood). */
  endAcceptance(entry: RemotePeer): void;
  /** The signaling guard refuses `peerId`'s held offer. */
  refuseOffer(peerId: string): void;
  stopReconnecting(entry: RemotePeer): void;
  scheduleReconnect(entry: RemotePeer): void;
  /** The peer went; `resuming`: it is being dialled again. */
  peerGone(peerId: string, resuming: boolean): void;
  changed(): void;
}

/** The remote peers; own-property semantics through a `Map`. */
export class PeerTable {
  /** By peer ID. */
  readonly map = new Map<string, RemotePeer>();

  /** @param host what the table needs from the other parts. */
  constructor(private readonly host: PeerTableHost) {}

  /** The record of `peerId`, if listed. */
  get(peerId: string): RemotePeer | undefined {
    return this.map.get(peerId);
  }

  /** Every listed peer, in the order first seen. */
  values(): IterableIterator<RemotePeer> {
    return this.map.values();
  }

  /** True when `entry` is still the one listed for its peer ID. */
  isCurrent(entry: RemotePeer): boolean {
    return this.map.get(entry.view.id) === entry;
  }

  /** The entry for `peerId`, made (as `connecting`) when there is none. */
  ensure(peerId: string, initiator: 'me' | 'them'): RemotePeer {
    let entry = this.map.get(peerId);
    if (!entry) {
      entry = { view: { id: peerId, state: 'connecting', name: '', initiator, since: this.host.now() }, phase: 'opening', everConnected: false, waiters: [] };
      this.map.set(peerId, entry);
    }
    return entry;
  }

  /** Moves `entry` to `phase`, and its view's state with it; a move the rules do not have is logged. */
  setPhase(entry: RemotePeer, phase: Phase): void {
    if (!canMove(entry.phase, phase)) this.host.log.warn(`[secureconnect] ${entry.view.id}: unexpected phase change ${entry.phase} -> ${phase}`);
    entry.phase = phase;
    const state = viewStateOf(phase);
    if (entry.view.state !== state) entry.view = { ...entry.view, state };
  }

  /** Our user has to answer this peer before it connects. */
  isAsking(entry: RemotePeer): boolean {
    return !!entry.mustAsk && entry.phase !== 'connected' && entry.phase !== 'disconnected' && entry.phase !== 'awaiting-hello';
  }

  /** Answers every caller of `connect` waiting for this peer. */
  settle(entry: RemotePeer, result: Result): void {
    for (const resolve of entry.waiters.splice(0)) resolve(result);
  }

  /** Runs `then` after `ms` unless the attempt's timer is set again or cleared first. */
  armTimer(entry: RemotePeer, ms: number, then: () => void): void {
    this.clearTimer(entry);
    entry.connectTimer = setTimeout(then, ms);
  }

  /** Clears the attempt's timer (see {@link armTimer}). */
  clearTimer(entry: RemotePeer): void {
    if (entry.connectTimer !== undefined) clearTimeout(entry.connectTimer);
    entry.connectTimer = undefined;
  }

  /** Tells the peer that our user closes the connection on purpose, so it does not dial back. */
  sayBye(entry: RemotePeer): void {
    this.host.endAcceptance(entry);
    this.host.stopReconnecting(entry);
    const conn = entry.conn;
    if (!conn?.open) return;
    this.host.send(conn, bye());
    entry.byeOn = conn;
  }

  /** Ends the current attempt and closes its connection (after the `bye` grace, if we said `bye` on it). */
  closeConnection(entry: RemotePeer): void {
    this.clearTimer(entry);
    entry.attempt?.abort();
    entry.attempt = undefined;
    const conn = entry.conn;
    if (!conn) return;
    entry.conn = undefined;
    entry.closingByUs = conn;
    const { connection: _connection, ...view } = entry.view;
    entry.view = view;
    this.host.dropSends(conn);
    const close = (): void => {
      try {
        conn.close();
      } catch (error) {
        // Closing must never stop us from marking the peer gone.
        this.host.log.warn(`[secureconnect] closing the connection to ${entry.view.id} failed`, error);
      }
    };
    if (entry.byeOn !== conn) return close();
    // PeerJS closes the whole RTCPeerConnection at once, dropping what is still queued.
    entry.byeOn = undefined;
    setTimeout(close, BYE_GRACE_MS);
  }

  /** The attempt failed with `error`: closed, and a peer we never reached is not listed (the caller shows why). */
  fail(entry: RemotePeer, error: ErrorCode): void {
    const conn = entry.conn;
    const log = this.host.log;
    log.info(`[secureconnect] ${entry.view.id}: ${conn?.connectionId ?? 'attempt'} failed: ${error}${conn ? `; ${channelState(conn, framesReceived(conn))}` : ''}`);
    // Asked for before the close below; Chromium answers with the figures it had.
    if (conn) void channelCounters(conn).then((counters) => counters && log.info(`[secureconnect] ${entry.view.id}: ${conn.connectionId} ${counters}`));
    this.closeConnection(entry);
    this.markDisconnected(entry, error);
    if (!entry.everConnected && this.isCurrent(entry)) this.map.delete(entry.view.id);
  }

  /**
   * Marks the peer disconnected; call once its connection is gone.
   * @param lost the connection was lost rather than closed by a person: dial again
   *   (see `reconnector.ts`) while `shouldReconnect` allows.
   */
  markDisconnected(entry: RemotePeer, error: ErrorCode | undefined, lost = error !== undefined): void {
    const now = this.host.now();
    const wasConnected = entry.view.state === 'connected';
    const resuming = lost && !!entry.accepted && (wasConnected || entry.lostAt !== undefined) && shouldReconnect(error, entry.lostAt ?? now, now);
    if (resuming && entry.lostAt === undefined) {
      entry.lostAt = now;
      entry.view = { ...entry.view, lastDrop: { at: now } };
    } else if (!resuming) {
      this.host.stopReconnecting(entry);
    }
    this.clearTimer(entry);
    entry.attempt?.abort();
    entry.attempt = undefined;
    if (entry.phase === 'offer-held') this.host.refuseOffer(entry.view.id);
    entry.mustAsk = false;
    entry.held = false;
    entry.sas = undefined;
    entry.heartbeat = undefined;
    this.setPhase(entry, 'disconnected');
    const { connection: _connection, ...rest } = entry.view;
    const view: PeerView = { ...rest, since: now };
    if (error) view.error = error;
    else delete view.error;
    entry.view = view;
    this.settle(entry, { ok: false, error: error ?? 'peer-disconnected' });
    this.host.peerGone(entry.view.id, resuming);
    if (resuming) this.host.scheduleReconnect(entry);
    this.host.changed();
  }
}
