/**
 * Issue 15: two PeerServer instances (`server/cli.ts` child processes) that share
 * a real `redis-server` act as one signaling service. Raw PeerServer-protocol
 * WebSocket clients on 127.0.0.1; no browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken, rawPeer, sleep, type RawPeer } from './support/peer-server';
import { spawnInstance, startSilentProxy, type Instance } from './support/cluster';
import { startRedis, type RedisProcess } from './support/redis';

const TURN = { SC_TURN_SECRET: 'cluster-test-secret', SC_TURN_URLS: 'turn:127.0.0.1:3478' };
const HEALTH_TOKEN = 'cluster-health-token-1';

let redis: RedisProcess;
let one: Instance;
let two: Instance;
const peers: RawPeer[] = [];

/** Registers and remembers the client, so that it is closed after the tests. */
async function peer(instance: Instance | string, id: string, token = newToken()): Promise<RawPeer> {
  const client = await rawPeer(typeof instance === 'string' ? instance : instance.wsBase, id, token);
  peers.push(client);
  return client;
}

const offer = (dst: string, connectionId = 'dc_1'): Record<string, unknown> => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp: 'v=0\r\n' }, type: 'data', connectionId, serialization: 'binary', reliable: true },
});

beforeAll(async () => {
  redis = await startRedis();
  // One through the flag, one through the environment.
  [one, two] = await Promise.all([spawnInstance(['--redis', redis.url], { ...TURN, SC_HEALTH_TOKEN: HEALTH_TOKEN }), spawnInstance([], { ...TURN, SC_REDIS_URL: redis.url })]);
}, 30_000);
afterAll(async () => {
  for (const client of peers) client.socket.terminate();
  await Promise.all([one?.kill(), two?.kill()]);
  await redis?.kill();
});

