/**
 * One share as the share manager keeps it, and what the manager needs from the
 * session. See `shares.ts` for the lifecycle.
 */
import type { MediaConnection } from 'peerjs';
import type { PeerMessage, ShareMetadata } from '../protocol/peer';
import type { ShareView } from '../protocol/runtime';
import type { PresetName, ShareKind } from '../share/presets';
import type { Playback } from './media';

/** How long an ended share stays listed (so both sides can see that it ended), in ms. */
export const ENDED_SHARE_TTL_MS = 60_000;

/** How long a share paused by a lost connection waits for the peer to come back, in ms. */
export const RESUME_WINDOW_MS = 60_000;

/** What the share manager needs from the peer session. */
export interface ShareHost {
  /** `peer.call(peerId, stream, { metadata })`, or `undefined` when the PeerServer is away. */
  call(peerId: string, stream: MediaStream, metadata: ShareMetadata): MediaConnection | undefined;
  /** Sends a message on the open data connection to `peerId`; false when there is none. */
  send(peerId: string, message: PeerMessage): boolean;
  isConnected(peerId: string): boolean;
  /** The share list changed. */
  changed(): void;
  /** A peer offers a share; the user must be asked. */
  offered(share: ShareView): void;
  now(): number;
  newId(): string;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** What to share, from the start command. */
export interface ShareRequest {
  peerId: string;
  kind: ShareKind;
  preset: PresetName;
  streamId?: string;
  tabId?: number;
  /** The tab's size in CSS pixels, to capture no larger than it. */
  tabWidth?: number;
  tabHeight?: number;
  title: string;
}

export interface Share {
  view: ShareView;
  call?: MediaConnection;
  /** Our captured stream (outgoing). */
  local?: MediaStream;
  playback?: Playback;
  pruneTimer?: ReturnType<typeof setTimeout>;
  /** Ends a paused share that was not resumed in time. */
  resumeTimer?: ReturnType<typeof setTimeout>;
  /** What the call carries, to call again with the same share ID after a reconnection. */
  metadata?: ShareMetadata;
  /** Incoming, paused: the sender's new call, come before our side of the reconnection was set up. */
  waitingCall?: MediaConnection;
}

export const OVER = new Set<ShareView['state']>(['ended', 'declined', 'failed']);

/** Tab and tab-audio share one capture of one tab; the microphone is separate. */
export function slotOf(kind: ShareKind): 'tab' | 'mic' {
  return kind === 'mic' ? 'mic' : 'tab';
}
