/**
 * Tab, tab-audio and microphone shares over PeerJS `MediaConnection`s.
 *
 * The sender captures, calls the peer with share metadata and waits for
 * `share-accept` / `share-decline` on the data connection. The receiver holds
 * the call unanswered until its user decides; a declined call is closed and the
 * sender told. Received streams are kept in {@link ShareManager.streams} for the
 * viewer page (see docs/architecture.md, "How media reaches the viewer").
 */
import type { MediaConnection } from 'peerjs';
import { CodedError, type ErrorCode } from '../errors';
import { APP_TAG, PROTOCOL_VERSION, decodeShareMetadata, shareSignal, type ShareMetadata, type ShareSignal } from '../protocol/peer';
import type { ShareStats, ShareView } from '../protocol/runtime';
import { applySenderPreset, PRESETS, withStartBitrate } from '../share/presets';
import type { MediaAccess } from './media';
import { inboundStats, LevelWatch } from './share-figures';
import { ENDED_SHARE_TTL_MS, OVER, RESUME_WINDOW_MS, slotOf, type Share, type ShareHost, type ShareRequest } from './share-record';

export { ENDED_SHARE_TTL_MS, RESUME_WINDOW_MS, type ShareHost, type ShareRequest };

export class ShareManager {
  private readonly shares = new Map<string, Share>();
  /** Received streams by share ID, read by the viewer page. */
  readonly streams = new Map<string, MediaStream>();
  private readonly levels = new LevelWatch(
    () => this.shares.values(),
    () => this.host.changed(),
  );

  constructor(
    private readonly host: ShareHost,
    private readonly media: MediaAccess,
  ) {}

  /** Current and recently ended shares. */
  list(): ShareView[] {
    return [...this.shares.values()].map((share) => ({ ...share.view }));
  }

  /**
   * Starts a share. A running outgoing share of the same kind of source (tab, or
   * microphone) is replaced: one tab and one microphone at a time.
   * @returns the share ID, or `not-connected`, `capture-failed`, `mic-denied`, `no-mic`, `server-unreachable`.
   */
  async start(request: ShareRequest): Promise<{ ok: true; shareId: string } | { ok: false; error: ErrorCode }> {
    if (!this.host.isConnected(request.peerId)) return { ok: false, error: 'not-connected' };
    let local: MediaStream;
    try {
      const tabSize = request.tabWidth && request.tabHeight ? { width: request.tabWidth, height: request.tabHeight } : undefined;
      local = await this.media.open(request.kind, request.preset, request.streamId, tabSize);
    } catch (error) {
      this.host.log.warn('[secureconnect] could not open media', error);
      return { ok: false, error: error instanceof CodedError ? error.code : 'capture-failed' };
    }
    for (const other of this.shares.values()) {
      if (other.view.direction === 'out' && !OVER.has(other.view.state) && slotOf(other.view.kind) === slotOf(request.kind)) {
        this.stop(other.view.id);
      }
    }
    const preset = PRESETS[request.preset];
    for (const track of local.getVideoTracks()) track.contentHint = preset.contentHint;

    const id = this.host.newId();
    const share: Share = {
      view: {
        id,
        peerId: request.peerId,
        direction: 'out',
        kind: request.kind,
        preset: request.preset,
        title: request.title,
        state: 'offering',
        since: this.host.now(),
        ...(request.tabId !== undefined ? { tabId: request.tabId } : {}),
      },
      local,
    };
    // Tab capture mutes the tab for its owner: play it back so the sender still hears it.
    if (request.kind !== 'mic') share.playback = this.media.playBack(local);
    this.shares.set(id, share);

    const metadata: ShareMetadata = {
      app: APP_TAG,
      protocol: PROTOCOL_VERSION,
      shareId: id,
      kind: request.kind,
      preset: request.preset,
      title: request.title,
    };
    share.metadata = metadata;
    if (!this.callFor(share)) {
      this.finish(share, 'failed', 'server-unreachable');
      return { ok: false, error: 'server-unreachable' };
    }
    // A tab capture track ends when the tab closes or capture is revoked: end the share and tell the peer.
    for (const track of local.getTracks()) track.addEventListener('ended', () => this.stop(id));
    this.levels.start();
    this.host.changed();
    return { ok: true, shareId: id };
  }