// Child processes on a shared 2-core machine: more than vitest's default 5 s per test.
describe('two instances, one service', { timeout: 20_000 }, () => {
  it('say that they share Redis, and /health tells the operator whether Redis is up', async () => {
    expect(one.output()).toMatch(/cluster/i);
    expect(two.output()).toMatch(/cluster/i);
    const health = await fetch(`${one.httpBase}/health`, { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } });
    expect(await health.json()).toMatchObject({ ok: true, cluster: { instance: expect.stringMatching(/^[0-9a-f]+$/) as string, redis: 'up' } });
    // Without the token, nothing about the cluster either.
    expect(await (await fetch(`${two.httpBase}/health`)).json()).toEqual({ ok: true });
  });

  it('relay OFFER, ANSWER, CANDIDATE and LEAVE between a peer on each', async () => {
    const alice = await peer(one, 'x-alice-1');
    const bob = await peer(two, 'x-bob-1');
    expect(alice.received[0]?.type).toBe('OPEN');
    expect(bob.received[0]?.type).toBe('OPEN');
    alice.send(offer(bob.id));
    expect(await bob.waitFor((m) => m.type === 'OFFER')).toEqual({ type: 'OFFER', src: alice.id, dst: bob.id, payload: offer(bob.id).payload });
    bob.send({ type: 'ANSWER', dst: alice.id, payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_1' } });
    expect(await alice.waitFor((m) => m.type === 'ANSWER')).toMatchObject({ src: bob.id, dst: alice.id });
    alice.send({ type: 'CANDIDATE', dst: bob.id, payload: { candidate: { candidate: 'c1' }, type: 'data', connectionId: 'dc_1' } });
    bob.send({ type: 'CANDIDATE', dst: alice.id, payload: { candidate: { candidate: 'c2' }, type: 'data', connectionId: 'dc_1' } });
    expect(await bob.waitFor((m) => m.type === 'CANDIDATE')).toMatchObject({ src: alice.id });
    expect(await alice.waitFor((m) => m.type === 'CANDIDATE')).toMatchObject({ src: bob.id });
    alice.send({ type: 'LEAVE', dst: bob.id });
    expect(await bob.waitFor((m) => m.type === 'LEAVE')).toMatchObject({ src: alice.id });
    // A client cannot name another sender: src is always its own ID.
    alice.send({ ...offer(bob.id, 'dc_2'), src: 'someone-else' });
    expect(await bob.waitFor((m) => m.type === 'OFFER' && (m.payload as { connectionId: string }).connectionId === 'dc_2')).toMatchObject({ src: alice.id });
  });

  it('answers ID-TAKEN for an ID held on the other instance, and frees it on a clean leave', async () => {
    const carol = await peer(one, 'x-carol-1');
    const impostor = await peer(two, 'x-carol-1');
    expect(impostor.received[0]).toMatchObject({ type: 'ID-TAKEN' });
    expect(await impostor.waitClosed()).toBeDefined();
    carol.socket.close();
    await carol.waitClosed();
    await sleep(200);
    const next = await peer(two, 'x-carol-1');
    expect(next.received[0]?.type).toBe('OPEN');
  });

  it('lets the same token reclaim its ID on the other instance after an unclean drop', async () => {
    const proxy = await startSilentProxy(one.port);
    try {
      const token = newToken();
      const dave = await peer(`ws://127.0.0.1:${proxy.port}/peerjs/peerjs`, 'x-dave-1', token);
      expect(dave.received[0]?.type).toBe('OPEN');
      // The connection dies without instance one seeing a close: it still holds dave.
      proxy.silence();
      expect((await peer(two, 'x-dave-1')).received[0]?.type).toBe('ID-TAKEN');
      const back = await peer(two, 'x-dave-1', token);
      expect(back.received[0]?.type).toBe('OPEN');
      // Now held on instance two: other tokens are refused on both.
      expect((await peer(one, 'x-dave-1')).received[0]?.type).toBe('ID-TAKEN');
      // Instance one dropped its stale client: its peers reach the new one.
      const erin = await peer(one, 'x-erin-1');
      erin.send(offer('x-dave-1'));
      expect(await back.waitFor((m) => m.type === 'OFFER')).toMatchObject({ src: erin.id });
    } finally {
      await proxy.close();
    }
  });

  it('holds a message for a peer not yet connected and delivers it when it registers on the other instance', async () => {
    const frank = await peer(one, 'x-frank-1');
    frank.send(offer('x-gina-1'));
    await sleep(1500);
    const gina = await peer(two, 'x-gina-1');
    expect(await gina.waitFor((m) => m.type === 'OFFER')).toMatchObject({ src: frank.id, dst: gina.id });
    await sleep(6000);
    expect(frank.received.some((m) => m.type === 'EXPIRE')).toBe(false);
  }, 20_000);

  it('sends EXPIRE to the sender, on its own instance, when the peer never comes', async () => {
    const hank = await peer(one, 'x-hank-1');
    const started = Date.now();
    hank.send(offer('x-nobody-1'));
    hank.send({ type: 'CANDIDATE', dst: 'x-nobody-1', payload: { candidate: { candidate: 'c' }, connectionId: 'dc_1' } });
    const expire = await hank.waitFor((m) => m.type === 'EXPIRE', 9000);
    expect(expire).toEqual({ type: 'EXPIRE', src: 'x-nobody-1', dst: hank.id });
    // PeerServer's expire_timeout is 5 s, checked every second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    await sleep(1500);
    expect(hank.received.filter((m) => m.type === 'EXPIRE')).toHaveLength(1);
  }, 20_000);

  it('mints TURN credentials on either instance for a peer registered on the other, with its token only', async () => {
    const ivy = await peer(one, 'x-ivy-1');
    const ask = (instance: Instance, token: string): Promise<Response> =>
      fetch(`${instance.httpBase}/peerjs/turn-credentials?peerId=${ivy.id}&token=${token}`);
    expect((await ask(one, ivy.token)).status).toBe(200);
    const there = await ask(two, ivy.token);
    expect(there.status).toBe(200);
    expect(((await there.json()) as { username: string }).username).toMatch(/:x-ivy-1$/);
    expect((await ask(two, newToken())).status).toBe(403);
    ivy.socket.close();
    await ivy.waitClosed();
    await sleep(200);
    expect((await ask(two, ivy.token)).status).toBe(403);
  });
});

describe('without Redis', { timeout: 30_000 }, () => {
  it('npm run server is one process on its own, as before: two of them know nothing of each other', async () => {
    const [a, b] = await Promise.all([spawnInstance([]), spawnInstance([])]);
    try {
      expect(a.output()).not.toMatch(/redis|cluster/i);
      expect((await peer(a, 'x-solo-1')).received[0]?.type).toBe('OPEN');
      expect((await peer(b, 'x-solo-1')).received[0]?.type).toBe('OPEN');
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  });
});
