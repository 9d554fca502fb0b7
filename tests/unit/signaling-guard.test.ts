/** The gate between the PeerServer socket and PeerJS (lib/session/signaling-guard.ts). */
import type { Peer } from 'peerjs';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { guardSignaling, MAX_HELD_CANDIDATES, MAX_HELD_OFFERS, type OfferDecision, type ServerMessage } from '@/lib/session/signaling-guard';

const FP = Array.from({ length: 32 }, (_, i) => (i * 7 % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
const sdp = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 ${FP}\r\n`;

function offer(src: string, connectionId = 'dc_abc123', extra: Record<string, unknown> = {}): ServerMessage {
  return {
    type: 'OFFER',
    src,
    dst: 'me-otter-1000',
    payload: { type: 'data', connectionId, serialization: 'binary', reliable: true, label: connectionId, metadata: { app: 'secureconnect' }, sdp: { type: 'offer', sdp }, ...extra },
  };
}
const candidate = (src: string, connectionId = 'dc_abc123', line = 'candidate:1 1 udp 1 127.0.0.1 5000 typ host'): ServerMessage => ({
  type: 'CANDIDATE',
  src,
  payload: { type: 'data', connectionId, candidate: { candidate: line, sdpMid: '0', sdpMLineIndex: 0 } },
});

function setup(decide: (peerId: string) => OfferDecision = () => 'hold') {
  const passed: ServerMessage[] = [];
  const sent: unknown[] = [];
  const connections = new Set<string>();
  const fake = {
    _handleMessage: (message: ServerMessage) => {
      passed.push(message);
      if (message.type === 'OFFER') connections.add(`${message.src}/${String(message.payload?.connectionId)}`);
    },
    socket: { send: (data: unknown) => sent.push(data) },
    getConnection: (peerId: string, connectionId: string) => (connections.has(`${peerId}/${connectionId}`) ? {} : undefined),
  };
  const policy = { onOffer: vi.fn((o: { peerId: string }) => decide(o.peerId)), onRefused: vi.fn(), onDropped: vi.fn() };
  const guard = guardSignaling(fake as unknown as Peer, policy);
  const deliver = (message: unknown): void => fake._handleMessage(message as ServerMessage);
  return { passed, sent, policy, guard, deliver };
}

describe('guardSignaling', () => {
  it('holds a stranger\'s offer and its candidates unanswered, and hands them to PeerJS on release', () => {
    const { passed, sent, guard, deliver, policy } = setup();
    deliver(offer('stranger-otter-9'));
    deliver(candidate('stranger-otter-9'));
    expect(passed).toEqual([]);
    expect(sent).toEqual([]);
    expect(guard.held()).toEqual(['stranger-otter-9']);
    expect(policy.onOffer).toHaveBeenCalledWith(expect.objectContaining({ peerId: 'stranger-otter-9', kind: 'data', claimedFingerprint: FP, app: 'secureconnect' }));
    expect(guard.release('stranger-otter-9')).toBe(true);
    expect(passed.map((m) => m.type)).toEqual(['OFFER', 'CANDIDATE']);
    expect(guard.held()).toEqual([]);
  });

  it('refuses with a reason the caller can read, in a LEAVE for that one connection', () => {
    const { sent, guard, deliver } = setup();
    deliver(offer('stranger-otter-9', 'dc_q1'));
    guard.refuse('stranger-otter-9', 'declined');
    expect(sent).toEqual([{ type: 'LEAVE', dst: 'stranger-otter-9', payload: { sc: 'declined', connectionId: 'dc_q1' } }]);
    expect(guard.release('stranger-otter-9')).toBe(false);
  });

  it('caps held offers: the ninth stranger is told busy', () => {
    const { sent, guard, deliver } = setup();
    for (let i = 0; i < MAX_HELD_OFFERS + 1; i++) deliver(offer(`stranger-otter-${i}`, `dc_x${i}`));
    expect(guard.held()).toHaveLength(MAX_HELD_OFFERS);
    expect(sent).toEqual([{ type: 'LEAVE', dst: `stranger-otter-${MAX_HELD_OFFERS}`, payload: { sc: 'busy', connectionId: `dc_x${MAX_HELD_OFFERS}` } }]);
  });

  it('bounds what a held offer keeps, and never lets messages for unknown connections reach PeerJS\'s store', () => {
    const { passed, guard, deliver } = setup();
    deliver(offer('stranger-otter-9'));
    for (let i = 0; i < MAX_HELD_CANDIDATES + 50; i++) deliver(candidate('stranger-otter-9'));
    deliver(candidate('stranger-otter-9', 'dc_abc123', 'x'.repeat(3000)));
    // 50 candidates of 2 MB for connections that do not exist: dropped, not stored.
    for (let i = 0; i < 50; i++) deliver(candidate('stranger-otter-8', `dc_n${i}`, 'x'.repeat(2_000_000)));
    expect(passed).toEqual([]);
    guard.release('stranger-otter-9');
    expect(passed.filter((m) => m.type === 'CANDIDATE')).toHaveLength(MAX_HELD_CANDIDATES);
  });

  it('passes offers the session lets through, and what belongs to our own connections', () => {
    const { passed, deliver } = setup(() => 'pass');
    deliver(offer('bob-otter-2000'));
    deliver(candidate('bob-otter-2000'));
    deliver({ type: 'ANSWER', src: 'bob-otter-2000', payload: { connectionId: 'dc_abc123', sdp: { type: 'answer', sdp } } });
    deliver({ type: 'OPEN' });
    deliver({ type: 'EXPIRE', src: 'ghost-otter-1' });
    expect(passed.map((m) => m.type)).toEqual(['OFFER', 'CANDIDATE', 'ANSWER', 'OPEN', 'EXPIRE']);
  });

  it('reads our refusal reasons itself, so only that attempt ends', () => {
    const { passed, policy, deliver } = setup();
    deliver({ type: 'LEAVE', src: 'bob-otter-2000', payload: { sc: 'busy', connectionId: 'dc_1' } });
    expect(policy.onRefused).toHaveBeenCalledWith('bob-otter-2000', 'dc_1', 'busy');
    expect(passed).toEqual([]);
    deliver({ type: 'LEAVE', src: 'bob-otter-2000' });
    expect(passed.map((m) => m.type)).toEqual(['LEAVE']);
  });

  it('forgets a held offer whose sender gave up, and says so', () => {
    const onWithdrawn = vi.fn();
    const { guard, deliver, policy } = setup();
    Object.assign(policy, { onWithdrawn });
    deliver(offer('stranger-otter-9'));
    deliver({ type: 'LEAVE', src: 'stranger-otter-9' });
    expect(guard.held()).toEqual([]);
    expect(onWithdrawn).toHaveBeenCalledWith('stranger-otter-9');
  });

  it.each([
    ['a 65-character ID', offer('a'.repeat(65))],
    ['a Cyrillic look-alike ID', offer('brаve-otter-4821')],
    ['__proto__', offer('__proto__')],
    ['an odd serialization', offer('bob-otter-2000', 'dc_a1', { serialization: 'odd' })],
    ['an unknown connection type', offer('bob-otter-2000', 'dc_a1', { type: 'file' })],
    ['an oversized SDP', offer('bob-otter-2000', 'dc_a1', { sdp: { type: 'offer', sdp: 'x'.repeat(70_000) } })],
    ['oversized metadata', offer('bob-otter-2000', 'dc_a1', { metadata: { pad: 'x'.repeat(3000) } })],
    ['a bad connection ID', offer('bob-otter-2000', 'dc_../../x')],
  ])('drops an offer with %s before anyone sees it', (_name, message) => {
    const { passed, policy, deliver } = setup(() => 'pass');
    deliver(message);
    expect(passed).toEqual([]);
    expect(policy.onOffer).not.toHaveBeenCalled();
    expect(policy.onDropped).toHaveBeenCalled();
  });

  it('survives any message shape', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const { deliver } = setup(() => 'pass');
        deliver(junk);
        deliver({ type: 'OFFER', src: 'bob-otter-2000', payload: junk });
        deliver({ type: 'CANDIDATE', src: 'bob-otter-2000', payload: { connectionId: 'dc_1', candidate: junk } });
      }),
      { numRuns: 2000 },
    );
  });
});
