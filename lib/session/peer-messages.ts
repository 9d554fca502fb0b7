/**
 * What comes in on a peer's `DataConnection`: counted against the peer's rate limit
 * before decoding, validated (`decodePeerMessage`), kept while nothing is decided about
 * the peer (`keepsMessages`: bounded, in order), then handled by type. The protocol is
 * docs/protocol.md; the limits are its "Limits" section.
 */
import type { DataConnection } from 'peerjs';
import { cleanDisplayName } from '../display-name';
import { ack, decodePeerMessage, type PeerMessage } from '../protocol/peer';
import type { MessageHistory } from './history';
import { PEER_MESSAGE_LIMIT, TokenBucket } from './rate-limit';
import { keepsMessages, type RemotePeer } from './remote-peer';
import type { ShareManager } from './shares';

/** Most messages kept from a peer while its connection waits for consent. */
export const CONSENT_BUFFER_LIMIT = 64;

/** Room kept beyond {@link CONSENT_BUFFER_LIMIT} for the messages that set a connection up (hello, verification, bye). */
export const SETUP_BUFFER_EXTRA = 16;
const SETUP_TYPES: ReadonlySet<string> = new Set(['hello', 'bye', 'sas-commit', 'sas-reveal']);

/** Most bytes (UTF-16 code units of text, roughly) kept from a peer while its connection waits for consent. */
export const CONSENT_BUFFER_BYTES = 1_048_576;

/** What the router needs from the session. */
export interface MessageRouterHost {
  /** Current time in ms. */
  now(): number;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
  history: Pick<MessageHistory, 'has' | 'add' | 'delivered'>;
  shares: Pick<ShareManager, 'onSignal'>;
  /** Sends `message` on `conn` (paced and gated as the session does). */
  send(conn: DataConnection, message: PeerMessage): void;
  /** Their user said yes: a `hello`, or any message but `bye`, while we waited for it. */
  establish(entry: RemotePeer, conn: DataConnection): void;
  /** Their user closed the connection (`bye`): no dialling back, and next time they are asked again. */
  ended(entry: RemotePeer): void;
  /** The peer's view changed. */
  changed(): void;
}

/** Routes one session's incoming peer messages; see the file comment. */
export class MessageRouter {
  constructor(private readonly host: MessageRouterHost) {}

  /** Hands what the peer sent while we checked or asked to the message handler, in order. */
  replay(entry: RemotePeer, conn: DataConnection): void {
    const buffered = entry.buffered?.splice(0) ?? [];
    entry.bufferedSize = 0;
    for (const message of buffered) if (entry.conn === conn) this.handle(entry, conn, message);
  }

  /** Takes one frame's decoded data from `conn`, the current connection of `entry`. */
  receive(entry: RemotePeer, conn: DataConnection, data: unknown): void {
    entry.bucket ??= new TokenBucket(PEER_MESSAGE_LIMIT, this.host.now());
    if (!entry.bucket.take(this.host.now())) {
      // Dropped before decoding: a flooding peer costs us as little as possible. Logged once per 100.
      entry.dropped = (entry.dropped ?? 0) + 1;
      if (entry.dropped % 100 === 1) this.host.log.warn(`[secureconnect] ${entry.view.id} is over the message rate limit; dropping`);
      return;
    }
    entry.heartbeat?.heard();
    const decoded = decodePeerMessage(data);
    if (!decoded.ok) {
      this.host.log.warn(`[secureconnect] dropped a message from ${entry.view.id}: ${decoded.reason}`);
      return;
    }
    if (keepsMessages(entry.phase)) {
      // Only valid messages are kept, so their size is what the schema bounds (texts of at most 64 KiB).
      const size = 64 + (decoded.message.type === 'text' ? decoded.message.text.length : 0);
      const buffered = (entry.buffered ??= []);
      // Setup messages are few per connection and must not be crowded out by texts (a redial flushes its outbox first).
      const setup = SETUP_TYPES.has(decoded.message.type);
      const limit = CONSENT_BUFFER_LIMIT + (setup ? SETUP_BUFFER_EXTRA : 0);
      if (buffered.length < limit && (entry.bufferedSize ?? 0) + size <= CONSENT_BUFFER_BYTES) {
        buffered.push(decoded.message);
        entry.bufferedSize = (entry.bufferedSize ?? 0) + size;
      }
      return;
    }
    this.handle(entry, conn, decoded.message);
  }

  private handle(entry: RemotePeer, conn: DataConnection, message: PeerMessage): void {
    // Only a peer whose user accepted sends anything: a lost `hello` must not leave us waiting (see `send-gate.ts`).
    if (entry.phase === 'awaiting-hello' && message.type !== 'hello' && message.type !== 'bye') this.host.establish(entry, conn);
    if (message.type === 'ping') {
      entry.heartbeat?.peerPings();
      return;
    }
    // A held connection only finishes its verification exchange; nothing reaches the user.
    if (entry.held && message.type !== 'sas-commit' && message.type !== 'sas-reveal' && message.type !== 'hello') {
      this.host.log.warn(`[secureconnect] dropped ${message.type} from ${entry.view.id}: identity changed, waiting for the user`);
      return;
    }
    switch (message.type) {
      case 'bye':
        this.host.ended(entry);
        return;
      case 'hello':
        entry.app = message.app;
        // Shown as a secondary label only, without bidi or control characters (it is the peer's choice).
        entry.view = { ...entry.view, name: cleanDisplayName(message.name) };
        // Their user accepted (or their side does not ask): now we are connected.
        if (entry.phase === 'awaiting-hello') this.host.establish(entry, conn);
        this.host.changed();
        return;
      case 'text': {
        const historyId = `${entry.view.id}:${message.id}`;
        // A repeated text (the sender retried) is acknowledged again, not shown twice.
        if (!this.host.history.has(historyId)) {
          this.host.history.add({ id: historyId, peerId: entry.view.id, direction: 'in', text: message.text, status: 'received' });
        }
        this.host.send(conn, ack(message.id));
        return;
      }
      case 'sas-commit':
        entry.sas?.onCommit(message.hash);
        return;
      case 'sas-reveal':
        entry.sas?.onReveal(message.nonce);
        return;
      case 'share-accept':
      case 'share-decline':
      case 'share-end':
        this.host.shares.onSignal(entry.view.id, message);
        return;
      case 'ack': {
        this.host.history.delivered(entry.view.id, message.id);
        return;
      }
    }
  }
}
