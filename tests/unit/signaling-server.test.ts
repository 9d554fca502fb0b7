/** The PeerServer's access token, over real HTTP and WebSocket (no browser). */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mountPath, startSignalingServer } from '../../server/signaling';
import { spawnPeerServer } from './support/peer-server';

/** Opens PeerJS's WebSocket as a client would; resolves with the first server message type. */
function register(url: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.on('message', (data) => {
      resolve((JSON.parse(String(data)) as { type: string }).type);
      socket.close();
    });
    socket.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    socket.on('error', () => resolve('error'));
  });
}

describe('PeerServer access token', () => {
  it('mounts under path/token', () => {
    expect(mountPath('/peerjs')).toBe('/peerjs');
    expect(mountPath('/peerjs/', 'abc')).toBe('/peerjs/abc');
  });

  it('registers clients that know the token and no others', async () => {
    const token = 'a-long-shared-token-1234';
    const server = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', accessToken: token, log: () => {} });
    const ws = server.url.replace('http', 'ws');
    try {
      await expect(register(`${ws}/peerjs/${token}/peerjs?key=peerjs&id=good-peer-1&token=t1&version=1.5.5`)).resolves.toBe('OPEN');
      await expect(register(`${ws}/peerjs/peerjs?key=peerjs&id=bad-peer-1&token=t2&version=1.5.5`)).resolves.not.toBe('OPEN');
      await expect(register(`${ws}/peerjs/wrong-token-5678901/peerjs?key=peerjs&id=bad-peer-2&token=t3&version=1.5.5`)).resolves.not.toBe('OPEN');
    } finally {
      await server.close();
    }
  });
});

describe('GET /health', () => {
  it('says only that it is up, unless the health token is given', async () => {
    const healthToken = 'health-token-0123456789';
    const open = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', log: () => {} });
    const guarded = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', log: () => {}, healthToken });
    const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
    try {
      expect(await (await fetch(`${open.url}/health`)).json()).toEqual({ ok: true });
      // Without a health token configured, no header unlocks the count.
      expect(await (await fetch(`${open.url}/health`, bearer(healthToken))).json()).toEqual({ ok: true });

      const plain = await fetch(`${guarded.url}/health`);
      expect(plain.status).toBe(200);
      expect(await plain.json()).toEqual({ ok: true });
      const wrong = await fetch(`${guarded.url}/health`, bearer('health-token-0123456780'));
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const right = await fetch(`${guarded.url}/health`, bearer(healthToken));
      expect(right.status).toBe(200);
      expect(right.headers.get('cache-control')).toBe('no-store');
      expect(await right.json()).toEqual({ ok: true, peers: 0, uptimeSeconds: expect.any(Number) as number });
    } finally {
      await open.close();
      await guarded.close();
    }
  });

  it('takes the health token from SC_HEALTH_TOKEN in npm run server', async () => {
    const server = await spawnPeerServer({ SC_HEALTH_TOKEN: 'health-token-from-env-1' });
    try {
      expect(await (await fetch(`${server.httpBase}/health`)).json()).toEqual({ ok: true });
      const right = await fetch(`${server.httpBase}/health`, { headers: { authorization: 'Bearer health-token-from-env-1' } });
      expect(await right.json()).toMatchObject({ ok: true, peers: 0 });
    } finally {
      await server.kill();
    }
  });
});
