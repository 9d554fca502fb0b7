/**
 * Figures of shares: the receiver's inbound-rtp numbers for the viewer's overlay,
 * and the played-back level of the sender's own tab audio for its popup.
 */
import type { ShareStats } from '../protocol/runtime';
import type { Share } from './share-record';

/** How often the played-back level is sampled for the sender's popup, in ms. */
const LEVEL_INTERVAL_MS = 1000;

/**
 * Receiver-side figures of a share from `getStats()` inbound-rtp
 * (https://www.w3.org/TR/webrtc-stats/#inboundrtpstats-dict*); `timestamp` in ms (`performance.now()`).
 */
export async function inboundStats(pc: RTCPeerConnection): Promise<ShareStats> {
  const report = await pc.getStats();
  const stats: ShareStats = { timestamp: performance.now() };
  report.forEach((entry: Record<string, unknown>) => {
    if (entry.type !== 'inbound-rtp') return;
    const num = (key: string): number => (typeof entry[key] === 'number' ? (entry[key] as number) : 0);
    if (entry.kind === 'video') {
      stats.video = {
        frameWidth: num('frameWidth'),
        frameHeight: num('frameHeight'),
        framesPerSecond: num('framesPerSecond'),
        framesDecoded: num('framesDecoded'),
        bytesReceived: num('bytesReceived'),
      };
    } else if (entry.kind === 'audio') {
      stats.audio = { totalAudioEnergy: num('totalAudioEnergy'), bytesReceived: num('bytesReceived') };
    }
  });
  return stats;
}

/** Samples the level of every share that plays back, every {@link LEVEL_INTERVAL_MS}, while any does. */
export class LevelWatch {
  private timer?: ReturnType<typeof setInterval>;

  /** @param changed called when a share's `view.playbackLevel` changed. */
  constructor(
    private readonly shares: () => Iterable<Share>,
    private readonly changed: () => void,
  ) {}

  /** Starts sampling, if not already. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      let playing = false;
      for (const share of this.shares()) {
        if (!share.playback) continue;
        playing = true;
        const level = Math.round(share.playback.level() * 100) / 100;
        if (level !== share.view.playbackLevel) {
          share.view = { ...share.view, playbackLevel: level };
          this.changed();
        }
      }
      if (!playing) this.stop();
    }, LEVEL_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
