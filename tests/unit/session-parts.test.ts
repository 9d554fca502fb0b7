/**
 * Parts of the session on their own: the router of what peers send
 * (lib/session/peer-messages.ts), the reconnector (lib/session/reconnector.ts) and
 * consent (lib/session/consent.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DataConnection } from 'peerjs';
import { hello, textMessage, type PeerMessage } from '@/lib/protocol/peer';
import { CONSENT_BUFFER_LIMIT, MessageRouter, type MessageRouterHost } from '@/lib/session/peer-messages';
import { PEER_MESSAGE_LIMIT } from '@/lib/session/rate-limit';
import { RECONNECT_WINDOW_MS } from '@/lib/session/reconnect';
import { Reconnector, type ReconnectorHost } from '@/lib/session/reconnector';
import { Consent } from '@/lib/session/consent';
import { MAX_HELD_OFFERS } from '@/lib/session/signaling-guard';
import { settings } from './support/fake-peer';
import type { Phase, RemotePeer } from '@/lib/session/remote-peer';

const remote = (phase: Phase): RemotePeer => ({ view: { id: 'bob-otter-2000', state: 'connecting', name: '', initiator: 'me', since: 0 }, phase, everConnected: false, waiters: [] });
const conn = {} as DataConnection;

function router() {
  const sent: PeerMessage[] = [];
  const added: string[] = [];
  const events: string[] = [];
  const host: MessageRouterHost = {
    now: () => 0,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    history: { has: (id) => added.includes(id), add: (fields) => (added.push(fields.id ?? ''), fields.id ?? ''), delivered: () => {} },
    shares: { onSignal: () => {} },
    send: (_conn, message) => sent.push(message),
    establish: (entry) => (events.push('establish'), (entry.phase = 'connected')),
    ended: () => events.push('ended'),
    changed: () => {},
  };
  return { router: new MessageRouter(host), sent, added, events };
}

describe('MessageRouter', () => {
  it('keeps messages while nothing is decided, room for setup messages behind a full buffer, then replays in order', () => {
    const { router: r, sent, added, events } = router();
    const entry = remote('checking');
    for (let i = 0; i < CONSENT_BUFFER_LIMIT + 5; i++) r.receive(entry, conn, textMessage(`t${i}`, `text ${i}`, 1));
    r.receive(entry, conn, hello('Bob'));
    expect(entry.buffered).toHaveLength(CONSENT_BUFFER_LIMIT + 1);
    expect(added).toEqual([]);
    entry.phase = 'awaiting-hello';
    entry.conn = conn;
    r.replay(entry, conn);
    // The first text proves their yes (see send-gate.ts); every kept text arrives once and is acknowledged.
    expect(events[0]).toBe('establish');
    expect(added).toHaveLength(CONSENT_BUFFER_LIMIT);
    expect(sent.filter((m) => m.type === 'ack')).toHaveLength(CONSENT_BUFFER_LIMIT);
  });

  it('drops what is over the rate limit before decoding, and a repeated text is acknowledged, not added twice', () => {
    const { router: r, sent, added } = router();
    const entry = remote('connected');
    entry.conn = conn;
    for (let i = 0; i < PEER_MESSAGE_LIMIT.burst + 10; i++) r.receive(entry, conn, textMessage('same', 'again', 1));
    expect(added).toEqual(['bob-otter-2000:same']);
    expect(sent).toHaveLength(PEER_MESSAGE_LIMIT.burst);
    expect(entry.dropped).toBe(10);
  });

  it('a bye ends the connection; an invalid message changes nothing', () => {
    const { router: r, events } = router();
    const entry = remote('connected');
    r.receive(entry, conn, { v: 1, type: 'text', id: 'x' });
    expect(events).toEqual([]);
    r.receive(entry, conn, { v: 1, type: 'bye' });
    expect(events).toEqual(['ended']);
  });
});

describe('Reconnector', () => {
  afterEach(() => vi.useRealTimers());

  function reconnector(online = true) {
    let now = 0;
    const dialled: string[] = [];
    const gaveUp: string[] = [];
    const host: ReconnectorHost = {
      now: () => now,
      log: { info: () => {}, warn: () => {}, error: () => {} },
      ownId: () => 'alice-otter-1000',
      isCurrent: () => true,
      online: () => online,
      dial: async (id) => (dialled.push(id), { ok: false }),
      giveUp: (entry) => gaveUp.push(entry.view.id),
      changed: () => {},
    };
    return { r: new Reconnector(host), dialled, gaveUp, setNow: (t: number) => (now = t), setOnline: (value: boolean) => (online = value) };
  }

  it('dials a lost peer on its backoff steps, again after each failure, and shows the next try', async () => {
    vi.useFakeTimers();
    const { r, dialled } = reconnector();
    const entry = remote('disconnected');
    entry.view = { ...entry.view, state: 'disconnected' };
    entry.lostAt = 0;
    r.schedule(entry);
    expect(entry.view.reconnecting?.attempt).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(dialled.length).toBeGreaterThanOrEqual(2);
    expect(entry.view.reconnecting?.attempt).toBe(dialled.length);
  });

  it('waits while the PeerServer is away, gives up when the window closed, and stop ends it', async () => {
    vi.useFakeTimers();
    const { r, dialled, gaveUp, setNow, setOnline } = reconnector(false);
    const entry = remote('disconnected');
    entry.view = { ...entry.view, state: 'disconnected' };
    entry.lostAt = 0;
    r.schedule(entry);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(dialled).toEqual([]);
    setOnline(true);
    setNow(RECONNECT_WINDOW_MS + 1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(dialled).toEqual([]);
    expect(gaveUp).toEqual(['bob-otter-2000']);
    expect(entry.view.reconnecting).toBeUndefined();
    expect(entry.lostAt).toBeUndefined();
  });
});

describe('Consent.decide', () => {
  function consent(held: string[] = []) {
    const asked: string[] = [];
    const peers = new Map<string, RemotePeer>();
    const c = new Consent({
      now: () => 0,
      log: { info: () => {}, warn: () => {}, error: () => {} },
      settings: () => ({ ...settings, trusted: ['trusted-otter-1'], blocked: ['blocked-otter-1'] }),
      peers,
      guard: () => ({ held: () => held, release: () => false, refuse: () => {}, withdraw: () => {} }),
      isTrusted: (id) => id === 'trusted-otter-1',
      ask: (id) => asked.push(id),
      isAsking: () => false,
      setPhase: (entry, phase) => (entry.phase = phase),
      clearConnectTimer: () => {},
      closeConnection: () => {},
      fail: () => {},
      sendHello: () => {},
      establish: () => {},
      replay: () => {},
      changed: () => {},
      remember: () => {},
    });
    return { c, asked, peers };
  }
  const offer = (peerId: string, kind: 'data' | 'media' = 'data') => ({ peerId, connectionId: 'dc_x', kind });

  it('answers at once only whom it may: ourselves dropped, blocked declined, trusted passed, a call without a connection dropped', () => {
    const { c, asked } = consent();
    expect(c.decide(offer(settings.peerId))).toBe('drop');
    expect(c.decide(offer('blocked-otter-1'))).toBe('declined');
    expect(c.decide(offer('trusted-otter-1'))).toBe('pass');
    expect(c.decide(offer('stranger-otter-1', 'media'))).toBe('drop');
    expect(asked).toEqual([]);
  });

  it('holds a stranger\'s offer and asks our user; busy once MAX_HELD_OFFERS wait; declined while a decline lasts', () => {
    const { c, asked, peers } = consent();
    expect(c.decide(offer('stranger-otter-1'))).toBe('hold');
    expect(asked).toEqual(['stranger-otter-1']);
    expect(peers.get('stranger-otter-1')).toMatchObject({ phase: 'offer-held', mustAsk: true, view: { waiting: 'our-answer' } });
    clearTimeout(peers.get('stranger-otter-1')!.connectTimer);
    const full = consent(Array.from({ length: MAX_HELD_OFFERS }, (_, i) => `waiting-otter-${i}`));
    expect(full.c.decide(offer('stranger-otter-2'))).toBe('busy');
    full.c.declined.decline('stranger-otter-3', 0);
    expect(full.c.decide(offer('stranger-otter-3'))).toBe('declined');
  });
});
