/**
 * Tab, tab-audio and microphone shares over PeerJS `MediaConnection`s: a facade over
 * our shares (`share-outgoing.ts`), shares offered to us (`share-incoming.ts`) and the
 * registry of both (`share-registry.ts`).
 *
 * The sender captures, calls the peer with share metadata and waits for
 * `share-accept` / `share-decline` on the data connection. The receiver holds
 * the call unanswered until its user decides; a declined call is closed and the
 * sender told. Received streams are kept in {@link ShareManager.streams} for the
 * viewer page (see docs/architecture.md, "How media reaches the viewer").
 */
import type { MediaConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import type { ShareSignal } from '../protocol/peer';
import type { ShareStats, ShareView } from '../protocol/runtime';
import type { MediaAccess } from './media';
import { IncomingShares } from './share-incoming';
import { OutgoingShares } from './share-outgoing';
import { ENDED_SHARE_TTL_MS, OVER, RESUME_WINDOW_MS, type ShareHost, type ShareRequest } from './share-record';
import { ShareRegistry } from './share-registry';

export { ENDED_SHARE_TTL_MS, RESUME_WINDOW_MS, type ShareHost, type ShareRequest };

/** The session's shares; see the file comment. */
export class ShareManager {
  private readonly registry: ShareRegistry;
  private readonly outgoing: OutgoingShares;
  private readonly incoming: IncomingShares;
  /** Received streams by share ID, read by the viewer page. */
  readonly streams: Map<string, MediaStream>;

  constructor(host: ShareHost, media: MediaAccess) {
    this.registry = new ShareRegistry(host);
    this.outgoing = new OutgoingShares(host, media, this.registry);
    this.incoming = new IncomingShares(host, this.registry);
    this.streams = this.registry.streams;
  }

  /** Current and recently ended shares. */
  list(): ShareView[] {
    return this.registry.list();
  }

  /** Starts a share; see {@link OutgoingShares.start}. */
  start(request: ShareRequest): Promise<{ ok: true; shareId: string } | { ok: false; error: ErrorCode }> {
    return this.outgoing.start(request);
  }

  /** Ends a share of ours from this side and tells the peer. */
  stop(shareId: string): { ok: true } | { ok: false; error: ErrorCode } {
    return this.outgoing.stop(shareId);
  }

  /** Ends the outgoing share of a tab that closed. */
  stopTab(tabId: number): void {
    this.outgoing.stopTab(tabId);
  }

  /** Accepts or declines an incoming share. */
  answer(shareId: string, accept: boolean): { ok: true } | { ok: false; error: ErrorCode } {
    return this.incoming.answer(shareId, accept);
  }

  /** An incoming `MediaConnection`: checked, then held until the user answers. */
  onCall(call: MediaConnection): void {
    this.incoming.onCall(call);
  }

  /** A share message from `peerId` on the data connection. */
  onSignal(peerId: string, message: ShareSignal): void {
    const share = this.registry.get(message.shareId);
    // Only the peer the share is with may change it.
    if (!share || share.view.peerId !== peerId || OVER.has(share.view.state)) return;
    if (message.type === 'share-end') this.registry.finish(share, 'ended');
    else if (share.view.direction === 'out') this.outgoing.answered(share, message);
  }

  /**
   * The data connection to `peerId` is gone. Its shares end, unless the session is
   * reconnecting (`resuming`): then running shares pause for up to {@link RESUME_WINDOW_MS},
   * the sender keeping its capture, and resume on {@link onPeerBack}.
   */
  onPeerGone(peerId: string, resuming = false): void {
    for (const share of this.registry.values()) {
      if (share.view.peerId !== peerId || OVER.has(share.view.state) || share.view.state === 'paused') continue;
      const pausable = share.view.direction === 'out' || share.view.state === 'live';
      if (resuming && pausable) this.registry.pause(share);
      else this.registry.finish(share, 'ended', 'peer-disconnected');
    }
  }

  /**
   * The connection to `peerId` is back: outgoing paused shares call again (the receiver
   * answers by itself), and incoming ones answer a call that came before the connection was.
   */
  onPeerBack(peerId: string): void {
    for (const share of this.registry.values()) {
      if (share.view.peerId !== peerId || share.view.state !== 'paused') continue;
      if (share.view.direction === 'in') this.incoming.peerBack(share);
      else this.outgoing.resume(share);
    }
  }

  /** The `RTCPeerConnection`s of running shares with `peerId`, for the connection panel. */
  connectionsWith(peerId: string): RTCPeerConnection[] {
    return this.registry.connectionsWith(peerId);
  }

  /** Receiver-side figures of a share (see `share-figures.ts`). */
  stats(shareId: string): Promise<{ ok: true; stats: ShareStats } | { ok: false; error: ErrorCode }> {
    return this.registry.stats(shareId);
  }

  /** Ends everything, e.g. when the peer restarts. */
  destroy(): void {
    this.registry.destroy();
  }
}
