/**
 * Shares offered to us: a `MediaConnection` is checked, then held unanswered until our
 * user decides; a declined call is closed and the sender told. An accepted share that
 * a reconnection paused is answered again by itself.
 */
import type { MediaConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import { decodeShareMetadata, shareSignal } from '../protocol/peer';
import { PRESETS, withStartBitrate } from '../share/presets';
import { OVER, type Share, type ShareHost } from './share-record';
import type { ShareRegistry } from './share-registry';

/** Takes calls and our user's answers. */
export class IncomingShares {
  constructor(
    private readonly host: ShareHost,
    private readonly registry: ShareRegistry,
  ) {}

  /** An incoming `MediaConnection`: checked, then held until the user answers. */
  onCall(call: MediaConnection): void {
    const { host, registry } = this;
    const decoded = decodeShareMetadata(call.metadata);
    if (!decoded.ok) {
      host.log.warn(`[secureconnect] refused a call from ${call.peer}: metadata ${decoded.reason}`);
      call.close();
      return;
    }
    let known = registry.get(decoded.message.shareId);
    if (known && OVER.has(known.view.state) && known.view.peerId === call.peer) {
      // Offered again after a reconnection (we had not answered before): a new question for our user.
      registry.remove(known);
      known = undefined;
    }
    if (known && known.view.peerId === call.peer && known.view.direction === 'in' && known.view.state === 'paused') {
      // The sender called again after a reconnection: our user accepted this share already.
      if (host.isConnected(call.peer)) return this.resume(known, call);
      // Its side was set up first (the call comes through the PeerServer, our identity check takes a moment): answer once ours is.
      known.waitingCall?.close();
      known.waitingCall = call;
      return;
    }
    // Media only from a peer the user is connected to, under the ID that connection was made with.
    if (!host.isConnected(call.peer) || known) {
      host.log.warn(`[secureconnect] refused a call from ${call.peer}: not connected or a repeated share`);
      call.close();
      return;
    }
    const meta = decoded.message;
    const share: Share = {
      view: { id: meta.shareId, peerId: call.peer, direction: 'in', kind: meta.kind, preset: meta.preset, title: meta.title, state: 'incoming', since: host.now() },
      call,
    };
    registry.add(share);
    registry.watchCall(share, call);
    host.changed();
    host.offered({ ...share.view });
  }

  /** Accepts or declines an incoming share. */
  answer(shareId: string, accept: boolean): { ok: true } | { ok: false; error: ErrorCode } {
    const share = this.registry.get(shareId);
    if (!share || share.view.direction !== 'in' || share.view.state !== 'incoming' || !share.call) {
      return { ok: false, error: 'no-share' };
    }
    if (!accept) {
      this.host.send(share.view.peerId, shareSignal('share-decline', shareId));
      this.registry.finish(share, 'declined');
      return { ok: true };
    }
    this.accept(share, share.call);
    return { ok: true };
  }

  /** The peer is back: answers the call that came before our side of the reconnection was set up. */
  peerBack(share: Share): void {
    const call = share.waitingCall;
    share.waitingCall = undefined;
    if (call) this.resume(share, call);
  }

  private resume(share: Share, call: MediaConnection): void {
    this.registry.clearResumeTimer(share);
    share.call = call;
    this.registry.watchCall(share, call);
    this.accept(share, call);
    this.host.changed();
  }

  /** Answers the call of an accepted share and tells the sender. */
  private accept(share: Share, call: MediaConnection): void {
    const shareId = share.view.id;
    let received = false;
    // PeerJS fires `stream` once per track, with the same stream: keep the first.
    call.on('stream', (stream) => {
      if (received || OVER.has(share.view.state)) return;
      received = true;
      this.registry.streams.set(shareId, stream);
      this.registry.setState(share, 'live');
    });
    const startKbps = PRESETS[share.view.preset].startBitrateKbps;
    call.answer(undefined, { sdpTransform: (sdp: string) => withStartBitrate(sdp, startKbps) });
    this.host.send(share.view.peerId, shareSignal('share-accept', shareId));
  }
}
