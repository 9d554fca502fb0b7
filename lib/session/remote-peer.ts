/**
 * One remote peer's place in the connection rules: a phase, and the transitions
 * allowed between phases. `docs/architecture.md` ("Connection state machine")
 * draws them; a unit test holds the two to each other.
 */
import type { PeerView } from '../protocol/runtime';

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
