/**
 * Dials a lost peer again, on the steps of `reconnect.ts`, until it is back, its
 * window closes or our user ends it. The per-peer state lives on the `RemotePeer`
 * (`lostAt`, `reconnectAttempt`, `reconnectTimer`, `view.reconnecting`).
 */
import { reconnectDelayMs, shouldReconnect } from './reconnect';
import type { RemotePeer } from './remote-peer';

/** What the reconnector needs from the session. */
export interface ReconnectorHost {
  /** Current time in ms since the Unix epoch. */
  now(): number;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Our peer ID, or undefined before settings: of two peers, the smaller ID dials first. */
  ownId(): string | undefined;
  /** True while `entry` is still the session's record of its peer. */
  isCurrent(entry: RemotePeer): boolean;
  /** The PeerServer is reachable: dialling needs it. */
  online(): boolean;
  /** Dials `peerId` as our user's Connect would. */
  dial(peerId: string): Promise<{ ok: boolean }>;
  /** The window closed: the peer stays disconnected and is no longer dialled. */
  giveUp(entry: RemotePeer): void;
  /** A peer's view changed. */
  changed(): void;
}

/** Reconnection for one session's peers; see the file comment. */
export class Reconnector {
  constructor(private readonly host: ReconnectorHost) {}

  /** Dials `entry` again after its next backoff step; nothing if it is not lost or already waiting. */
  schedule(entry: RemotePeer): void {
    const ownId = this.host.ownId();
    if (entry.reconnectTimer !== undefined || entry.lostAt === undefined || ownId === undefined) return;
    const attempt = entry.reconnectAttempt ?? 0;
    const delay = reconnectDelayMs(attempt, ownId < entry.view.id);
    entry.view = { ...entry.view, reconnecting: { attempt, retryAt: this.host.now() + delay } };
    entry.reconnectTimer = setTimeout(() => {
      entry.reconnectTimer = undefined;
      if (!this.host.isCurrent(entry) || entry.lostAt === undefined || entry.view.state !== 'disconnected') return;
      entry.reconnectAttempt = attempt + 1;
      if (!shouldReconnect('peer-disconnected', entry.lostAt, this.host.now())) {
        this.stop(entry);
        this.host.giveUp(entry);
        return;
      }
      if (!this.host.online()) {
        // Dialling needs the PeerServer; the session calls `restart` once registered again.
        this.schedule(entry);
        this.host.changed();
        return;
      }
      this.host.log.info(`[secureconnect] reconnecting to ${entry.view.id} (attempt ${attempt + 1})`);
      void this.host.dial(entry.view.id).then((result) => {
        if (!result.ok && entry.lostAt !== undefined && entry.view.state === 'disconnected') {
          this.schedule(entry);
          this.host.changed();
        }
      });
    }, delay);
    this.host.changed();
  }

  /** A peer that waits for its next step is dialled at once, from the first step (the PeerServer is back). */
  restart(entry: RemotePeer): void {
    if (entry.reconnectTimer === undefined) return;
    clearTimeout(entry.reconnectTimer);
    entry.reconnectTimer = undefined;
    entry.reconnectAttempt = 0;
    this.schedule(entry);
  }

  /** Ends reconnection for `entry`: it is back, or it is not to be dialled again. */
  stop(entry: RemotePeer): void {
    if (entry.reconnectTimer !== undefined) clearTimeout(entry.reconnectTimer);
    entry.reconnectTimer = undefined;
    entry.lostAt = undefined;
    entry.reconnectAttempt = 0;
    if (entry.view.reconnecting) {
      entry.view = { ...entry.view };
      delete entry.view.reconnecting;
    }
  }
}
