/**
 * Opening capture streams and playing captured tab audio back to the sender.
 * Web APIs only (`getUserMedia`, Web Audio), so Firefox's background page can
 * supply its own implementation of {@link MediaAccess} later.
 */
import { CodedError } from '../errors';
import { MIC_CONSTRAINTS, tabCaptureConstraints, type PresetName, type ShareKind } from '../share/presets';

/** Captured tab audio played back locally (tab capture mutes the tab for its owner). */
export interface Playback {
  /** Current level of the played-back sound: RMS of the waveform, 0 to 1. */
  level(): number;
  stop(): void;
}

/** What the share manager needs to open media; injectable for tests. */
export interface MediaAccess {
  /**
   * Opens the stream for a share.
   * @param streamId from `tabCapture.getMediaStreamId` (tab kinds).
   * @throws CodedError `capture-failed`, `mic-denied` or `no-mic`.
   */
  open(kind: ShareKind, preset: PresetName, streamId: string | undefined, tabSize?: { width: number; height: number }): Promise<MediaStream>;
  /** Plays the stream's audio on this device's speakers. */
  playBack(stream: MediaStream): Playback;
}

/** Longest wait for a capture stream to open, in ms. */
const OPEN_TIMEOUT_MS = 10_000;

function codeFor(kind: ShareKind, error: unknown): CodedError {
  const name = (error as { name?: string }).name;
  if (kind === 'mic') {
    if (name === 'NotAllowedError' || name === 'SecurityError') return new CodedError('mic-denied', String(error));
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return new CodedError('no-mic', String(error));
  }
  return new CodedError('capture-failed', String(error));
}

/** {@link MediaAccess} on `navigator.mediaDevices` and an `AudioContext`. */
export const browserMedia: MediaAccess = {
  async open(kind, preset, streamId, tabSize) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // getUserMedia can wait forever (a tab that may not be captured, a microphone prompt the
    // offscreen document cannot show): give up in time.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CodedError(kind === 'mic' ? 'mic-denied' : 'capture-failed', 'getUserMedia timed out')), OPEN_TIMEOUT_MS);
    });
    try {
      if (kind === 'mic') return await Promise.race([navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS), timeout]);
      if (!streamId) throw new CodedError('capture-failed', 'no stream ID');
      return await Promise.race([navigator.mediaDevices.getUserMedia(tabCaptureConstraints(kind, streamId, preset, tabSize)), timeout]);
    } catch (error) {
      throw error instanceof CodedError ? error : codeFor(kind, error);
    } finally {
      clearTimeout(timer);
    }
  },

  playBack(stream) {
    if (stream.getAudioTracks().length === 0) return { level: () => 0, stop: () => {} };
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    analyser.connect(context.destination);
    void context.resume().catch(() => {});
    const samples = new Float32Array(analyser.fftSize);
    return {
      level() {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        return Math.sqrt(sum / samples.length);
      },
      stop() {
        source.disconnect();
        void context.close().catch(() => {});
      },
    };
  },
};
