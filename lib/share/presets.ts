/**
 * Quality presets for tab shares. Numbers and reasons are in docs/media.md.
 */

/** What a share carries. */
export type ShareKind = 'tab' | 'tab-audio' | 'mic';
export const SHARE_KINDS = ['tab', 'tab-audio', 'mic'] as const satisfies readonly ShareKind[];

/** Quality preset chosen when sharing a tab. */
export type PresetName = 'motion' | 'detail';
export const PRESET_NAMES = ['motion', 'detail'] as const satisfies readonly PresetName[];

/** The preset used when the user does not choose: most shared tabs play video. */
export const DEFAULT_PRESET: PresetName = 'motion';

/** One preset's numbers. */
export interface Preset {
  /** Largest capture size, in CSS pixels of the tab (tab capture follows the tab's size). */
  maxWidth: number;
  maxHeight: number;
  /** Capture and send frame rate cap, in frames per second. */
  maxFrameRate: number;
  /** `MediaStreamTrack.contentHint` (https://www.w3.org/TR/mst-content-hint/). */
  contentHint: 'motion' | 'detail';
  /** `RTCRtpEncodingParameters.maxBitrate`, in bits per second. */
  maxBitrate: number;
  /**
   * Bitrate the sender starts at, in kbit/s (Chrome's `x-google-start-bitrate`
   * codec parameter). WebRTC otherwise starts at 300 kbit/s and a light picture
   * can take 30 s or more to reach full resolution.
   */
  startBitrateKbps: number;
  /** `RTCRtpSendParameters.degradationPreference`: what to give up under load. */
  degradationPreference: 'balanced' | 'maintain-framerate' | 'maintain-resolution';
}

export const PRESETS: Record<PresetName, Preset> = {
  motion: {
    maxWidth: 1920,
    maxHeight: 1080,
    maxFrameRate: 30,
    contentHint: 'motion',
    maxBitrate: 6_000_000,
    startBitrateKbps: 2500,
    degradationPreference: 'maintain-framerate',
  },
  detail: {
    maxWidth: 3840,
    maxHeight: 2160,
    maxFrameRate: 10,
    contentHint: 'detail',
    maxBitrate: 4_000_000,
    startBitrateKbps: 1500,
    degradationPreference: 'maintain-resolution',
  },
};

/**
 * `getUserMedia` constraints for a tab capture stream ID from
 * `chrome.tabCapture.getMediaStreamId` (Chrome's legacy `mandatory` form, the
 * one tab capture accepts: https://developer.chrome.com/docs/extensions/reference/api/tabCapture).
 */
export function tabCaptureConstraints(
  kind: 'tab' | 'tab-audio',
  streamId: string,
  preset: PresetName,
  tabSize?: { width: number; height: number },
): MediaStreamConstraints {
  const audio = { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: streamId } };
  if (kind === 'tab-audio') return { audio, video: false } as unknown as MediaStreamConstraints;
  const size = captureSize(preset, tabSize);
  return {
    audio,
    video: {
      mandatory: {
        chromeMediaSource: 'tab',
        chromeMediaSourceId: streamId,
        maxWidth: size.width,
        maxHeight: size.height,
        maxFrameRate: PRESETS[preset].maxFrameRate,
      },
    },
  } as unknown as MediaStreamConstraints;
}

/**
 * Capture size: the tab's own size, capped by the preset. Chrome's tab capture
 * scales frames up to `maxWidth`/`maxHeight`, so asking for more than the tab
 * has only costs encoding time.
 */
export function captureSize(preset: PresetName, tabSize?: { width: number; height: number }): { width: number; height: number } {
  const p = PRESETS[preset];
  if (!tabSize || tabSize.width <= 0 || tabSize.height <= 0) return { width: p.maxWidth, height: p.maxHeight };
  const scale = Math.min(1, p.maxWidth / tabSize.width, p.maxHeight / tabSize.height);
  return { width: Math.round(tabSize.width * scale), height: Math.round(tabSize.height * scale) };
}

/** Constraints for the microphone: speech processing on. */
export const MIC_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: false,
};

/**
 * Applies a preset's sender limits to every video sender of a connection
 * (`RTCRtpSender.setParameters`, https://w3c.github.io/webrtc-pc/#dom-rtcrtpsender-setparameters).
 * Failures are logged, not thrown: the share still works with browser defaults.
 */
export async function applySenderPreset(pc: RTCPeerConnection, preset: PresetName): Promise<void> {
  const p = PRESETS[preset];
  for (const sender of pc.getSenders()) {
    if (sender.track?.kind !== 'video') continue;
    try {
      const parameters = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
      if (!parameters.encodings?.length) parameters.encodings = [{}];
      for (const encoding of parameters.encodings) {
        encoding.maxBitrate = p.maxBitrate;
        encoding.maxFramerate = p.maxFrameRate;
      }
      parameters.degradationPreference = p.degradationPreference;
      await sender.setParameters(parameters);
    } catch (error) {
      console.warn('[secureconnect] could not apply the preset to the sender', error);
    }
  }
}

const VIDEO_CODECS = /^a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\/90000/i;

/**
 * Adds `x-google-start-bitrate` (kbit/s) to every video codec of an SDP, so that
 * the peer that applies it as its remote description starts sending at that rate.
 * Chrome-specific; other browsers ignore unknown format parameters (RFC 4566 `a=fmtp`).
 * The receiver applies it to its answer: the sender reads its codec parameters from there.
 */
export function withStartBitrate(sdp: string, kbps: number): string {
  const lines = sdp.split('\r\n');
  const payloads = new Set<string>();
  for (const line of lines) {
    const match = VIDEO_CODECS.exec(line);
    if (match) payloads.add(match[1]!);
  }
  const out: string[] = [];
  const withFmtp = new Set<string>();
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp && payloads.has(fmtp[1]!)) {
      withFmtp.add(fmtp[1]!);
      out.push(fmtp[2]!.includes('x-google-start-bitrate') ? line : `${line};x-google-start-bitrate=${kbps}`);
    } else {
      out.push(line);
    }
  }
  // Codecs without an fmtp line get one right after their rtpmap.
  const result: string[] = [];
  for (const line of out) {
    result.push(line);
    const match = VIDEO_CODECS.exec(line);
    if (match && !withFmtp.has(match[1]!)) result.push(`a=fmtp:${match[1]} x-google-start-bitrate=${kbps}`);
  }
  return result.join('\r\n');
}