  /** Calls the peer with an outgoing share's stream; false when the PeerServer is away. */
  private callFor(share: Share): boolean {
    const call = share.local && share.metadata ? this.host.call(share.view.peerId, share.local, share.metadata) : undefined;
    if (!call) return false;
    share.call = call;
    this.onCallEnd(share, call);
    return true;
  }

  /** A call that closes under us ends its share, unless the share already moved on (paused, or called again). */
  private onCallEnd(share: Share, call: MediaConnection): void {
    call.on('close', () => {
      if (share.call === call) this.finish(share, 'ended', undefined, true);
    });
    call.on('error', (error) => this.host.log.warn(`[secureconnect] share ${share.view.id}: ${error.type} ${error.message}`));
  }

  /** Ends a share from this side and tells the peer. */
  stop(shareId: string): { ok: true } | { ok: false; error: ErrorCode } {
    const share = this.shares.get(shareId);
    if (!share || OVER.has(share.view.state)) return { ok: false, error: 'no-share' };
    this.host.send(share.view.peerId, shareSignal('share-end', shareId));
    this.finish(share, 'ended');
    return { ok: true };
  }

  /** Ends the outgoing share of a tab that closed. */
  stopTab(tabId: number): void {
    for (const share of this.shares.values()) {
      if (share.view.direction === 'out' && share.view.tabId === tabId && !OVER.has(share.view.state)) this.stop(share.view.id);
    }
  }

  /** Accepts or declines an incoming share. */
  answer(shareId: string, accept: boolean): { ok: true } | { ok: false; error: ErrorCode } {
    const share = this.shares.get(shareId);
    if (!share || share.view.direction !== 'in' || share.view.state !== 'incoming' || !share.call) {
      return { ok: false, error: 'no-share' };
    }
    if (!accept) {
      this.host.send(share.view.peerId, shareSignal('share-decline', shareId));
      this.finish(share, 'declined');
      return { ok: true };
    }
    this.acceptCall(share, share.call);
    return { ok: true };
  }

  /** Answers the call of an accepted share and tells the sender. */
  private acceptCall(share: Share, call: MediaConnection): void {
    const shareId = share.view.id;
    let received = false;
    // PeerJS fires `stream` once per track, with the same stream: keep the first.
    call.on('stream', (stream) => {
      if (received || OVER.has(share.view.state)) return;
      received = true;
      this.streams.set(shareId, stream);
      this.setState(share, 'live');
    });
    const startKbps = PRESETS[share.view.preset].startBitrateKbps;
    call.answer(undefined, { sdpTransform: (sdp: string) => withStartBitrate(sdp, startKbps) });
    this.host.send(share.view.peerId, shareSignal('share-accept', shareId));
  }

  /** An incoming `MediaConnection`: checked, then held until the user answers. */
  onCall(call: MediaConnection): void {
    const decoded = decodeShareMetadata(call.metadata);
    if (!decoded.ok) {
      this.host.log.warn(`[secureconnect] refused a call from ${call.peer}: metadata ${decoded.reason}`);
      call.close();
      return;
    }
    let known = this.shares.get(decoded.message.shareId);
    if (known && OVER.has(known.view.state) && known.view.peerId === call.peer) {
      // Offered again after a reconnection (we had not answered before): a new question for our user.
      if (known.pruneTimer !== undefined) clearTimeout(known.pruneTimer);
      this.shares.delete(known.view.id);
      known = undefined;
    }
    if (known && known.view.peerId === call.peer && known.view.direction === 'in' && known.view.state === 'paused') {
      // The sender called again after a reconnection: our user accepted this share already.
      if (this.host.isConnected(call.peer)) return this.resumeIncoming(known, call);
      // Its side was set up first (the call comes through the PeerServer, our identity check takes a moment): answer once ours is.
      known.waitingCall?.close();
      known.waitingCall = call;
      return;
    }
    // Media only from a peer the user is connected to, under the ID that connection was made with.
    if (!this.host.isConnected(call.peer) || known) {
      this.host.log.warn(`[secureconnect] refused a call from ${call.peer}: not connected or a repeated share`);
      call.close();
      return;
    }
    const meta = decoded.message;
    const share: Share = {
      view: {
        id: meta.shareId,
        peerId: call.peer,
        direction: 'in',
        kind: meta.kind,
        preset: meta.preset,
        title: meta.title,
        state: 'incoming',
        since: this.host.now(),
      },
      call,
    };
    this.shares.set(meta.shareId, share);
    this.onCallEnd(share, call);
    this.host.changed();
    this.host.offered({ ...share.view });
  }

