/** Stand-ins for PeerJS media calls and captured streams (end-to-end tests use the real ones). */
import { EventEmitter } from 'node:events';

/** A PeerJS `MediaConnection` that records its answer and close. */
export class FakeCall extends EventEmitter {
  answered = false;
  closed = false;
  peerConnection = undefined;
  constructor(
    readonly peer: string,
    readonly metadata?: unknown,
  ) {
    super();
  }
  answerOptions?: { sdpTransform?: (sdp: string) => string };
  answer(_stream?: unknown, options?: { sdpTransform?: (sdp: string) => string }): void {
    this.answered = true;
    this.answerOptions = options;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

/** A capture track that records `stop()`. */
export class FakeTrack extends EventTarget {
  stopped = false;
  contentHint = '';
  constructor(readonly kind: 'audio' | 'video') {
    super();
  }
  stop(): void {
    this.stopped = true;
  }
}

/** A captured tab: one video and one audio track. */
export function fakeStream(): MediaStream & { tracks: FakeTrack[] } {
  const tracks = [new FakeTrack('video'), new FakeTrack('audio')];
  return {
    tracks,
    getTracks: () => tracks,
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
  } as unknown as MediaStream & { tracks: FakeTrack[] };
}
