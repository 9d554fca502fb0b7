/**
 * Reconnecting after a loss: dialling again, the outbox, giving up; against fake PeerJS
 * (see `support/session-fixture.ts`).
 */
import { describe, expect, it, vi } from 'vitest';
import { ack, bye, hello } from '@/lib/protocol/peer';
import type { FakeConnection } from './support/session-fakes';
import { useSession } from './support/session-fixture';

describe('after losing a connection that worked', () => {
  const t = useSession();

  /** The connection drops without a `bye` (e.g. the relay died): the remote side closes under us. */
  async function lose(): Promise<FakeConnection> {
    const conn = await t.connected();
    conn.close();
    return conn;
  }

  it('dials again by itself and shows that it does', async () => {
    await lose();
    expect(t.state().peers[0]).toMatchObject({ state: 'disconnected', reconnecting: { attempt: 0 } });
    // "me-…" sorts after "bob-…": we yield 1.5 s, plus 0.5 s ±20 %.
    vi.advanceTimersByTime(1500 + 399);
    expect(t.peer().outgoing).toHaveLength(1);
    vi.advanceTimersByTime(202);
    expect(t.peer().outgoing).toHaveLength(2);
    const again = t.peer().outgoing[1]!;
    await again.opened();
    again.emit('data', hello('Bob'));
    await t.flush();
    expect(t.state().peers[0]).toMatchObject({ state: 'connected' });
    expect(t.state().peers[0]!.reconnecting).toBeUndefined();
  });

  it('backs off while the peer is unreachable, and gives up after 10 minutes', async () => {
    await lose();
    let attempts = 0;
    for (let ms = 0; ms < 11 * 60_000; ms += 500) {
      vi.advanceTimersByTime(500);
      const latest = t.peer().outgoing.at(-1)!;
      if (t.peer().outgoing.length - 1 > attempts) {
        attempts = t.peer().outgoing.length - 1;
        t.peer().emit('error', Object.assign(new Error(`Could not connect to peer ${latest.peer}`), { type: 'peer-unavailable' }));
      }
    }
    // 0.5, 1, 2, 4, then every 5 s (+1.5 s each): about 90 attempts in 10 minutes, none after.
    expect(attempts).toBeGreaterThan(60);
    expect(attempts).toBeLessThan(120);
    expect(t.state().peers[0]).toMatchObject({ state: 'disconnected' });
    expect(t.state().peers[0]!.reconnecting).toBeUndefined();
  });

  it('queues text typed meanwhile and sends it, after the unacknowledged, once and in order', async () => {
    const conn = await t.connected();
    t.session.sendText('bob-otter-2000', 'first (never acked)');
    conn.close();
    expect(t.session.sendText('bob-otter-2000', 'second (typed while away)')).toEqual({ ok: true, messageId: 'id-2' });
    expect(t.session.sendText('bob-otter-2000', 'third')).toMatchObject({ ok: true });
    expect(t.session.getMessages().map((m) => m.status)).toEqual(['undelivered', 'queued', 'queued']);

    vi.advanceTimersByTime(2100);
    const again = t.peer().outgoing[1]!;
    await again.opened();
    again.emit('data', hello(''));
    await t.flush();
    const texts = again.sent.filter((m): m is { type: 'text'; id: string; text: string } => (m as { type: string }).type === 'text');
    expect(texts.map((m) => [m.id, m.text])).toEqual([
      ['id-1', 'first (never acked)'],
      ['id-2', 'second (typed while away)'],
      ['id-3', 'third'],
    ]);
    expect(t.session.getMessages().map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    for (const id of ['id-1', 'id-2', 'id-3']) again.emit('data', ack(id));
    expect(t.session.getMessages().map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('marks queued text as not sent when the user stops the reconnection', async () => {
    await lose();
    t.session.sendText('bob-otter-2000', 'waiting');
    t.session.disconnect('bob-otter-2000');
    expect(t.session.getMessages()[0]).toMatchObject({ status: 'failed', error: 'not-connected' });
    vi.advanceTimersByTime(60_000);
    expect(t.peer().outgoing).toHaveLength(1);
    expect(t.session.sendText('bob-otter-2000', 'now?')).toEqual({ ok: false, error: 'not-connected' });
  });

  it('does not dial back a peer whose user said bye, and says bye itself on disconnect', async () => {
    const conn = await t.connected();
    conn.emit('data', bye());
    expect(t.state().peers[0]).toMatchObject({ state: 'disconnected' });
    expect(t.state().peers[0]!.reconnecting).toBeUndefined();
    vi.advanceTimersByTime(60_000);
    expect(t.peer().outgoing).toHaveLength(1);

    const second = await t.connected();
    t.session.disconnect('bob-otter-2000');
    expect(second.sent.at(-1)).toEqual(bye());
    // Closed a moment later, so that the bye leaves first.
    expect(second.closed).toBe(false);
    vi.advanceTimersByTime(300);
    expect(second.closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(t.peer().outgoing).toHaveLength(2);
  });

  it('waits for the PeerServer before dialling, and dials as soon as it is back', async () => {
    await lose();
    t.peer().lostServer();
    vi.advanceTimersByTime(5000);
    expect(t.peer().outgoing).toHaveLength(1);
    t.peer().registered();
    vi.advanceTimersByTime(2100);
    expect(t.peer().outgoing).toHaveLength(2);
  });
});
