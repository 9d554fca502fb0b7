/**
 * The session and its PeerServer: backoff, a taken or refused ID, restarts on settings,
 * the registration token; against fake PeerJS (see `support/session-fixture.ts`).
 */
import { describe, expect, it, vi } from 'vitest';
import { fixtureSettings as settings, useSession } from './support/session-fixture';

describe('PeerSession signaling', () => {
  const t = useSession();

  it('reconnects to the PeerServer with backoff and keeps peer connections meanwhile', async () => {
    const conn = await t.connected();
    t.peer().lostServer();
    await t.flush();
    expect(t.states.at(-1)?.server).toMatchObject({ status: 'offline', error: 'server-unreachable', retryAt: Date.now() + 1000 });
    expect(conn.closed).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(t.peer().reconnects).toBe(1);
    t.peer().lostServer();
    vi.advanceTimersByTime(1999);
    expect(t.peer().reconnects).toBe(1);
    vi.advanceTimersByTime(1);
    expect(t.peer().reconnects).toBe(2);
    t.peer().registered();
    await t.flush();
    expect(t.states.at(-1)?.server.status).toBe('online');
    expect(t.session.sendText('bob-otter-2000', 'still here').ok).toBe(true);
  });

  it('says when our ID is taken and keeps trying', async () => {
    const first = t.peer();
    first.emit('error', Object.assign(new Error('ID "me-otter-1000" is taken'), { type: 'unavailable-id' }));
    first.destroyed = true;
    first.emit('close');
    await t.flush();
    expect(t.states.at(-1)?.server).toMatchObject({ status: 'id-taken', error: 'id-taken' });
    vi.advanceTimersByTime(1000);
    expect(t.peers).toHaveLength(2);
    expect(t.peer().id).toBe('me-otter-1000');
  });

  it('stops retrying on errors that settings must fix', async () => {
    t.peer().emit('error', Object.assign(new Error('bad key'), { type: 'invalid-key' }));
    await t.flush();
    expect(t.states.at(-1)?.server).toEqual({ status: 'offline', error: 'invalid-key', url: 'ws://127.0.0.1:9000/peerjs' });
  });

  it('says "invalid ID" when our PeerServer refuses the ID (PeerJS reports it as a server error)', async () => {
    t.peer().emit('error', Object.assign(new Error('Invalid id provided'), { type: 'server-error' }));
    await t.flush();
    expect(t.states.at(-1)?.server).toMatchObject({ status: 'offline', error: 'invalid-id' });
  });

  it('restarts the peer when settings that matter change, not for a display name', () => {
    t.session.configure({ ...settings, displayName: 'Other' });
    expect(t.peers).toHaveLength(1);
    t.session.configure({ ...settings, peerId: 'new-otter-1000' });
    expect(t.peers).toHaveLength(2);
    expect(t.peers[0]!.destroyed).toBe(true);
    expect(t.peer().id).toBe('new-otter-1000');
  });

  it('registers every Peer of the session with the same PeerServer token, so a ghost of our ID is reclaimed', () => {
    const first = t.peer();
    first.emit('error', Object.assign(new Error('ID taken'), { type: 'unavailable-id' }));
    first.destroyed = true;
    first.emit('close');
    vi.advanceTimersByTime(1000);
    expect(t.peers).toHaveLength(2);
    expect(t.peer().options.token).toMatch(/^[0-9a-f]{32}$/);
    expect(t.peer().options.token).toBe(first.options.token);
  });

  it('registers again when the PeerServer never confirms (it held our ID for a socket it thought alive)', () => {
    t.session.configure({ ...settings, peerId: 'ghost-otter-1000' });
    const stuck = t.peer();
    vi.advanceTimersByTime(3999);
    expect(stuck.disconnected).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stuck.disconnected).toBe(true);
    expect(t.session.getState().server.status).toBe('offline');
    vi.advanceTimersByTime(1000);
    expect(stuck.reconnects).toBe(1);
    stuck.registered();
    vi.advanceTimersByTime(10_000);
    expect(stuck.reconnects).toBe(1);
  });

});
