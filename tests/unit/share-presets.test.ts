/** Share presets (capture constraints, start bitrate) and the share metadata a call carries. */
import { describe, expect, it } from 'vitest';
import { decodeShareMetadata, type ShareMetadata } from '@/lib/protocol/peer';
import { captureSize, PRESETS, tabCaptureConstraints, withStartBitrate } from '@/lib/share/presets';

describe('presets', () => {
  it('Motion is up to 1920x1080 at 30 fps with motion hint; Detail keeps resolution at a low frame rate', () => {
    expect(PRESETS.motion).toMatchObject({ maxWidth: 1920, maxHeight: 1080, maxFrameRate: 30, contentHint: 'motion' });
    expect(PRESETS.detail).toMatchObject({ contentHint: 'detail', degradationPreference: 'maintain-resolution' });
    expect(PRESETS.detail.maxFrameRate).toBeLessThan(PRESETS.motion.maxFrameRate);
    expect(PRESETS.detail.maxWidth * PRESETS.detail.maxHeight).toBeGreaterThan(PRESETS.motion.maxWidth * PRESETS.motion.maxHeight);
  });

  it.each([
    ['motion', { width: 2560, height: 1440 }, { width: 1920, height: 1080 }],
    ['motion', { width: 1280, height: 720 }, { width: 1280, height: 720 }],
    ['motion', { width: 1920, height: 2000 }, { width: 1037, height: 1080 }],
    ['detail', { width: 2560, height: 1440 }, { width: 2560, height: 1440 }],
    ['detail', undefined, { width: 3840, height: 2160 }],
  ] as const)('%s captures a %j tab at %j', (preset, tab, size) => {
    expect(captureSize(preset, tab)).toEqual(size);
  });

  it('builds tab capture constraints in the form tab capture accepts', () => {
    expect(tabCaptureConstraints('tab', 'stream-1', 'motion', { width: 1280, height: 720 })).toEqual({
      audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: 'stream-1' } },
      video: {
        mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: 'stream-1', maxWidth: 1280, maxHeight: 720, maxFrameRate: 30 },
      },
    });
    expect(tabCaptureConstraints('tab-audio', 'stream-1', 'motion')).toEqual({
      audio: { mandatory: { chromeMediaSource: 'tab', chromeMediaSourceId: 'stream-1' } },
      video: false,
    });
  });
});

describe('withStartBitrate', () => {
  const sdp = [
    'v=0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 98 100',
    'a=rtpmap:96 VP8/90000',
    'a=rtpmap:98 VP9/90000',
    'a=fmtp:98 profile-id=0',
    'a=rtpmap:100 rtx/90000',
    'a=fmtp:100 apt=96',
    '',
  ].join('\r\n');

  it('adds the start bitrate to video codecs only', () => {
    const out = withStartBitrate(sdp, 2500).split('\r\n');
    expect(out).toContain('a=fmtp:96 x-google-start-bitrate=2500');
    expect(out).toContain('a=fmtp:98 profile-id=0;x-google-start-bitrate=2500');
    expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(out).toContain('a=fmtp:100 apt=96');
    expect(out.indexOf('a=fmtp:96 x-google-start-bitrate=2500')).toBe(out.indexOf('a=rtpmap:96 VP8/90000') + 1);
  });

  it('is idempotent', () => {
    expect(withStartBitrate(withStartBitrate(sdp, 2500), 2500)).toBe(withStartBitrate(sdp, 2500));
  });
});

describe('share metadata', () => {
  const valid: ShareMetadata = { app: 'secureconnect', protocol: 1, shareId: 's1', kind: 'tab', preset: 'motion', title: 'A <b>tab</b>' };

  it('accepts valid metadata, titles as plain strings', () => {
    expect(decodeShareMetadata(valid)).toEqual({ ok: true, message: valid });
  });

  it.each([
    ['no metadata', undefined],
    ['another app', { ...valid, app: 'other' }],
    ['an unknown kind', { ...valid, kind: 'screen' }],
    ['an unknown preset', { ...valid, preset: 'ultra' }],
    ['an overlong title', { ...valid, title: 't'.repeat(301) }],
    ['a bad share ID', { ...valid, shareId: '../../x' }],
  ])('rejects %s', (_what, metadata) => {
    expect(decodeShareMetadata(metadata).ok).toBe(false);
  });
});
