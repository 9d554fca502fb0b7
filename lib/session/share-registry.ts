/**
 * Every share, outgoing and incoming, by share ID: its state, the received streams the
 * viewer reads, and what ending a share releases (capture, playback, call, timers).
 * `share-outgoing.ts` and `share-incoming.ts` move shares through it.
 */
import type { MediaConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import type { ShareStats, ShareView } from '../protocol/runtime';
import { inboundStats, LevelWatch } from './share-figures';
import { ENDED_SHARE_TTL_MS, OVER, RESUME_WINDOW_MS, type Share, type ShareHost } from './share-record';

/** The shares; one per session. */
export class ShareRegistry {
  private readonly shares = new Map<string, Share>();
  /** Received streams by share ID, read by the viewer page. */
  readonly streams = new Map<string, MediaStream>();
  /** Samples the playback level of outgoing tab shares. */
  readonly levels = new LevelWatch(
    () => this.shares.values(),
    () => this.host.changed(),
  );

  constructor(private readonly host: ShareHost) {}

  /** The share `shareId`, if listed (own entries only: a `Map`). */
  get(shareId: string): Share | undefined {
    return this.shares.get(shareId);
  }

  /** Every listed share, running or recently ended. */
  values(): IterableIterator<Share> {
    return this.shares.values();
  }

  /** Lists a new share under its ID. */
  add(share: Share): void {
    this.shares.set(share.view.id, share);
  }

  /** Forgets an ended share at once (it is offered again). */
  remove(share: Share): void {
    if (share.pruneTimer !== undefined) clearTimeout(share.pruneTimer);
    this.shares.delete(share.view.id);
  }

  /** Current and recently ended shares. */
  list(): ShareView[] {
    return [...this.shares.values()].map((share) => ({ ...share.view }));
  }

  /** Moves a share to `state` (with `error`, if any), from now. */
  setState(share: Share, state: ShareView['state'], error?: ErrorCode): void {
    share.view = { ...share.view, state, since: this.host.now() };
    if (error) share.view.error = error;
    this.host.changed();
  }

  /** A call that closes under us ends its share, unless the share already moved on (paused, or called again). */
  watchCall(share: Share, call: MediaConnection): void {
    call.on('close', () => {
      if (share.call === call) this.finish(share, 'ended', undefined, true);
    });
    call.on('error', (error) => this.host.log.warn(`[secureconnect] share ${share.view.id}: ${error.type} ${error.message}`));
  }

  /** A running share waits, its call closed, for its peer to be back within {@link RESUME_WINDOW_MS}. */
  pause(share: Share): void {
    const call = share.call;
    share.call = undefined;
    call?.close();
    this.streams.delete(share.view.id);
    this.setState(share, 'paused');
    this.clearResumeTimer(share);
    share.resumeTimer = setTimeout(() => this.finish(share, 'ended', 'peer-disconnected'), RESUME_WINDOW_MS);
  }

  /** Cancels the end of a paused share (it resumed, or ended otherwise). */
  clearResumeTimer(share: Share): void {
    if (share.resumeTimer !== undefined) clearTimeout(share.resumeTimer);
    share.resumeTimer = undefined;
  }

  /** Releases everything a share holds; `fromRemote` when the call closed under us. */
  finish(share: Share, state: 'ended' | 'declined' | 'failed', error?: ErrorCode, fromRemote = false): void {
    if (OVER.has(share.view.state)) return;
    this.clearResumeTimer(share);
    if (fromRemote && share.view.state === 'incoming') error ??= 'peer-disconnected';
    // State first: closing the call below fires its `close`, which must find the share over.
    this.setState(share, state, error);
    delete share.view.playbackLevel;
    // Stopping every track releases the capture (the browser's indicator goes away).
    for (const track of share.local?.getTracks() ?? []) track.stop();
    share.playback?.stop();
    share.playback = undefined;
    const call = share.call;
    share.call = undefined;
    call?.close();
    share.waitingCall?.close();
    share.waitingCall = undefined;
    this.streams.delete(share.view.id);
    share.pruneTimer = setTimeout(() => {
      this.shares.delete(share.view.id);
      this.host.changed();
    }, ENDED_SHARE_TTL_MS);
  }

  /** The `RTCPeerConnection`s of running shares with `peerId`, for the connection panel. */
  connectionsWith(peerId: string): RTCPeerConnection[] {
    const connections: RTCPeerConnection[] = [];
    for (const share of this.shares.values()) {
      const pc = share.call?.peerConnection as RTCPeerConnection | undefined;
      if (share.view.peerId === peerId && pc) connections.push(pc);
    }
    return connections;
  }

  /** Receiver-side figures of a share (see `share-figures.ts`). */
  async stats(shareId: string): Promise<{ ok: true; stats: ShareStats } | { ok: false; error: ErrorCode }> {
    const pc = this.shares.get(shareId)?.call?.peerConnection;
    if (!pc) return { ok: false, error: 'no-share' };
    return { ok: true, stats: await inboundStats(pc) };
  }

  /** Ends everything, e.g. when the peer restarts. */
  destroy(): void {
    for (const share of this.shares.values()) {
      if (!OVER.has(share.view.state)) this.finish(share, 'ended');
      if (share.pruneTimer !== undefined) clearTimeout(share.pruneTimer);
    }
    this.shares.clear();
    this.levels.stop();
  }
}
