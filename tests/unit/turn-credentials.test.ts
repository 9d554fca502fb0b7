import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer, type SignalingServer } from '../../server/signaling';
import { mintTurnCredentials } from '../../server/turn-credentials';
import { rawPeer, type RawPeer } from './support/peer-server';

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
  const turn = { secret: 'north-sea-secret', ttlSeconds: 600, urls: ['turn:127.0.0.1:3478?transport=udp'] };
  const chromeOrigin = `chrome-extension://${'abcdefghijklmnop'.repeat(2)}`;
  const firefoxOrigin = 'moz-extension://0f1e2d3c-4b5a-6978-8a9b-abcdef012345';
  let server: SignalingServer;
  let without: SignalingServer;
  let alice: RawPeer;
  const url = (query: string): string => `${server.url}/peerjs/turn-credentials${query}`;
  const ask = (peerId: string, token: string, origin?: string): Promise<Response> =>
    fetch(url(`?peerId=${encodeURIComponent(peerId)}&token=${encodeURIComponent(token)}`), origin ? { headers: { origin } } : {});

  beforeAll(async () => {
    server = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', log: () => {}, turn });
    without = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', log: () => {} });
    alice = await rawPeer(`${server.url.replace('http', 'ws')}/peerjs/peerjs`, 'alice-otter-1234');
    expect(alice.received[0]?.type).toBe('OPEN');
  });
  afterAll(async () => {
    alice.socket.close();
    await server.close();
    await without.close();
  });

  it('mints for a registered peer ID with its PeerServer token', async () => {
    const ok = await ask(alice.id, alice.token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const body = (await ok.json()) as { username: string; credential: string; urls: string[]; expiresAt: number };
    expect(body.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    expect(body.username).toBe(`${body.expiresAt}:alice-otter-1234`);
    expect(body.expiresAt - Date.now() / 1000).toBeGreaterThan(590);
    expect(body.credential).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  it('refuses an ID that is not registered now, and a wrong token (403)', async () => {
    const notRegistered = await ask('bob-otter-5678', alice.token);
    expect(notRegistered.status).toBe(403);
    expect(((await notRegistered.json()) as { error: string }).error).toMatch(/not registered/);
    // Another last character (the random token may itself end in 0).
    const wrongToken = await ask(alice.id, `${alice.token.slice(0, -1)}${alice.token.endsWith('0') ? '1' : '0'}`);
    expect(wrongToken.status).toBe(403);
    expect((await ask(alice.id, 'short')).status).toBe(403);
  });

  it('refuses malformed requests (400) and is off when not configured (404)', async () => {
    expect((await fetch(url('?peerId=bad%20id&token=abc'))).status).toBe(400);
    expect((await fetch(url(`?peerId=${alice.id}`))).status).toBe(400);
    expect((await fetch(url(''))).status).toBe(400);
    expect((await fetch(url(`?peerId=${alice.id}&token=${alice.token}&token=${alice.token}`))).status).toBe(400);
    expect((await fetch(`${without.url}/peerjs/turn-credentials?peerId=${alice.id}&token=${alice.token}`)).status).toBe(404);
  });

  it('answers extension origins only, echoing the origin', async () => {
    const evil = await ask(alice.id, alice.token, 'https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    for (const origin of ['null', 'chrome-extension://abc', `${chromeOrigin}.evil.example`, 'http://127.0.0.1']) {
      const refused = await ask(alice.id, alice.token, origin);
      expect(refused.status, origin).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    for (const origin of [chromeOrigin, firefoxOrigin]) {
      const ok = await ask(alice.id, alice.token, origin);
      expect(ok.status, origin).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
      expect(ok.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('stops minting once the peer has left', async () => {
    const bob = await rawPeer(`${server.url.replace('http', 'ws')}/peerjs/peerjs`, 'bob-otter-4321');
    expect((await ask(bob.id, bob.token)).status).toBe(200);
    bob.socket.close();
    await bob.waitClosed();
    await new Promise((done) => setTimeout(done, 100));
    expect((await ask(bob.id, bob.token)).status).toBe(403);
  });

  it('sits behind the access token when one is set', async () => {
    const guarded = await startSignalingServer({
      host: '127.0.0.1',
      port: 0,
      path: '/peerjs',
      key: 'peerjs',
      accessToken: 'k3y-for-friends',
      log: () => {},
      turn,
    });
    const carol = await rawPeer(`${guarded.url.replace('http', 'ws')}/peerjs/k3y-for-friends/peerjs`, 'carol-otter-1234');
    try {
      const query = `?peerId=${carol.id}&token=${carol.token}`;
      expect((await fetch(`${guarded.url}/peerjs/turn-credentials${query}`)).status).toBe(404);
      expect((await fetch(`${guarded.url}/turn-credentials${query}`)).status).toBe(404);
      const ok = await fetch(`${guarded.url}/peerjs/k3y-for-friends/turn-credentials${query}`);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { username: string }).username).toMatch(/^\d+:carol-otter-1234$/);
    } finally {
      carol.socket.close();
      await guarded.close();
    }
  });
});
