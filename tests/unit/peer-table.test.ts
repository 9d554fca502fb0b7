/**
 * The peer table on its own (lib/session/peer-table.ts): an attempt's controller, the
 * `bye` grace, what failing and marking disconnected do to the record.
 */
import type { DataConnection } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bye, type PeerMessage } from '@/lib/protocol/peer';
import { BYE_GRACE_MS, PeerTable } from '@/lib/session/peer-table';
import type { RemotePeer } from '@/lib/session/remote-peer';

const BOB = 'bob-otter-2000';

function fakeConn(): DataConnection & { closed: number } {
  const conn = { open: true, peer: BOB, connectionId: 'dc_1', closed: 0, close: () => conn.closed++ };
  return conn as unknown as DataConnection & { closed: number };
}

describe('PeerTable', () => {
  let sent: PeerMessage[];
  let events: string[];
  let table: PeerTable;

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    events = [];
    table = new PeerTable({
      now: () => Date.now(),
      log: { info: () => {}, warn: (line: string) => events.push(`warn ${line}`) },
      send: (_conn, message) => sent.push(message),
      dropSends: () => events.push('drop sends'),
      endAcceptance: () => events.push('end acceptance'),
      refuseOffer: (peerId) => events.push(`refuse ${peerId}`),
      stopReconnecting: () => events.push('stop reconnecting'),
      scheduleReconnect: () => events.push('schedule reconnect'),
      peerGone: (peerId, resuming) => events.push(`gone ${peerId} ${resuming}`),
      changed: () => {},
    });
  });

  afterEach(() => vi.useRealTimers());

  /** A peer with an open connection, in `phase`. */
  function withConnection(phase: RemotePeer['phase']): { entry: RemotePeer; conn: ReturnType<typeof fakeConn>; attempt: AbortController } {
    const entry = table.ensure(BOB, 'me');
    const conn = fakeConn();
    const attempt = new AbortController();
    Object.assign(entry, { conn, attempt, phase, everConnected: phase === 'connected' });
    entry.view = { ...entry.view, state: phase === 'connected' ? 'connected' : 'connecting', connection: conn.connectionId };
    return { entry, conn, attempt };
  }

  it('closing a connection aborts its attempt, clears its timer and drops its queued sends', () => {
    const { entry, conn, attempt } = withConnection('checking');
    const timedOut = vi.fn();
    table.armTimer(entry, 1000, timedOut);
    table.closeConnection(entry);
    expect(attempt.signal.aborted).toBe(true);
    expect(entry.attempt).toBeUndefined();
    expect(entry.conn).toBeUndefined();
    expect(entry.closingByUs).toBe(conn);
    expect(entry.view.connection, 'the pages still show the closed connection').toBeUndefined();
    expect(conn.closed).toBe(1);
    expect(events).toContain('drop sends');
    vi.advanceTimersByTime(2000);
    expect(timedOut).not.toHaveBeenCalled();
  });

  it('after our bye, the connection closes only after the grace, so the bye is delivered', () => {
    const { entry, conn } = withConnection('connected');
    table.sayBye(entry);
    expect(sent).toEqual([bye()]);
    table.closeConnection(entry);
    expect(conn.closed).toBe(0);
    vi.advanceTimersByTime(BYE_GRACE_MS);
    expect(conn.closed).toBe(1);
  });

  it('a failed first attempt is not kept in the list; a peer that was connected is', () => {
    const first = withConnection('opening');
    table.fail(first.entry, 'connect-timeout');
    expect(table.get(BOB)).toBeUndefined();

    const again = withConnection('connected');
    again.entry.accepted = true;
    table.closeConnection(again.entry);
    table.markDisconnected(again.entry, 'peer-disconnected');
    expect(table.get(BOB)).toMatchObject({ phase: 'disconnected', view: { state: 'disconnected', error: 'peer-disconnected' } });
    expect(events).toContain(`gone ${BOB} true`);
    expect(events).toContain('schedule reconnect');
  });

  it('a connection closed by a person, or a peer never accepted, is not dialled again', () => {
    const closed = withConnection('connected');
    closed.entry.accepted = true;
    table.closeConnection(closed.entry);
    table.markDisconnected(closed.entry, undefined);
    expect(events).not.toContain('schedule reconnect');
    expect(events).toContain(`gone ${BOB} false`);

    events.length = 0;
    table.map.delete(BOB);
    const stranger = withConnection('connected');
    table.closeConnection(stranger.entry);
    table.markDisconnected(stranger.entry, 'peer-disconnected');
    expect(events).not.toContain('schedule reconnect');
  });

  it('settles every waiting connect with the outcome, once', () => {
    const { entry } = withConnection('opening');
    const results: unknown[] = [];
    entry.waiters.push((result) => results.push(result), (result) => results.push(result));
    table.fail(entry, 'peer-unavailable');
    table.settle(entry, { ok: true });
    expect(results).toEqual([
      { ok: false, error: 'peer-unavailable' },
      { ok: false, error: 'peer-unavailable' },
    ]);
  });

  it('logs a phase change the rules do not have', () => {
    const { entry } = withConnection('opening');
    table.setPhase(entry, 'connected');
    expect(events.some((line) => line.includes('unexpected phase change opening -> connected'))).toBe(true);
  });
});
