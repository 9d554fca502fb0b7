/**
 * The answering side speaks second (lib/session/send-gate.ts). Chromium 156 lost the
 * answerer's first message at the dialler now and then (the bench's warm connects):
 * its `hello` never came, its `ping` and `sas-commit` did, and the dialler waited two
 * minutes for a `hello`, then reported connection-declined.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hello, ping } from '@/lib/protocol/peer';
import type { PeerSession } from '@/lib/session/peer-session';
import { SEND_GATE_MAX, SEND_GATE_MS, SendGate } from '@/lib/session/send-gate';
import { settings, startFakeSession, type FakePeer } from './support/fake-peer';

const typeOf = (message: unknown): string | undefined => (message as { type?: string }).type;

describe('SendGate', () => {
  afterEach(() => vi.useRealTimers());

  it('holds sends until opened, then runs them in order; later sends go at once', () => {
    const gate = new SendGate();
    const ran: number[] = [];
    gate.send(() => ran.push(1));
    gate.send(() => ran.push(2));
    expect(ran).toEqual([]);
    gate.open();
    gate.send(() => ran.push(3));
    expect(ran).toEqual([1, 2, 3]);
  });

  it('opens by itself SEND_GATE_MS after the channel opened', () => {
    vi.useFakeTimers();
    const gate = new SendGate();
    const ran: number[] = [];
    gate.send(() => ran.push(1));
    gate.channelOpened();
    vi.advanceTimersByTime(SEND_GATE_MS - 1);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1]);
  });

  it('refuses beyond SEND_GATE_MAX and drops everything once closed', () => {
    const gate = new SendGate();
    let ran = 0;
    for (let i = 0; i < SEND_GATE_MAX; i++) expect(gate.send(() => ran++)).toBe(true);
    expect(gate.send(() => ran++)).toBe(false);
    gate.close();
    gate.open();
    expect(gate.send(() => ran++)).toBe(false);
    expect(ran).toBe(0);
  });
});

describe('PeerSession: who speaks first on a new connection', () => {
  let peer: FakePeer;
  let session: PeerSession;
  const view = (id: string) => session.getState().peers.find((p) => p.id === id);
  const settle = async (until: () => boolean): Promise<void> => {
    for (let i = 0; i < 2000 && !until(); i++) await new Promise((resolve) => setImmediate(resolve));
  };

  beforeEach(() => {
    ({ session } = startFakeSession((made) => (peer = made)));
    session.configure({ ...settings, trusted: ['bob-otter-2000'] });
  });
  afterEach(() => {
    session.destroy();
    vi.useRealTimers();
  });

  it('answering, sends nothing until the dialler has spoken, then its hello first', async () => {
    peer.deliver('bob-otter-2000');
    const conn = peer.answered[0]!;
    conn.open = true;
    conn.emit('open');
    // The certificate is read and the peer established, but the dialler has not been heard.
    await settle(() => view('bob-otter-2000')?.state === 'connected');
    expect(view('bob-otter-2000')?.state).toBe('connected');
    expect(conn.sent).toEqual([]);
    conn.emit('data', hello('Bob'));
    expect(typeOf(conn.sent[0])).toBe('hello');
    expect(conn.sent.map(typeOf)).toEqual(expect.arrayContaining(['hello', 'ping']));
  });

  it('answering a dialler that never speaks, speaks anyway after SEND_GATE_MS', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    peer.deliver('bob-otter-2000');
    const conn = peer.answered[0]!;
    conn.open = true;
    conn.emit('open');
    await settle(() => view('bob-otter-2000')?.state === 'connected');
    expect(conn.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(SEND_GATE_MS);
    expect(typeOf(conn.sent[0])).toBe('hello');
  });

  it('dialling, connects on the answer\'s first message even when its hello was lost', async () => {
    const dialled = session.connect('bob-otter-2000');
    const conn = peer.outgoing[0]!;
    await conn.opened();
    expect(view('bob-otter-2000')).toMatchObject({ state: 'connecting', waiting: 'their-answer' });
    conn.emit('data', ping());
    await expect(dialled).resolves.toEqual({ ok: true });
    expect(view('bob-otter-2000')?.state).toBe('connected');
  });
});
