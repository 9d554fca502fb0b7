import { describe, expect, it } from 'vitest';
import { mintTurnCredentials } from '../../server/turn-credentials';

describe('mintTurnCredentials', () => {
  it('matches a known HMAC-SHA1 vector (computed with openssl dgst -sha1 -hmac)', () => {
    // printf '%s' "1700000000:alice-otter-1234" | openssl dgst -sha1 -hmac "north-sea-secret" -binary | base64
    const minted = mintTurnCredentials({
      secret: 'north-sea-secret',
      peerId: 'alice-otter-1234',
      ttlSeconds: 3600,
      urls: ['turn:127.0.0.1:3478'],
      nowMs: (1_700_000_000 - 3600) * 1000,
    });
    expect(minted).toEqual({
      urls: ['turn:127.0.0.1:3478'],
      username: '1700000000:alice-otter-1234',
      credential: 'EsGq67pZtmjTOlV33GAC+sP2VKU=',
      expiresAt: 1_700_000_000,
      ttlSeconds: 3600,
    });
  });

  it('refuses an empty secret and a bad TTL', () => {
    expect(() => mintTurnCredentials({ secret: '', peerId: 'a-b-1', ttlSeconds: 60, urls: [] })).toThrow('secret');
    expect(() => mintTurnCredentials({ secret: 's', peerId: 'a-b-1', ttlSeconds: 0, urls: [] })).toThrow('TTL');
    expect(() => mintTurnCredentials({ secret: 's', peerId: 'a-b-1', ttlSeconds: 1.5, urls: [] })).toThrow('TTL');
  });
});

describe('GET <path>/turn-credentials', () => {
  it('mints for a valid peer ID, refuses a bad one, and is off when not configured', async () => {
    const { startSignalingServer } = await import('../../server/signaling');
    const quiet = () => {};
    const withTurn = await startSignalingServer({
      host: '127.0.0.1',
      port: 0,
      path: '/peerjs',
      key: 'peerjs',
      log: quiet,
      turn: { secret: 'north-sea-secret', ttlSeconds: 600, urls: ['turn:127.0.0.1:3478?transport=udp'] },
    });
    const without = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', log: quiet });
    try {
      const ok = await fetch(`${withTurn.url}/peerjs/turn-credentials?peerId=alice-otter-1234`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('*');
      const body = (await ok.json()) as { username: string; credential: string; urls: string[]; expiresAt: number };
      expect(body.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
      expect(body.username).toBe(`${body.expiresAt}:alice-otter-1234`);
      expect(body.expiresAt - Date.now() / 1000).toBeGreaterThan(590);
      expect(body.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/);

      expect((await fetch(`${withTurn.url}/peerjs/turn-credentials?peerId=bad%20id`)).status).toBe(400);
      expect((await fetch(`${withTurn.url}/peerjs/turn-credentials`)).status).toBe(400);
      expect((await fetch(`${without.url}/peerjs/turn-credentials?peerId=alice-otter-1234`)).status).toBe(404);
    } finally {
      await withTurn.close();
      await without.close();
    }
  });

  it('sits behind the access token when one is set', async () => {
    const { startSignalingServer } = await import('../../server/signaling');
    const server = await startSignalingServer({
      host: '127.0.0.1',
      port: 0,
      path: '/peerjs',
      key: 'peerjs',
      accessToken: 'k3y-for-friends',
      log: () => {},
      turn: { secret: 'north-sea-secret', ttlSeconds: 600, urls: ['turn:127.0.0.1:3478'] },
    });
    try {
      expect((await fetch(`${server.url}/peerjs/turn-credentials?peerId=alice-otter-1234`)).status).toBe(404);
      expect((await fetch(`${server.url}/turn-credentials?peerId=alice-otter-1234`)).status).toBe(404);
      const ok = await fetch(`${server.url}/peerjs/k3y-for-friends/turn-credentials?peerId=alice-otter-1234`);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { username: string }).username).toMatch(/^\d+:alice-otter-1234$/);
    } finally {
      await server.close();
    }
  });
});
