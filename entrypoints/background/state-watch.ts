/**
 * What the background does when the peer host's state changes: badge, context
 * menus, notifications that are no longer needed, and the trusted peers' last
 * contact. The last state is a cache of labels; a worker that Chrome restarted has
 * none, and then everything counts as changed once.
 */
import { peerLabelIn } from '@/components/peer-label';
import type { SessionState } from '@/lib/protocol/runtime';

/** What a state change acts on; each is one browser feature's module. */
export interface StateEffects {
  badge(state: SessionState): Promise<void>;
  menus(state: SessionState): Promise<void>;
  /** A share offer that is no longer waiting for our user. */
  shareOfferGone(shareId: string): void;
  /** A connection request that is no longer waiting for our user. */
  requestGone(peerId: string): void;
  /** The peers connected now (their last contact is recorded). */
  connected(peers: SessionState['peers']): Promise<void>;
}

/** Follows the host's state events. */
export class StateWatch {
  private last: SessionState | undefined;

  constructor(private readonly effects: StateEffects) {}

  /** The latest state seen by this worker, if any. */
  get current(): SessionState | undefined {
    return this.last;
  }

  /** The name shown for `peerId`: its display name if known here, else its ID. */
  label(peerId: string): string {
    return peerLabelIn(this.last?.peers, peerId);
  }

  /** Acts on what changed since the previous state (about once a second during a share). */
  apply(state: SessionState): void {
    const previous = this.last;
    this.last = state;
    void this.effects.badge(state);
    void this.effects.menus(state);
    const wasAsking = (id: string): boolean => !previous || previous.shares.some((s) => s.id === id && s.state === 'incoming');
    for (const share of state.shares) if (share.state !== 'incoming' && wasAsking(share.id)) this.effects.shareOfferGone(share.id);
    const wasRequesting = (id: string): boolean => !previous || previous.peers.some((p) => p.id === id && p.waiting === 'our-answer');
    for (const peer of state.peers) if (peer.waiting !== 'our-answer' && wasRequesting(peer.id)) this.effects.requestGone(peer.id);
    const connectedKey = (s: SessionState | undefined): string =>
      JSON.stringify(s?.peers.filter((p) => p.state === 'connected').map((p) => [p.id, p.name]) ?? null);
    if (connectedKey(previous) !== connectedKey(state)) void this.effects.connected(state.peers.filter((peer) => peer.state === 'connected'));
  }
}
