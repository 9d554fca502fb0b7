/**
 * Our shares: capture, call the peer with the share's metadata, wait for its
 * `share-accept` / `share-decline` on the data connection, and call again after a
 * reconnection with the same share ID.
 */
import { CodedError, type ErrorCode } from '../errors';
import { APP_TAG, PROTOCOL_VERSION, shareSignal, type ShareMetadata, type ShareSignal } from '../protocol/peer';
import { applySenderPreset, PRESETS } from '../share/presets';
import type { MediaAccess } from './media';
import { OVER, slotOf, type Share, type ShareHost, type ShareRequest } from './share-record';
import type { ShareRegistry } from './share-registry';

/** Starts, stops and resumes our shares. */
export class OutgoingShares {
  constructor(
    private readonly host: ShareHost,
    private readonly media: MediaAccess,
    private readonly registry: ShareRegistry,
  ) {}

  /**
   * Starts a share. A running outgoing share of the same kind of source (tab, or
   * microphone) is replaced: one tab and one microphone at a time.
   * @returns the share ID, or `not-connected`, `capture-failed`, `mic-denied`, `no-mic`, `server-unreachable`.
   */
  async start(request: ShareRequest): Promise<{ ok: true; shareId: string } | { ok: false; error: ErrorCode }> {
    const { host, registry } = this;
    if (!host.isConnected(request.peerId)) return { ok: false, error: 'not-connected' };
    let local: MediaStream;
    try {
      const tabSize = request.tabWidth && request.tabHeight ? { width: request.tabWidth, height: request.tabHeight } : undefined;
      local = await this.media.open(request.kind, request.preset, request.streamId, tabSize);
    } catch (error) {
      host.log.warn('[secureconnect] could not open media', error);
      return { ok: false, error: error instanceof CodedError ? error.code : 'capture-failed' };
    }
    for (const other of registry.values()) {
      if (other.view.direction === 'out' && !OVER.has(other.view.state) && slotOf(other.view.kind) === slotOf(request.kind)) {
        this.stop(other.view.id);
      }
    }
    const preset = PRESETS[request.preset];
    for (const track of local.getVideoTracks()) track.contentHint = preset.contentHint;

    const id = host.newId();
    const metadata: ShareMetadata = { app: APP_TAG, protocol: PROTOCOL_VERSION, shareId: id, kind: request.kind, preset: request.preset, title: request.title };
    const share: Share = {
      view: {
        id,
        peerId: request.peerId,
        direction: 'out',
        kind: request.kind,
        preset: request.preset,
        title: request.title,
        state: 'offering',
        since: host.now(),
        ...(request.tabId !== undefined ? { tabId: request.tabId } : {}),
      },
      local,
      metadata,
    };
    // Tab capture mutes the tab for its owner: play it back so the sender still hears it.
    if (request.kind !== 'mic') share.playback = this.media.playBack(local);
    registry.add(share);
    if (!this.call(share)) {
      registry.finish(share, 'failed', 'server-unreachable');
      return { ok: false, error: 'server-unreachable' };
    }
    // A tab capture track ends when the tab closes or capture is revoked: end the share and tell the peer.
    for (const track of local.getTracks()) track.addEventListener('ended', () => this.stop(id));
    registry.levels.start();
    host.changed();
    return { ok: true, shareId: id };
  }

  /** Ends a share from this side and tells the peer. */
  stop(shareId: string): { ok: true } | { ok: false; error: ErrorCode } {
    const share = this.registry.get(shareId);
    if (!share || OVER.has(share.view.state)) return { ok: false, error: 'no-share' };
    this.host.send(share.view.peerId, shareSignal('share-end', shareId));
    this.registry.finish(share, 'ended');
    return { ok: true };
  }

  /** Ends the outgoing share of a tab that closed. */
  stopTab(tabId: number): void {
    for (const share of this.registry.values()) {
      if (share.view.direction === 'out' && share.view.tabId === tabId && !OVER.has(share.view.state)) this.stop(share.view.id);
    }
  }

  /** The peer's answer to one of our shares. */
  answered(share: Share, message: ShareSignal): void {
    if (message.type === 'share-accept') {
      this.registry.setState(share, 'live');
      const pc = share.call?.peerConnection;
      if (pc && share.view.kind === 'tab') void applySenderPreset(pc, share.view.preset);
    } else if (message.type === 'share-decline') {
      this.registry.finish(share, 'declined', 'share-declined');
    }
  }

  /** The peer is back: a paused share calls again (the receiver answers by itself). */
  resume(share: Share): void {
    this.registry.clearResumeTimer(share);
    if (this.call(share)) this.registry.setState(share, 'offering');
    else this.registry.finish(share, 'failed', 'server-unreachable');
  }

  /** Calls the peer with the share's stream; false when the PeerServer is away. */
  private call(share: Share): boolean {
    const call = share.local && share.metadata ? this.host.call(share.view.peerId, share.local, share.metadata) : undefined;
    if (!call) return false;
    share.call = call;
    this.registry.watchCall(share, call);
    return true;
  }
}
