import { describe, expect, it } from 'vitest';
import { CodedError } from '@/lib/errors';
import { reconnectDelayMs, shouldReconnect, RECONNECT_WINDOW_MS } from '@/lib/session/reconnect';
import { fetchTurnCredentials, toIceServers, turnRefreshDelayMs } from '@/lib/session/turn-client';
import { relayOnlyProblem, turnCredentialsUrl, DEFAULT_SIGNALING } from '@/lib/settings';

const NOW = Date.UTC(2026, 10, 21, 12);
const answer = (body: unknown, status = 200) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
const good = { urls: ['turn:127.0.0.1:3478', 'turns:turn.example.org:5349'], username: `${NOW / 1000 + 600}:alice-otter-1`, credential: 'abc=', expiresAt: NOW / 1000 + 600, ttlSeconds: 600 };

describe('fetchTurnCredentials', () => {
  it('returns well-formed credentials and turns them into one RTCIceServer per URL', async () => {
    const credentials = await fetchTurnCredentials('http://x/turn-credentials', answer(good), NOW);
    expect(toIceServers(credentials)).toEqual([
      { urls: 'turn:127.0.0.1:3478', username: good.username, credential: 'abc=' },
      { urls: 'turns:turn.example.org:5349', username: good.username, credential: 'abc=' },
    ]);
  });

  it('fails with turn-credentials-failed on an error status, a network error, junk, non-TURN URLs or expired credentials', async () => {
    const cases: Array<typeof fetch> = [
      answer({ error: 'off' }, 404),
      (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
      (async () => new Response('<html>', { status: 200 })) as unknown as typeof fetch,
      answer({ ...good, urls: ['stun:127.0.0.1:3478'] }),
      answer({ ...good, urls: ['javascript:alert(1)'] }),
      answer({ ...good, credential: '' }),
      answer({ ...good, expiresAt: NOW / 1000 - 1 }),
    ];
    for (const fetchFn of cases) {
      const failure = await fetchTurnCredentials('http://x/turn-credentials', fetchFn, NOW).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CodedError);
      expect((failure as CodedError).code).toBe('turn-credentials-failed');
    }
  });

  it('renews at half the remaining lifetime, within 5 s and 12 h', () => {
    expect(turnRefreshDelayMs({ expiresAt: NOW / 1000 + 600 }, NOW)).toBe(300_000);
    expect(turnRefreshDelayMs({ expiresAt: NOW / 1000 + 4 }, NOW)).toBe(5000);
    expect(turnRefreshDelayMs({ expiresAt: NOW / 1000 + 7 * 86_400 }, NOW)).toBe(12 * 3600 * 1000);
  });
});

describe('settings for TURN', () => {
  it('puts the credentials endpoint beside the WebSocket, under the same path, with the PeerServer token', () => {
    expect(turnCredentialsUrl(DEFAULT_SIGNALING, 'alice-otter-1', '0a1b2c')).toBe(
      'http://127.0.0.1:9000/peerjs/turn-credentials?peerId=alice-otter-1&token=0a1b2c',
    );
    expect(turnCredentialsUrl({ ...DEFAULT_SIGNALING, host: 'peers.example.org', port: 443, secure: true, path: '/peerjs/tok3n/' }, 'a-b-1', 'ff')).toBe(
      'https://peers.example.org:443/peerjs/tok3n/turn-credentials?peerId=a-b-1&token=ff',
    );
    expect(turnCredentialsUrl({ ...DEFAULT_SIGNALING, host: '::1' }, 'a-b-1', 't')).toBe('http://[::1]:9000/peerjs/turn-credentials?peerId=a-b-1&token=t');
    expect(turnCredentialsUrl(DEFAULT_SIGNALING, 'a-b-1', 'a&b=c d')).toBe('http://127.0.0.1:9000/peerjs/turn-credentials?peerId=a-b-1&token=a%26b%3Dc%20d');
  });

  it('refuses relay only without any TURN server', () => {
    expect(relayOnlyProblem({ relayOnly: true, iceServers: [{ url: 'stun:s.example.org' }] })).toBe('relay-needs-turn');
    expect(relayOnlyProblem({ relayOnly: true, iceServers: [{ url: 'turns:t.example.org', username: 'u', credential: 'p' }] })).toBeUndefined();
    expect(relayOnlyProblem({ relayOnly: true, turnFromServer: true, iceServers: [] })).toBeUndefined();
    expect(relayOnlyProblem({ relayOnly: false, iceServers: [] })).toBeUndefined();
  });
});

describe('reconnect policy', () => {
  const middle = () => 0.5;

  it('lets the smaller peer ID dial first and backs off to every 5 s', () => {
    expect([0, 1, 2, 3, 4, 9].map((attempt) => reconnectDelayMs(attempt, true, middle))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect([0, 1, 4].map((attempt) => reconnectDelayMs(attempt, false, middle))).toEqual([2000, 2500, 6500]);
    expect(reconnectDelayMs(0, true, () => 0)).toBe(400);
    expect(reconnectDelayMs(0, true, () => 0.999_999)).toBe(600);
  });

  it('retries only losses, and only for 10 minutes', () => {
    expect(shouldReconnect('peer-disconnected', NOW, NOW + 1000)).toBe(true);
    expect(shouldReconnect('peer-unavailable', NOW, NOW + RECONNECT_WINDOW_MS - 1)).toBe(true);
    expect(shouldReconnect('peer-unavailable', NOW, NOW + RECONNECT_WINDOW_MS)).toBe(false);
    expect(shouldReconnect(undefined, NOW, NOW)).toBe(false);
    expect(shouldReconnect('connection-declined', NOW, NOW)).toBe(false);
    expect(shouldReconnect('identity-changed', NOW, NOW)).toBe(false);
  });
});
