/**
 * One remote peer's place in the connection rules: a phase, and the transitions
 * allowed between phases. `docs/architecture.md` ("Connection state machine")
 * draws them; a unit test holds the two to each other.
 */
import type { DataConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import type { PeerMessage } from '../protocol/peer';
import type { PeerView } from '../protocol/runtime';
import type { Heartbeat } from './heartbeat';
import type { LinkSample } from './link-stats';
import type { TokenBucket } from './rate-limit';
import type { Verification } from './verification';

/**
 * Where a remote peer stands. Every phase but `connected` and `disconnected` shows
 * as `connecting` (see {@link viewStateOf}).
 * - `offer-held`: their offer waits, unanswered, for our user's answer; no connection exists yet.
 * - `opening`: a `DataConnection` exists (ours or theirs) and has not opened.
 * - `checking`: open; the identity the browser verified is being read. Nothing is sent yet.
 * - `asking`: open; our user has not answered yet (a stranger, or a changed identity).
 * - `awaiting-hello`: ours, open; their user has not accepted yet (no `hello` from them).
 * - `connected`: both sides said yes; texts and shares flow.
 * - `disconnected`: no connection; the peer may be reconnecting.
 */
export type Phase = 'offer-held' | 'opening' | 'checking' | 'asking' | 'awaiting-hello' | 'connected' | 'disconnected';

/** Every phase, in the order the rules go through them. */
export const PHASES: readonly Phase[] = ['offer-held', 'opening', 'checking', 'asking', 'awaiting-hello', 'connected', 'disconnected'];

/**
 * The phases each phase may move to. A connection replaced by a new one (the peer
 * dialled again, glare) goes back to `opening` from wherever it was; anything may end
 * in `disconnected`.
 */
export const PHASE_TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  'offer-held': ['opening', 'offer-held', 'disconnected'],
  opening: ['opening', 'checking', 'offer-held', 'disconnected'],
  checking: ['opening', 'asking', 'awaiting-hello', 'connected', 'offer-held', 'disconnected'],
  asking: ['opening', 'awaiting-hello', 'connected', 'offer-held', 'disconnected'],
  'awaiting-hello': ['opening', 'connected', 'offer-held', 'disconnected'],
  connected: ['opening', 'offer-held', 'disconnected'],
  disconnected: ['opening', 'offer-held', 'disconnected'],
};

/** What the pages show for `phase`. */
export function viewStateOf(phase: Phase): PeerView['state'] {
  return phase === 'connected' || phase === 'disconnected' ? phase : 'connecting';
}

/** True when `from` may move to `to` (see {@link PHASE_TRANSITIONS}). */
export function canMove(from: Phase, to: Phase): boolean {
  return PHASE_TRANSITIONS[from].includes(to);
}

/** Phases in which what the peer sends is kept, not handled: nothing is decided about it yet. */
export function keepsMessages(phase: Phase): boolean {
  return phase === 'opening' || phase === 'checking' || phase === 'asking';
}

/**
 * What the session keeps for one remote peer: its view, its phase, its current
 * `DataConnection`, and the timers and tasks of that connection.
 */
export interface RemotePeer {
  view: PeerView;
  /** Where the peer stands in the connection rules (see `remote-peer.ts`); set only by `setPhase`. */
  phase: Phase;
  conn?: DataConnection;
  /**
   * The current attempt (one `DataConnection`): aborted when that connection closes or is
   * replaced, which ends its event handlers, verification and heartbeat (see `peer-table.ts`).
   */
  attempt?: AbortController;
  /** Set when we closed the connection ourselves, so its `close` is not reported as the peer leaving. */
  closingByUs?: DataConnection;
  connectTimer?: ReturnType<typeof setTimeout>;
  /** False until the first `open`: a failed first attempt is not kept in the list. */
  everConnected: boolean;
  /** The verification-code exchange of the current connection. */
  sas?: Verification;
  /** Messages this peer may still send (see `PEER_MESSAGE_LIMIT`). */
  bucket?: TokenBucket;
  /** Messages dropped for going over the limit since the last warning. */
  dropped?: number;
  /** The peer's identity differs from the pinned one: nothing is delivered either way until the user decides. */
  held?: boolean;
  /** Our user must say yes before this attempt connects (a stranger, or a changed identity). */
  mustAsk?: boolean;
  /** What the peer sent while nothing was decided about it (see `keepsMessages`), in order. */
  buffered?: PeerMessage[];
  /** Rough size of `buffered`, in UTF-16 code units. */
  bufferedSize?: number;
  /** The fingerprint the browser verified on the current connection (see `identity.ts`). */
  seen?: string;
  /** The program the peer says it runs (`hello.app`, or the connection's metadata). */
  app?: string;
  /** The heartbeat of the established connection, ended with its attempt. */
  heartbeat?: Heartbeat;
  /** Our user accepted this peer in this session (or it is trusted): a reconnection need not ask again. */
  accepted?: boolean;
  /** The peer's fingerprint on the last connection that worked: a reconnection must present the same. */
  knownFingerprint?: string;
  /** When the working connection was lost, in ms since the Unix epoch; unset when not reconnecting. */
  lostAt?: number;
  reconnectAttempt?: number;
  reconnectTimer?: ReturnType<typeof setTimeout>;
  /** Byte totals at the previous connection-panel reading. */
  lastSample?: LinkSample;
  /** The connection we just said `bye` on: closed a moment later, so the `bye` leaves first. */
  byeOn?: DataConnection;
  /** STUN error codes (`icecandidateerror`) from TURN servers while this connection gathered candidates. */
  turnErrors?: Set<number>;
  /** Callers of `connect` waiting for this attempt's outcome. */
  waiters: Array<(result: { ok: true } | { ok: false; error: ErrorCode }) => void>;
}
