/**
 * Texts on an open connection, the heartbeat and disconnecting, against fake PeerJS
 * (see `support/session-fixture.ts`).
 */
import { describe, expect, it, vi } from 'vitest';
import { ack, ping, TEXT_MAX_BYTES, textMessage } from '@/lib/protocol/peer';
import { useSession } from './support/session-fixture';

describe('PeerSession texts and heartbeat', () => {
  const t = useSession();

  it('sends text, and marks it delivered on ack', async () => {
    const conn = await t.connected();
    const result = t.session.sendText('bob-otter-2000', 'Привет 👋');
    expect(result).toEqual({ ok: true, messageId: 'id-1' });
    expect(conn.sent.at(-1)).toEqual(textMessage('id-1', 'Привет 👋', Date.now()));
    expect(t.session.getMessages()).toMatchObject([{ id: 'id-1', direction: 'out', status: 'sent', text: 'Привет 👋' }]);
    conn.emit('data', ack('id-1'));
    expect(t.session.getMessages()[0]!.status).toBe('delivered');
    expect(t.events.map((e) => [e.message.status, e.added])).toEqual([
      ['sent', true],
      ['delivered', false],
    ]);
  });

  it('refuses empty, oversized and unconnected sends without recording them', async () => {
    await t.connected();
    expect(t.session.sendText('bob-otter-2000', '  \n')).toEqual({ ok: false, error: 'text-empty' });
    expect(t.session.sendText('bob-otter-2000', 'x'.repeat(TEXT_MAX_BYTES + 1))).toEqual({ ok: false, error: 'text-too-long' });
    expect(t.session.sendText('bob-otter-2000', '€'.repeat(TEXT_MAX_BYTES / 3 + 1))).toEqual({ ok: false, error: 'text-too-long' });
    expect(t.session.sendText('nobody-otter-1', 'hi')).toEqual({ ok: false, error: 'not-connected' });
    expect(t.session.getMessages()).toEqual([]);
  });

  it('keeps a refused send in the history when asked to (context menu)', () => {
    expect(t.session.sendText('nobody-otter-1', 'selected text', true)).toEqual({ ok: false, error: 'not-connected' });
    expect(t.session.getMessages()).toMatchObject([{ text: 'selected text', status: 'failed', error: 'not-connected' }]);
  });

  it('receives text once, acknowledging every copy, and drops invalid messages', async () => {
    const conn = await t.connected();
    conn.emit('data', textMessage('r1', 'hello', 5));
    conn.emit('data', textMessage('r1', 'hello', 5));
    conn.emit('data', { v: 1, type: 'text', id: 'r2', text: '<b>x</b>', sentAt: 5, html: true });
    conn.emit('data', 'garbage');
    expect(t.session.getMessages()).toMatchObject([{ direction: 'in', status: 'received', text: 'hello', peerId: 'bob-otter-2000' }]);
    expect(conn.sent.filter((m) => (m as { type: string }).type === 'ack')).toEqual([ack('r1'), ack('r1')]);
  });

  it('drops messages from a peer over the rate limit', async () => {
    const conn = await t.connected();
    for (let i = 0; i < 150; i++) conn.emit('data', textMessage(`f${i}`, `flood ${i}`, 1));
    // The bucket holds 100: one went to the peer's hello.
    expect(t.session.getMessages()).toHaveLength(99);
    vi.advanceTimersByTime(1000);
    conn.emit('data', textMessage('later', 'after a second', 1));
    expect(t.session.getMessages().at(-1)?.text).toBe('after a second');
  });

  it('pings every 2 s, and takes a pinging peer that falls silent for 6 s as gone', async () => {
    const conn = await t.connected();
    vi.advanceTimersByTime(2000);
    expect(conn.sent.at(-1)).toEqual(ping());
    conn.emit('data', ping());
    vi.advanceTimersByTime(6000);
    expect(t.state().peers[0]!.state).toBe('connected');
    vi.advanceTimersByTime(1000);
    expect(t.state().peers[0]).toMatchObject({ state: 'disconnected', error: 'peer-disconnected' });
    expect(conn.closed).toBe(true);
  });

  it('does not hold peers that never ping (e.g. stock PeerJS) to the heartbeat', async () => {
    await t.connected();
    vi.advanceTimersByTime(60_000);
    expect(t.state().peers[0]!.state).toBe('connected');
  });

  it('marks the peer disconnected and unacked texts not confirmed when the peer leaves', async () => {
    const conn = await t.connected();
    t.session.sendText('bob-otter-2000', 'are you there?');
    conn.close();
    expect(t.state().peers[0]).toMatchObject({ state: 'disconnected', error: 'peer-disconnected' });
    expect(t.session.getMessages()[0]!.status).toBe('undelivered');
  });

  it('disconnects on request without reporting an error', async () => {
    await t.connected();
    expect(t.session.disconnect('bob-otter-2000')).toEqual({ ok: true });
    expect(t.state().peers[0]).toMatchObject({ state: 'disconnected' });
    expect(t.state().peers[0]!.error).toBeUndefined();
    expect(t.state().peers[0]!.connection, 'a closed connection still shown').toBeUndefined();
    t.session.forget('bob-otter-2000');
    expect(t.state().peers).toEqual([]);
  });

});
