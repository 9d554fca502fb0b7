/**
 * What we send on each `DataConnection`: a rate budget per connection (`pacer.ts`)
 * and, on connections we answered, the gate that makes us speak second (`send-gate.ts`).
 * Both live and die with their connection.
 */
import type { DataConnection } from 'peerjs';
import type { PeerMessage } from '../protocol/peer';
import { Pacer } from './pacer';
import { SendGate } from './send-gate';

/** Sends on connections; one per session. */
export class Wire {
  private readonly pacers = new WeakMap<DataConnection, Pacer>();
  private readonly gates = new WeakMap<DataConnection, SendGate>();

  /** @param now ms since the Unix epoch. */
  constructor(
    private readonly now: () => number,
    private readonly log: Pick<Console, 'warn'>,
  ) {}

  /** A new connection: a full budget, and a shut gate when `initiator` is `them`. */
  add(conn: DataConnection, initiator: 'me' | 'them'): void {
    const onError = (error: unknown): void => this.log.warn('[secureconnect] send failed', error);
    this.pacers.set(conn, new Pacer(this.now, onError));
    if (initiator === 'them') this.gates.set(conn, new SendGate(onError));
  }

  /** The channel's `open` event: the gate's fallback timer starts. */
  opened(conn: DataConnection): void {
    this.gates.get(conn)?.channelOpened();
  }

  /** The dialler spoke, so its channel is open: ours may speak now. */
  heard(conn: DataConnection): void {
    this.gates.get(conn)?.open();
  }

  /** The connection is closing: what still waits is not sent (sent texts go again on the next one). */
  drop(conn: DataConnection): void {
    this.pacers.get(conn)?.stop();
    this.gates.get(conn)?.close();
  }

  /**
   * Sends `message` on `conn`. Texts and acks, which come by the hundred, keep within the
   * peer's rate limit (see `pacer.ts`): over it they go later, in order. The few control
   * messages (hello, ping, verification, share signals, bye) go at once, in the margin
   * `SEND_LIMIT` leaves below the peer's limit, so a long outbox delays no verification.
   * A refused send (too many waiting) is logged.
   */
  send(conn: DataConnection, message: PeerMessage): void {
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
}
