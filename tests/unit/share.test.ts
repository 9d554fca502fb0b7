/**
 * The share state machine, with stand-ins for PeerJS's MediaConnection and for capture
 * (`support/share-fakes.ts`; end-to-end tests use the real ones).
 */
import type { MediaConnection } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CodedError } from '@/lib/errors';
import { shareSignal, type PeerMessage, type ShareMetadata } from '@/lib/protocol/peer';
import type { ShareView } from '@/lib/protocol/runtime';
import type { MediaAccess } from '@/lib/session/media';
import { ENDED_SHARE_TTL_MS, RESUME_WINDOW_MS, ShareManager } from '@/lib/session/shares';
import { FakeCall, fakeStream } from './support/share-fakes';

describe('ShareManager', () => {
  let sent: Array<[string, PeerMessage]>;
  let calls: FakeCall[];
  let offers: ShareView[];
  let connected: Set<string>;
  let streams: Array<ReturnType<typeof fakeStream>>;
  let playbackStopped: number;
  let manager: ShareManager;
  let ids: number;

  const media: MediaAccess = {
    open: async (kind) => {
      if (kind === 'mic' && !connected.has('mic-ok')) throw new CodedError('mic-denied');
      const stream = fakeStream();
      streams.push(stream);
      return stream;
    },
    playBack: () => ({ level: () => 0.25, stop: () => playbackStopped++ }),
  };

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    calls = [];
    offers = [];
    streams = [];
    playbackStopped = 0;
    ids = 0;
    connected = new Set(['bob-otter-2000']);
    manager = new ShareManager(
      {
        call: (peerId, _stream, metadata) => {
          const call = new FakeCall(peerId, metadata);
          calls.push(call);
          return call as unknown as MediaConnection;
        },
        send: (peerId, message) => {
          sent.push([peerId, message]);
          return connected.has(peerId);
        },
        isConnected: (peerId) => connected.has(peerId),
        changed: () => {},
        offered: (share) => offers.push(share),
        now: () => 1000,
        newId: () => `share-${++ids}`,
        log: { info: () => {}, warn: () => {}, error: () => {} },
      },
      media,
    );
  });

  afterEach(() => {
    manager.destroy();
    vi.useRealTimers();
  });

  const startTab = () => manager.start({ peerId: 'bob-otter-2000', kind: 'tab', preset: 'motion', streamId: 'sid', tabId: 7, title: 'Video' });

  it('offers a tab share with metadata, goes live on accept, and releases everything on stop', async () => {
    await expect(startTab()).resolves.toEqual({ ok: true, shareId: 'share-1' });
    expect(calls[0]!.metadata).toEqual({ app: 'secureconnect', protocol: 1, shareId: 'share-1', kind: 'tab', preset: 'motion', title: 'Video' });
    expect(streams[0]!.tracks[0]!.contentHint).toBe('motion');
    expect(manager.list()).toMatchObject([{ id: 'share-1', direction: 'out', state: 'offering', tabId: 7 }]);

    manager.onSignal('bob-otter-2000', shareSignal('share-accept', 'share-1'));
    expect(manager.list()[0]!.state).toBe('live');

    expect(manager.stop('share-1')).toEqual({ ok: true });
    expect(sent).toContainEqual(['bob-otter-2000', shareSignal('share-end', 'share-1')]);
    expect(streams[0]!.tracks.every((t) => t.stopped)).toBe(true);
    expect(playbackStopped).toBe(1);
    expect(calls[0]!.closed).toBe(true);
    expect(manager.list()[0]!.state).toBe('ended');
    vi.advanceTimersByTime(ENDED_SHARE_TTL_MS);
    expect(manager.list()).toEqual([]);
  });

  it('plays the captured tab back and reports its level', async () => {
    await startTab();
    vi.advanceTimersByTime(1000);
    expect(manager.list()[0]!.playbackLevel).toBe(0.25);
  });

  it('stops when the captured tab closes (its tracks end), telling the peer', async () => {
    await startTab();
    streams[0]!.tracks[0]!.dispatchEvent(new Event('ended'));
    expect(manager.list()[0]!.state).toBe('ended');
    expect(sent).toContainEqual(['bob-otter-2000', shareSignal('share-end', 'share-1')]);
  });

  it('is told of a decline, and ignores signals from other peers', async () => {
    await startTab();
    manager.onSignal('mallory-otter-1', shareSignal('share-decline', 'share-1'));
    expect(manager.list()[0]!.state).toBe('offering');
    manager.onSignal('bob-otter-2000', shareSignal('share-decline', 'share-1'));
    expect(manager.list()[0]).toMatchObject({ state: 'declined', error: 'share-declined' });
    expect(streams[0]!.tracks.every((t) => t.stopped)).toBe(true);
  });

  it('replaces a running tab share with a new one, but keeps the microphone separate', async () => {
    connected.add('mic-ok');
    await startTab();
    await manager.start({ peerId: 'bob-otter-2000', kind: 'mic', preset: 'motion', title: '' });
    await startTab();
    expect(manager.list().map((s) => [s.id, s.kind, s.state])).toEqual([
      ['share-1', 'tab', 'ended'],
      ['share-2', 'mic', 'offering'],
      ['share-3', 'tab', 'offering'],
    ]);
  });

  it('refuses to share with a peer that is not connected, and reports a refused microphone', async () => {
    await expect(manager.start({ peerId: 'nobody-1', kind: 'tab', preset: 'motion', title: '' })).resolves.toEqual({
      ok: false,
      error: 'not-connected',
    });
    await expect(manager.start({ peerId: 'bob-otter-2000', kind: 'mic', preset: 'motion', title: '' })).resolves.toEqual({
      ok: false,
      error: 'mic-denied',
    });
    expect(calls).toEqual([]);
  });

  describe('receiving', () => {
    const metadata: ShareMetadata = { app: 'secureconnect', protocol: 1, shareId: 'in-1', kind: 'tab', preset: 'detail', title: 'Doc' };

    it('holds an incoming call until the user answers, then accepts and keeps the stream for the viewer', () => {
      const call = new FakeCall('bob-otter-2000', metadata);
      manager.onCall(call as unknown as MediaConnection);
      expect(offers).toMatchObject([{ id: 'in-1', peerId: 'bob-otter-2000', direction: 'in', state: 'incoming', title: 'Doc' }]);
      expect(call.answered).toBe(false);

      expect(manager.answer('in-1', true)).toEqual({ ok: true });
      expect(call.answered).toBe(true);
      expect(call.answerOptions?.sdpTransform?.('a=rtpmap:96 VP8/90000')).toBe('a=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=1500');
      expect(sent).toContainEqual(['bob-otter-2000', shareSignal('share-accept', 'in-1')]);
      const remote = fakeStream();
      call.emit('stream', remote);
      call.emit('stream', remote);
      expect(manager.streams.get('in-1')).toBe(remote);
      expect(manager.list()[0]!.state).toBe('live');

      manager.onSignal('bob-otter-2000', shareSignal('share-end', 'in-1'));
      expect(manager.list()[0]!.state).toBe('ended');
      expect(manager.streams.has('in-1')).toBe(false);
    });

    it('declines: closes the call and tells the sender', () => {
      const call = new FakeCall('bob-otter-2000', metadata);
      manager.onCall(call as unknown as MediaConnection);
      expect(manager.answer('in-1', false)).toEqual({ ok: true });
      expect(call.closed).toBe(true);
      expect(call.answered).toBe(false);
      expect(sent).toContainEqual(['bob-otter-2000', shareSignal('share-decline', 'in-1')]);
    });

    it('refuses calls from peers without a connection, and calls with bad metadata', () => {
      const stranger = new FakeCall('stranger-1', metadata);
      manager.onCall(stranger as unknown as MediaConnection);
      const bad = new FakeCall('bob-otter-2000', { ...metadata, kind: 'screen' });
      manager.onCall(bad as unknown as MediaConnection);
      expect(stranger.closed).toBe(true);
      expect(bad.closed).toBe(true);
      expect(offers).toEqual([]);
    });

    it('ends the shares of a peer that goes away', () => {
      manager.onCall(new FakeCall('bob-otter-2000', metadata) as unknown as MediaConnection);
      manager.onPeerGone('bob-otter-2000');
      expect(manager.list()[0]).toMatchObject({ state: 'ended', error: 'peer-disconnected' });
    });
  });

  describe('across a lost connection', () => {
    const metadata: ShareMetadata = { app: 'secureconnect', protocol: 1, shareId: 'in-1', kind: 'tab', preset: 'motion', title: 'Live' };

    it('the sender pauses with its capture kept, then calls again with the same share ID', async () => {
      await startTab();
      manager.onSignal('bob-otter-2000', shareSignal('share-accept', 'share-1'));
      connected.delete('bob-otter-2000');
      manager.onPeerGone('bob-otter-2000', true);
      expect(manager.list()[0]).toMatchObject({ id: 'share-1', state: 'paused' });
      expect(calls[0]!.closed).toBe(true);
      expect(streams[0]!.tracks.some((t) => t.stopped)).toBe(false);

      connected.add('bob-otter-2000');
      manager.onPeerBack('bob-otter-2000');
      expect(calls).toHaveLength(2);
      expect(calls[1]!.metadata).toEqual(calls[0]!.metadata);
      expect(manager.list()[0]!.state).toBe('offering');
      manager.onSignal('bob-otter-2000', shareSignal('share-accept', 'share-1'));
      expect(manager.list()[0]!.state).toBe('live');
      // The old call closing late does not end the resumed share.
      calls[0]!.emit('close');
      expect(manager.list()[0]!.state).toBe('live');
    });

    /** An incoming share, accepted and live, paused by a lost connection that is being resumed. */
    const pausedIncoming = (): void => {
      const first = new FakeCall('bob-otter-2000', metadata);
      manager.onCall(first as unknown as MediaConnection);
      manager.answer('in-1', true);
      first.emit('stream', fakeStream());
      manager.onPeerGone('bob-otter-2000', true);
    };

    it('the receiver answers the call of a share it had accepted without asking again', () => {
      pausedIncoming();
      expect(manager.list()[0]).toMatchObject({ state: 'paused' });
      expect(manager.streams.has('in-1')).toBe(false);

      const again = new FakeCall('bob-otter-2000', metadata);
      manager.onCall(again as unknown as MediaConnection);
      expect(again.answered).toBe(true);
      expect(offers).toHaveLength(1);
      const stream = fakeStream();
      again.emit('stream', stream);
      expect(manager.streams.get('in-1')).toBe(stream);
      expect(manager.list()[0]!.state).toBe('live');
    });

    it('the receiver keeps a resumed call that comes before its side of the reconnection is set up, and answers it then', () => {
      pausedIncoming();
      // The sender is connected again and calls; our side still checks the peer's identity.
      connected.delete('bob-otter-2000');
      const again = new FakeCall('bob-otter-2000', metadata);
      manager.onCall(again as unknown as MediaConnection);
      expect(again.closed).toBe(false);
      expect(again.answered).toBe(false);
      connected.add('bob-otter-2000');
      manager.onPeerBack('bob-otter-2000');
      expect(again.answered).toBe(true);
      again.emit('stream', fakeStream());
      expect(manager.list()[0]!.state).toBe('live');
      expect(offers).toHaveLength(1);
    });

    it('ends a paused share that is not resumed in time, releasing the capture', async () => {
      await startTab();
      manager.onPeerGone('bob-otter-2000', true);
      vi.advanceTimersByTime(RESUME_WINDOW_MS);
      expect(manager.list()[0]).toMatchObject({ state: 'ended', error: 'peer-disconnected' });
      expect(streams[0]!.tracks.every((t) => t.stopped)).toBe(true);
    });

    it('an incoming offer not yet answered ends; offered again after the reconnection, it is asked again', () => {
      manager.onCall(new FakeCall('bob-otter-2000', metadata) as unknown as MediaConnection);
      manager.onPeerGone('bob-otter-2000', true);
      expect(manager.list()[0]).toMatchObject({ state: 'ended' });
      const again = new FakeCall('bob-otter-2000', metadata);
      manager.onCall(again as unknown as MediaConnection);
      expect(again.closed).toBe(false);
      expect(again.answered).toBe(false);
      expect(offers).toHaveLength(2);
      expect(manager.list()).toMatchObject([{ id: 'in-1', state: 'incoming' }]);
    });
  });
});
