/**
 * The heartbeat of one connection: `ping` every {@link HEARTBEAT_INTERVAL_MS} and,
 * once the peer has shown that it pings too, the connection taken as lost after
 * {@link HEARTBEAT_TIMEOUT_MS} of silence. A peer whose browser vanished often
 * gets no `close` from PeerJS for half a minute or more. Peers that never ping
 * (a stock PeerJS page) are not held to it. A task: started, and ended by its signal.
 */
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from '../protocol/peer';

/** What a heartbeat needs from its connection. */
export interface HeartbeatOptions {
  /** Sends one `ping`. */
  ping(): void;
  /** The peer went silent for longer than {@link HEARTBEAT_TIMEOUT_MS}; the heartbeat has stopped. */
  lost(): void;
  /** Current time in ms. */
  now(): number;
  /** Ends the heartbeat (the connection closed, or was replaced). */
  signal: AbortSignal;
}

/** One connection's heartbeat; tell it whenever the peer is heard. */
export class Heartbeat {
  private lastHeard: number;
  private pings = false;

  constructor(private readonly options: HeartbeatOptions) {
    this.lastHeard = options.now();
    if (options.signal.aborted) return;
    // Silence is checked twice per ping interval, so a loss shows within the timeout plus 1 s.
    let tick = 0;
    const timer = setInterval(() => {
      if (this.pings && options.now() - this.lastHeard > HEARTBEAT_TIMEOUT_MS) {
        clearInterval(timer);
        options.lost();
        return;
      }
      if (++tick % 2 === 0) options.ping();
    }, HEARTBEAT_INTERVAL_MS / 2);
    options.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    // One ping at once, so that the peer learns within a round trip that we ping.
    options.ping();
  }

  /** Anything came from the peer. */
  heard(): void {
    this.lastHeard = this.options.now();
  }

  /** The peer pings: from now on, its silence means it is gone. */
  peerPings(): void {
    this.pings = true;
  }
}
