/**
 * TURN credentials from the PeerServer and relay only, against fake PeerJS.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeerSession } from '@/lib/session/peer-session';
import { fakePeers, type FakePeer } from './support/session-fakes';
import { testLog } from './support/test-log';
import { fixtureSettings as settings } from './support/session-fixture';

describe('PeerSession with relay only and TURN credentials from the PeerServer', () => {
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  let created: FakePeer[];
  let fetches: string[];
  let answers: Array<() => Promise<Response>>;
  let session: PeerSession;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-11-21T12:00:00Z'));
    fetches = [];
    answers = [];
    const made = fakePeers();
    created = made.peers;
    session = new PeerSession({
      createPeer: made.createPeer,
      onState: () => {},
      onMessage: () => {},
      fetch: ((url: string) => {
        fetches.push(url);
        const next = answers.shift();
        return next ? next() : Promise.reject(new TypeError('Failed to fetch'));
      }) as typeof fetch,
      log: testLog,
    });
  });

  afterEach(() => {
    session.destroy();
    vi.useRealTimers();
  });

  const minted = (ttlSeconds: number, password = 'c2VjcmV0'): (() => Promise<Response>) => () => {
    const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
    const body = { urls: ['turn:127.0.0.1:3478?transport=udp'], username: `${expiresAt}:me-otter-1000`, credential: password, expiresAt, ttlSeconds };
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  };

  it('fetches credentials once registered, with its PeerServer token, uses them with relay only, and renews them at half-life', async () => {
    answers.push(minted(600, 'Zmlyc3Q='), minted(600, 'c2Vjb25k'));
    session.configure({ ...settings, relayOnly: true, turnFromServer: true, iceServers: [] });
    expect(session.getState().turn).toEqual({ status: 'fetching' });
    // The PeerServer mints only for a peer registered with the token it shows: register first.
    expect(created).toHaveLength(1);
    await flush();
    expect(fetches).toEqual([]);
    created[0]!.registered();
    await flush();
    const token = (created[0]!.options as { token?: string }).token;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(fetches).toEqual([`http://127.0.0.1:9000/peerjs/turn-credentials?peerId=me-otter-1000&token=${token}`]);
    const config = created[0]!.options.config!;
    expect(config.iceTransportPolicy).toBe('relay');
    expect(config.iceServers).toEqual([{ urls: 'turn:127.0.0.1:3478?transport=udp', username: expect.stringMatching(/:me-otter-1000$/), credential: 'Zmlyc3Q=' }]);
    expect(session.getState()).toMatchObject({ relayOnly: true, turn: { status: 'ready' } });

    vi.advanceTimersByTime(300_000);
    await flush();
    expect(fetches).toHaveLength(2);
    // Same config object, new password: PeerJS reads it for every new RTCPeerConnection.
    expect(created[0]!.options.config!.iceServers![0]!.credential).toBe('c2Vjb25k');
    expect(created).toHaveLength(1);
  });

  it('keeps valid credentials when a renewal fails, and says so once they are gone', async () => {
    answers.push(minted(20));
    session.configure({ ...settings, relayOnly: true, turnFromServer: true, iceServers: [] });
    created[0]!.registered();
    await flush();
    vi.advanceTimersByTime(10_000); // renewal at half-life fails (no answer queued)
    await flush();
    expect(session.getState().turn?.status).toBe('ready');
    vi.advanceTimersByTime(15_000); // expired, next retries fail too
    await flush();
    expect(session.getState().turn).toEqual({ status: 'failed', error: 'turn-credentials-failed' });
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'turn-credentials-failed' });
  });

  it('registers anyway when the endpoint fails, and refuses relay-only connections without a TURN server', async () => {
    session.configure({ ...settings, relayOnly: true, turnFromServer: true, iceServers: [] });
    await flush();
    expect(created).toHaveLength(1);
    created[0]!.registered();
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'turn-credentials-failed' });

    session.configure({ ...settings, relayOnly: true, iceServers: [{ url: 'stun:stun.example.org' }] });
    created.at(-1)!.registered();
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'relay-unconfigured' });
  });
});