  /** A share message from `peerId` on the data connection. */
  onSignal(peerId: string, message: ShareSignal): void {
    const share = this.shares.get(message.shareId);
    // Only the peer the share is with may change it.
    if (!share || share.view.peerId !== peerId || OVER.has(share.view.state)) return;
    if (message.type === 'share-accept' && share.view.direction === 'out') {
      this.setState(share, 'live');
      const pc = share.call?.peerConnection;
      if (pc && share.view.kind === 'tab') void applySenderPreset(pc, share.view.preset);
    } else if (message.type === 'share-decline' && share.view.direction === 'out') {
      this.finish(share, 'declined', 'share-declined');
    } else if (message.type === 'share-end') {
      this.finish(share, 'ended');
    }
  }

  /**
   * The data connection to `peerId` is gone. Its shares end, unless the session is
   * reconnecting (`resuming`): then running shares pause for up to {@link RESUME_WINDOW_MS},
   * the sender keeping its capture, and resume on {@link onPeerBack}.
   */
  onPeerGone(peerId: string, resuming = false): void {
    for (const share of this.shares.values()) {
      if (share.view.peerId !== peerId || OVER.has(share.view.state) || share.view.state === 'paused') continue;
      const pausable = share.view.direction === 'out' || share.view.state === 'live';
      if (!resuming || !pausable) {
        this.finish(share, 'ended', 'peer-disconnected');
        continue;
      }
      const call = share.call;
      share.call = undefined;
      call?.close();
      this.streams.delete(share.view.id);
      this.setState(share, 'paused');
      this.clearResumeTimer(share);
      share.resumeTimer = setTimeout(() => this.finish(share, 'ended', 'peer-disconnected'), RESUME_WINDOW_MS);
    }
  }

  /**
   * The connection to `peerId` is back: outgoing paused shares call again (the receiver
   * answers by itself), and incoming ones answer a call that came before the connection was.
   */
  onPeerBack(peerId: string): void {
    for (const share of this.shares.values()) {
      if (share.view.peerId !== peerId || share.view.state !== 'paused') continue;
      if (share.view.direction === 'in') {
        const call = share.waitingCall;
        share.waitingCall = undefined;
        if (call) this.resumeIncoming(share, call);
        continue;
      }
      this.clearResumeTimer(share);
      if (this.callFor(share)) this.setState(share, 'offering');
      else this.finish(share, 'failed', 'server-unreachable');
    }
  }

  private resumeIncoming(share: Share, call: MediaConnection): void {
    this.clearResumeTimer(share);
    share.call = call;
    this.onCallEnd(share, call);
    this.acceptCall(share, call);
    this.host.changed();
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

  private clearResumeTimer(share: Share): void {
    if (share.resumeTimer !== undefined) clearTimeout(share.resumeTimer);
    share.resumeTimer = undefined;
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

  private setState(share: Share, state: ShareView['state'], error?: ErrorCode): void {
    share.view = { ...share.view, state, since: this.host.now() };
    if (error) share.view.error = error;
    this.host.changed();
  }

  /** Releases everything a share holds; `fromRemote` when the call closed under us. */
  private finish(share: Share, state: 'ended' | 'declined' | 'failed', error?: ErrorCode, fromRemote = false): void {
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
}
