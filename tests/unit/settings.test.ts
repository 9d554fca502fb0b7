import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNALING,
  iceUrlProblem,
  IceServerSettingSchema,
  SessionSettingsSchema,
  toRtcIceServers,
  validateSettings,
} from '@/lib/settings';

const valid = { peerId: 'brave-otter-4821', displayName: 'Ann', signaling: DEFAULT_SIGNALING, iceServers: [], pins: {}, trusted: [], blocked: [] };

describe('session settings', () => {
  it('accepts the defaults', () => {
    expect(validateSettings(SessionSettingsSchema, valid)).toEqual({ ok: true, value: valid });
  });

  it('trims typed values', () => {
    const result = validateSettings(SessionSettingsSchema, {
      ...valid,
      peerId: ' brave-otter-4821 ',
      signaling: { ...DEFAULT_SIGNALING, host: ' example.org ' },
    });
    expect(result.ok && result.value.peerId).toBe('brave-otter-4821');
    expect(result.ok && result.value.signaling.host).toBe('example.org');
  });

  it.each([
    [{ host: '' }, 'signaling.host', 'host-empty'],
    [{ host: 'http://example.org' }, 'signaling.host', 'host-invalid'],
    [{ host: 'exa mple.org' }, 'signaling.host', 'host-invalid'],
    [{ port: 0 }, 'signaling.port', 'port-range'],
    [{ port: 65536 }, 'signaling.port', 'port-range'],
    [{ port: 80.5 }, 'signaling.port', 'port-range'],
    [{ port: Number.NaN }, 'signaling.port', 'port-range'],
    [{ path: 'peerjs' }, 'signaling.path', 'path-invalid'],
    [{ path: '/has space' }, 'signaling.path', 'path-invalid'],
    [{ key: '' }, 'signaling.key', 'key-invalid'],
    [{ key: 'bad key' }, 'signaling.key', 'key-invalid'],
  ])('rejects signaling %j at %s with %s', (change, path, code) => {
    const result = validateSettings(SessionSettingsSchema, { ...valid, signaling: { ...DEFAULT_SIGNALING, ...change } });
    expect(result).toEqual({ ok: false, problems: [{ path, code }] });
  });

  it('accepts IPv6 and host names', () => {
    for (const host of ['[::1]', 'peer.example.org', 'localhost', '10.0.0.2']) {
      expect(validateSettings(SessionSettingsSchema, { ...valid, signaling: { ...DEFAULT_SIGNALING, host } }).ok).toBe(true);
    }
  });

  it('rejects a bad peer ID and a long display name, reporting both', () => {
    const result = validateSettings(SessionSettingsSchema, { ...valid, peerId: 'no spaces please', displayName: 'x'.repeat(65) });
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'peerId', code: 'peer-id-invalid' },
        { path: 'displayName', code: 'display-name-long' },
      ],
    });
  });
});

describe('fallback PeerServers', () => {
  const other = { ...DEFAULT_SIGNALING, port: 9001 };

  it('accepts up to 8, checked like the main server', () => {
    expect(validateSettings(SessionSettingsSchema, { ...valid, fallbackServers: [other] })).toMatchObject({ ok: true, value: { fallbackServers: [other] } });
    expect(validateSettings(SessionSettingsSchema, { ...valid, fallbackServers: Array(9).fill(other) })).toEqual({
      ok: false,
      problems: [{ path: 'fallbackServers', code: 'servers-too-many' }],
    });
  });

  it('points a bad entry at its field', () => {
    expect(validateSettings(SessionSettingsSchema, { ...valid, fallbackServers: [other, { ...other, host: 'a b' }] })).toEqual({
      ok: false,
      problems: [{ path: 'fallbackServers.1.host', code: 'host-invalid' }],
    });
  });
});

describe('ICE servers', () => {
  it.each([
    'stun:stun.example.org',
    'stun:stun.example.org:3478',
    'stun:[2001:db8::1]:3478',
    'turn:turn.example.org:3478?transport=udp',
    'turn:turn.example.org?transport=tcp',
    'turns:turn.example.org:5349',
  ])('accepts the URL %s', (url) => {
    expect(iceUrlProblem(url)).toBeUndefined();
  });

  it.each([
    'http://stun.example.org',
    'stun://stun.example.org',
    'stun:',
    'stun:host:99999',
    'stun:host?transport=udp',
    'turn:host?transport=sctp',
    'turn:host name',
  ])('rejects the URL %s', (url) => {
    expect(iceUrlProblem(url)).toBe('ice-url-invalid');
  });

  it('wants credentials for TURN but not for STUN', () => {
    expect(validateSettings(IceServerSettingSchema, { url: 'turn:t.example.org' })).toEqual({
      ok: false,
      problems: [{ path: '', code: 'ice-turn-credentials' }],
    });
    expect(validateSettings(IceServerSettingSchema, { url: 'turn:t.example.org', username: 'u', credential: 'p' }).ok).toBe(true);
    expect(validateSettings(IceServerSettingSchema, { url: 'stun:s.example.org' }).ok).toBe(true);
  });

  it('points a bad URL at the url field of its entry', () => {
    const result = validateSettings(SessionSettingsSchema, { ...valid, iceServers: [{ url: 'stun:ok.example' }, { url: 'nope' }] });
    expect(result).toEqual({ ok: false, problems: [{ path: 'iceServers.1.url', code: 'ice-url-invalid' }] });
  });

  it('converts to RTCIceServer entries', () => {
    expect(
      toRtcIceServers([{ url: 'stun:s.example' }, { url: 'turn:t.example', username: 'u', credential: 'p' }]),
    ).toEqual([{ urls: 'stun:s.example' }, { urls: 'turn:t.example', username: 'u', credential: 'p' }]);
  });
});
