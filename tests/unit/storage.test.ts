import { fakeBrowser } from 'wxt/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isPeerId } from '@/lib/ids';
import { DEFAULT_SIGNALING } from '@/lib/settings';
import {
  ACCEPTED_MAX,
  acceptedPeersItem,
  fallbackServersItem,
  iceServersItem,
  loadSessionSettings,
  peerIdItem,
  rememberAccepted,
  signalingItem,
  touchTrustedPeers,
  trustedPeersItem,
} from '@/lib/storage';

describe('stored settings', () => {
  beforeEach(() => {
    fakeBrowser.reset();
  });

  it('makes a peer ID once and keeps it', async () => {
    const first = await loadSessionSettings();
    expect(isPeerId(first.peerId)).toBe(true);
    expect(first.signaling).toEqual(DEFAULT_SIGNALING);
    expect(first.iceServers).toEqual([]);
    const second = await loadSessionSettings();
    expect(second.peerId).toBe(first.peerId);
    expect(await peerIdItem.getValue()).toBe(first.peerId);
  });

  it('replaces invalid stored values by defaults, keeping the valid ones', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await peerIdItem.setValue('kept-otter-1234');
    await signalingItem.setValue({ ...DEFAULT_SIGNALING, port: 70_000 });
    await iceServersItem.setValue([{ url: 'turn:no-credentials.example' }]);
    await fallbackServersItem.setValue([{ ...DEFAULT_SIGNALING, port: 0 }]);
    const settings = await loadSessionSettings();
    expect(settings.fallbackServers).toEqual([]);
    expect(settings.peerId).toBe('kept-otter-1234');
    expect(settings.signaling).toEqual(DEFAULT_SIGNALING);
    expect(settings.iceServers).toEqual([]);
  });

  it('replaces a corrupted peer ID and stores the new one', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await peerIdItem.setValue('not a valid id');
    const settings = await loadSessionSettings();
    expect(isPeerId(settings.peerId)).toBe(true);
    expect(await peerIdItem.getValue()).toBe(settings.peerId);
  });

  it('records when trusted peers were last seen, at most once a minute', async () => {
    await trustedPeersItem.setValue({ 'ann-otter-1000': { name: '', added: 1 } });
    await touchTrustedPeers([{ id: 'ann-otter-1000', name: 'Ann' }, { id: 'stranger-otter-1', name: '' }], 100_000);
    expect(await trustedPeersItem.getValue()).toEqual({ 'ann-otter-1000': { name: 'Ann', added: 1, lastSeen: 100_000 } });
    await touchTrustedPeers([{ id: 'ann-otter-1000', name: 'Ann' }], 130_000);
    expect((await trustedPeersItem.getValue())['ann-otter-1000']!.lastSeen).toBe(100_000);
    await touchTrustedPeers([{ id: 'ann-otter-1000', name: 'Ann' }], 160_000);
    expect((await trustedPeersItem.getValue())['ann-otter-1000']!.lastSeen).toBe(160_000);
  });

  it('stores the name a trusted peer goes by cleaned of bidi and control characters', async () => {
    await trustedPeersItem.setValue({ 'ann-otter-1000': { name: '', added: 1 } });
    await touchTrustedPeers([{ id: 'ann-otter-1000', name: '\u202eAnn\u0000  \u200bLee ' }], 100_000);
    expect((await trustedPeersItem.getValue())['ann-otter-1000']!.name).toBe('Ann Lee');
  });

  it('feeds trusted and blocked IDs to the session settings', async () => {
    await trustedPeersItem.setValue({ 'ann-otter-1000': { name: '', added: 1 } });
    const settings = await loadSessionSettings();
    expect(settings.trusted).toEqual(['ann-otter-1000']);
    expect(settings.blocked).toEqual([]);
  });

  it('keeps accepted peers for the browser session, bounded, and forgets one whose acceptance ended', async () => {
    const fp = (n: number): string => Array(32).fill(n.toString(16).padStart(2, '0').toUpperCase()).join(':');
    await rememberAccepted('bob-otter-2000', fp(1));
    await rememberAccepted('not a peer id', fp(2));
    await rememberAccepted('eve-otter-3000', 'not a fingerprint');
    expect((await loadSessionSettings()).accepted).toEqual({ 'bob-otter-2000': fp(1) });
    await rememberAccepted('bob-otter-2000');
    expect(await acceptedPeersItem.getValue()).toEqual({});
    for (let i = 0; i <= ACCEPTED_MAX; i++) await rememberAccepted(`peer-otter-${i}`, fp(i % 200));
    const kept = Object.keys(await acceptedPeersItem.getValue());
    expect(kept).toHaveLength(ACCEPTED_MAX);
    expect(kept, 'the oldest went first').not.toContain('peer-otter-0');
  });
});

