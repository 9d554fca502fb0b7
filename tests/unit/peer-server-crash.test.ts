/**
 * Issue 10, finding 4: one message must not kill the PeerServer. Each test runs
 * the real `server/cli.ts` in a child process, so a crash shows as its exit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, healthStatus, rawPeer, rawUpgrade, sleep, spawnPeerServer, textFrame, type PeerServerProcess } from './support/peer-server';

let server: PeerServerProcess | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});

/** Fails with the server's output if it has exited or stopped answering `/health`. */
async function expectAlive(process: PeerServerProcess): Promise<void> {
  await sleep(300);
  expect(process.exited(), process.output()).toBeUndefined();
  expect(await healthStatus(process.httpBase)).toBe(200);
}

describe('PeerServer survives hostile input (child process)', () => {
  it('a non-JSON text frame after registering', async () => {
    server = await spawnPeerServer();
    const peer = await rawPeer(server.wsBase, 'crash-test-1');
    expect(peer.received[0]?.type).toBe('OPEN');
    peer.send('this is { not JSON');
    peer.send('null');
    peer.send('42');
    await expectAlive(server);
    peer.socket.close();
  });

  it('an invalid frame (reserved bits) in the same packet as an upgrade without ID', async () => {
    server = await spawnPeerServer();
    const bad = encodeFrame({ fin: true, rsv: 4, opcode: 1, masked: true, payload: Buffer.from('x') });
    const { socket } = await rawUpgrade(server.port, '/peerjs/peerjs?key=peerjs', bad);
    await expectAlive(server);
    socket.destroy();
  });

  it('a frame with a reserved opcode right after the upgrade, and an unmasked frame', async () => {
    server = await spawnPeerServer();
    const first = await rawUpgrade(server.port, '/peerjs/peerjs?key=peerjs&id=crash-test-2&token=t0k3n');
    first.socket.write(encodeFrame({ fin: true, rsv: 0, opcode: 5, masked: true, payload: Buffer.from('boom') }));
    const second = await rawUpgrade(server.port, '/peerjs/peerjs?key=peerjs&id=crash-test-3&token=t0k3n');
    second.socket.write(encodeFrame({ fin: true, rsv: 0, opcode: 1, masked: false, payload: Buffer.from('{}') }));
    await expectAlive(server);
    first.socket.destroy();
    second.socket.destroy();
  });

  it('invalid UTF-8 in a text frame', async () => {
    server = await spawnPeerServer();
    const { socket } = await rawUpgrade(server.port, '/peerjs/peerjs?key=peerjs&id=crash-test-4&token=t0k3n');
    socket.write(encodeFrame({ fin: true, rsv: 0, opcode: 1, masked: true, payload: Buffer.from([0xff, 0xfe, 0x7b]) }));
    socket.write(textFrame('{"type":"HEARTBEAT"}'));
    await expectAlive(server);
    socket.destroy();
  });
});
