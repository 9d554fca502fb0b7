/**
 * What we send stays within what the peer accepts (lib/session/pacer.ts): an outbox
 * flushed at once after a reconnection, and the acks of a burst we received, would
 * otherwise be dropped unread by the peer's rate limit (docs/protocol.md, "Limits").
 */
import type { Peer } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hello, textMessage } from '@/lib/protocol/peer';
import { Pacer, PACER_QUEUE_MAX, SEND_LIMIT } from '@/lib/session/pacer';
import { PeerSession } from '@/lib/session/peer-session';
import { PEER_MESSAGE_LIMIT, TokenBucket } from '@/lib/session/rate-limit';
import { FakePeer, settings, type FakeConnection } from './support/fake-peer';
import { testLog } from './support/test-log';

/** Replays send times (ms) through the peer's own rate limit: how many it would drop. */
function droppedByPeer(times: number[]): number {
  const bucket = new TokenBucket(PEER_MESSAGE_LIMIT, times[0] ?? 0);
  return times.filter((at) => !bucket.take(at)).length;
}

/** Records when each message of a type goes out on `conn`. */
function timeSends(conn: FakeConnection, type: string): number[] {
  const times: number[] = [];
  const send = conn.send.bind(conn);
  conn.send = (data: unknown) => {
    if ((data as { type?: string }).type === type) times.push(Date.now());
    send(data);
  };
  return times;
}

describe('Pacer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends a burst at once, the rest in order within the limit, and nothing after stop', async () => {
    const pacer = new Pacer(() => Date.now());
    const sent: number[] = [];
    const times: number[] = [];
    for (let n = 0; n < 500; n++) pacer.send(() => (sent.push(n), times.push(Date.now())));
    expect(sent).toHaveLength(SEND_LIMIT.burst);
    await vi.advanceTimersByTimeAsync(((500 - SEND_LIMIT.burst) / SEND_LIMIT.perSecond) * 1000 + 100);
    expect(sent).toEqual(Array.from({ length: 500 }, (_, n) => n));
    expect(droppedByPeer(times)).toBe(0);

    for (let n = 0; n < 200; n++) pacer.send(() => sent.push(n));
    pacer.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pacer.send(() => sent.push(-1))).toBe(false);
    expect(sent.length).toBeLessThan(500 + 200);
  });

  it('refuses beyond PACER_QUEUE_MAX waiting, and a send that throws does not stop the rest', async () => {
    const errors: unknown[] = [];
    const pacer = new Pacer(() => Date.now(), (error) => errors.push(error));
    let sent = 0;
    for (let n = 0; n < SEND_LIMIT.burst; n++) pacer.send(() => sent++);
    expect(pacer.send(() => { throw new Error('closed'); })).toBe(true);
    for (let n = 1; n < PACER_QUEUE_MAX; n++) pacer.send(() => sent++);
    expect(pacer.waiting).toBe(PACER_QUEUE_MAX);
    expect(pacer.send(() => sent++)).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toHaveLength(1);
    expect(sent).toBeGreaterThan(SEND_LIMIT.burst);
    pacer.stop();
  });
});

describe('PeerSession sending within the peer\'s limit', () => {
  let peer: FakePeer;
  let session: PeerSession;
  beforeEach(() => {
    session = new PeerSession({
      createPeer: (id, options) => (peer = new FakePeer(id, options)) as unknown as Peer,
      onState: () => {},
      onMessage: () => {},
      log: testLog,
    });
    session.configure({ ...settings, trusted: ['bob-otter-2000'] });
    peer.emit('open', settings.peerId);
  });
  afterEach(() => session.destroy());

  async function connectBob(): Promise<FakeConnection> {
    const result = session.connect('bob-otter-2000');
    const conn = peer.outgoing.at(-1)!;
    await conn.opened();
    conn.emit('data', hello('Bob'));
    await expect(result).resolves.toEqual({ ok: true });
    return conn;
  }

  it('flushes an outbox of 300 texts after a reconnection without the peer dropping one, in order', async () => {
    const first = await connectBob();
    first.emit('close');
    for (let n = 0; n < 300; n++) expect(session.sendText('bob-otter-2000', `queued ${n}`)).toMatchObject({ ok: true });
    const result = session.connect('bob-otter-2000');
    const conn = peer.outgoing.at(-1)!;
    const times = timeSends(conn, 'text');
    await conn.opened();
    conn.emit('data', hello('Bob'));
    await expect(result).resolves.toEqual({ ok: true });
    await vi.waitFor(() => expect(times).toHaveLength(300), { timeout: 10_000, interval: 100 });
    expect(droppedByPeer(times), 'texts the peer would drop unread').toBe(0);
    const texts = conn.sent.filter((m) => (m as { type?: string }).type === 'text').map((m) => (m as { text: string }).text);
    expect(texts).toEqual(Array.from({ length: 300 }, (_, n) => `queued ${n}`));
  }, 15_000);

  it('acknowledges a burst of 100 texts within the peer\'s limit', async () => {
    const conn = await connectBob();
    const times = timeSends(conn, 'ack');
    // Bob's hello took one of his burst: the rest of it in texts, all within our limit for him.
    const burst = PEER_MESSAGE_LIMIT.burst - 1;
    for (let n = 0; n < burst; n++) conn.emit('data', textMessage(`t${n}`, `burst ${n}`, Date.now()));
    expect(session.getMessages().filter((m) => m.direction === 'in')).toHaveLength(burst);
    await vi.waitFor(() => expect(times).toHaveLength(burst), { timeout: 4000, interval: 100 });
    expect(droppedByPeer(times), 'acks the peer would drop unread').toBe(0);
  });
});
