/**
 * Issue 10, finding 4: the PeerServer's limits, against a real
 * `startSignalingServer` on 127.0.0.1 with raw WebSocket clients: message size,
 * rate, peer IDs at registration, and log lines that a client cannot forge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalingServer, type SignalingServer } from '../../server/signaling';
import { rawPeer, sleep } from './support/peer-server';

let server: SignalingServer;
let wsBase: string;
const lines: string[] = [];

beforeAll(async () => {
  server = await startSignalingServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs', log: (line) => lines.push(line) });
  wsBase = `${server.url.replace('http', 'ws')}/peerjs/peerjs`;
});
afterAll(() => server.close());

const offer = (dst: string, sdp: string, connectionId = 'dc_1'): Record<string, unknown> => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp }, type: 'data', connectionId, serialization: 'json', reliable: true },
});

describe('registration', () => {
  it.each([
    ['__proto__', '__proto__'],
    ['constructor-like with a space', 'brave otter'],
    ['65 characters', 'a'.repeat(65)],
    ['2 characters', 'ab'],
    ['a Cyrillic look-alike', 'br\u0430ve-otter-4821'],
    ['a newline', 'evil\nFAKE'],
  ])('refuses an ID with %s (ERROR, then closed)', async (_label, id) => {
    const peer = await rawPeer(wsBase, id);
    expect(peer.received[0]?.type).toBe('ERROR');
    expect(String((peer.received[0]?.payload as { msg?: unknown } | undefined)?.msg)).toMatch(/invalid id/i);
    expect(await peer.waitClosed()).toBeDefined();
    expect(server.peers()).not.toContain(id);
  });

  it('refuses a token that is not 1 to 128 letters, digits, - or _', async () => {
    const peer = await rawPeer(wsBase, 'token-test-1', 'x'.repeat(129));
    expect(peer.received[0]?.type).toBe('ERROR');
    expect(await peer.waitClosed()).toBeDefined();
  });

  it('accepts the IDs the extension makes, 3 and 64 characters included', async () => {
    for (const id of ['brave-otter-4821', 'abc', 'a'.repeat(64), 'A_b-9']) {
      const peer = await rawPeer(wsBase, id);
      expect(peer.received[0]?.type).toBe('OPEN');
      peer.socket.close();
    }
  });
});

describe('messages', () => {
  it('relays a large but legitimate offer (20 KiB of SDP)', async () => {
    const [alice, bob] = await Promise.all([rawPeer(wsBase, 'size-alice-1'), rawPeer(wsBase, 'size-bob-1')]);
    alice.send(offer(bob.id, 'v=0\r\n'.padEnd(20 * 1024, 'a')));
    expect(await bob.waitFor((m) => m.type === 'OFFER')).toMatchObject({ src: alice.id });
    alice.socket.close();
    bob.socket.close();
  });

  it('refuses an oversized message: not relayed, and the socket is closed with 1009', async () => {
    const [alice, bob] = await Promise.all([rawPeer(wsBase, 'size-alice-2'), rawPeer(wsBase, 'size-bob-2')]);
    alice.send(offer(bob.id, 'x'.repeat(100 * 1024)));
    expect(await alice.waitClosed()).toBe(1009);
    expect(await bob.waitFor((m) => m.type === 'OFFER', 500)).toBeUndefined();
    bob.socket.close();
  });

  it('rate-limits a flood from one socket and says so in the log', async () => {
    const [alice, bob] = await Promise.all([rawPeer(wsBase, 'flood-alice-1'), rawPeer(wsBase, 'flood-bob-1')]);
    const started = Date.now();
    for (let i = 0; i < 3000; i++) alice.send({ type: 'CANDIDATE', dst: bob.id, payload: { candidate: { candidate: `c${i}` }, connectionId: 'dc_1' } });
    await sleep(1000);
    const relayed = bob.received.filter((m) => m.type === 'CANDIDATE').length;
    const seconds = (Date.now() - started) / 1000;
    // Burst of 500, then 50 per second.
    expect(relayed).toBeGreaterThan(100);
    expect(relayed).toBeLessThanOrEqual(500 + 50 * seconds + 1);
    expect(lines.some((line) => /rate limit/i.test(line) && line.includes('flood-alice-1'))).toBe(true);
    bob.socket.close();
    alice.socket.close();
  });

  it('does not close a socket that is over the limit now and then, only one that keeps flooding', async () => {
    const [alice, bob] = await Promise.all([rawPeer(wsBase, 'bursty-alice-1'), rawPeer(wsBase, 'bursty-bob-1')]);
    const candidates = (n: number): void => {
      for (let i = 0; i < n; i++) alice.send({ type: 'CANDIDATE', dst: bob.id, payload: { candidate: { candidate: `c${i}` }, connectionId: 'dc_1' } });
    };
    candidates(900); // 500 pass, 400 dropped
    await sleep(300); // about 15 tokens back
    candidates(400); // some pass, the rest dropped: never 500 drops in a row
    expect(await alice.waitClosed(500)).toBeUndefined();
    alice.socket.close();
    bob.socket.close();
  });

  it('drops messages of unknown types or without a valid destination, and keeps relaying', async () => {
    const [alice, bob] = await Promise.all([rawPeer(wsBase, 'shape-alice-1'), rawPeer(wsBase, 'shape-bob-1')]);
    for (const bad of ['[]', 'null', '"OFFER"', '{"type":"EXPIRE","dst":"shape-bob-1"}', '{"type":"OFFER","dst":{"x":1}}', '{"type":"OFFER"}']) alice.send(bad);
    alice.send(offer(bob.id, 'v=0'));
    const received = await bob.waitFor((m) => m.type === 'OFFER');
    expect(received).toMatchObject({ src: alice.id });
    expect(bob.received.some((m) => m.type === 'EXPIRE')).toBe(false);
    alice.socket.close();
    bob.socket.close();
  });
});

describe('log lines', () => {
  it('cannot be forged with newlines or control characters from a client', async () => {
    const before = lines.length;
    const forged = await rawPeer(wsBase, 'evil-1\nFAKE peer joined: admin-1');
    forged.socket.close();
    const peer = await rawPeer(wsBase, 'log-test-1');
    peer.send('{"type":"X\\nFAKE peer left: admin-1\\u001b[2J","dst":"log-test-1"}');
    peer.send('not json\nFAKE line');
    await sleep(200);
    peer.socket.close();
    await sleep(100);
    const written = lines.slice(before);
    expect(written.length).toBeGreaterThan(1);
    for (const line of written) {
      // Control characters are what this test looks for.
      // eslint-disable-next-line no-control-regex
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(line.startsWith('FAKE')).toBe(false);
    }
  });
});
