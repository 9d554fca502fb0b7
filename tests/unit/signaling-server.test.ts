/** The PeerServer's access token, over real HTTP and WebSocket (no browser). */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mountPath, startSignalingServer } from '../../server/signaling';

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
