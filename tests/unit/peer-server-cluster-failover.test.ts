/**
 * Issue 15: failures of a PeerServer cluster, with a real `redis-server` and
 * `server/cli.ts` child processes: an instance killed with SIGKILL, and Redis
 * killed and restarted (empty, as after a crash). Raw clients on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newToken, rawPeer, sleep, type RawPeer } from './support/peer-server';
import { spawnInstance, within, type Instance } from './support/cluster';
import { startRedis, type RedisProcess } from './support/redis';

let redis: RedisProcess | undefined;
const instances: Instance[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const client of peers.splice(0)) client.socket.terminate();
  await Promise.all(instances.splice(0).map((instance) => instance.kill()));
  await redis?.kill();
  redis = undefined;
});

async function cluster(): Promise<[Instance, Instance]> {
  redis = await startRedis();
  const started = await Promise.all([spawnInstance(['--redis', redis.url]), spawnInstance(['--redis', redis.url])]);
  instances.push(...started);
  return started;
}

async function peer(instance: Instance, id: string, token = newToken()): Promise<RawPeer> {
  const client = await rawPeer(instance.wsBase, id, token);
  peers.push(client);
  return client;
}

/** Registers `id` once; true when the server answered OPEN (the socket stays open then). */
async function registers(instance: Instance, id: string, token: string): Promise<boolean> {
  const client = await peer(instance, id, token);
  if (client.received[0]?.type === 'OPEN') return true;
  client.socket.terminate();
  return false;
}

let sequence = 0;
/** Sends one OFFER from `from` to `to` and says whether it arrived within `ms`. */
async function offerArrives(from: RawPeer, to: RawPeer, ms = 1000): Promise<boolean> {
  const connectionId = `dc_${++sequence}`;
  from.send({ type: 'OFFER', dst: to.id, payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId } });
  const got = await to.waitFor((m) => m.type === 'OFFER' && (m.payload as { connectionId?: string }).connectionId === connectionId, ms);
  return got !== undefined;
}

describe('an instance killed with SIGKILL', () => {
  it('frees its peers IDs within 5 s: they register again on the other instance, with a new token too', async () => {
    const [one, two] = await cluster();
    const kept = newToken();
    await peer(one, 'k-alice-1', kept);
    await peer(one, 'k-bob-1');
    const carol = await peer(two, 'k-carol-1');
    expect((await peer(two, 'k-bob-1')).received[0]?.type).toBe('ID-TAKEN');
    await one.kill('SIGKILL');
    const killedAt = Date.now();
    // The same token may take its ID back at once.
    expect(await registers(two, 'k-alice-1', kept)).toBe(true);
    // A new token (a client that started afresh) once the instance is known to be gone.
    await within(5000, () => registers(two, 'k-bob-1', newToken()), 'k-bob-1 registered again');
    expect(Date.now() - killedAt).toBeLessThan(5000);
    const bob = peers.at(-1)!;
    expect(await offerArrives(carol, bob)).toBe(true);
  }, 30_000);
});

describe('an instance stopped with SIGTERM', () => {
  it('frees its peers IDs at once', async () => {
    const [one, two] = await cluster();
    await peer(one, 't-alice-1');
    expect((await peer(two, 't-alice-1')).received[0]?.type).toBe('ID-TAKEN');
    await one.kill('SIGTERM');
    expect(await registers(two, 't-alice-1', newToken())).toBe(true);
  }, 30_000);
});

describe('Redis killed and restarted', () => {
  it('keeps same-instance signaling working, refuses cross-instance with a logged reason, and recovers within 5 s', async () => {
    const [one, two] = await cluster();
    const dave = await peer(one, 'r-dave-1');
    const erin = await peer(one, 'r-erin-1');
    const frank = await peer(two, 'r-frank-1');
    expect(await offerArrives(dave, frank)).toBe(true);

    await redis!.kill();
    await one.waitForOutput(/redis.*(unavailable|down|lost)/i, 5000);
    for (let i = 0; i < 5; i++) {
      expect(await offerArrives(dave, erin), `same-instance offer ${i} during the outage`).toBe(true);
      await sleep(200);
    }
    expect(await offerArrives(dave, frank, 500)).toBe(false);
    await one.waitForOutput(/refused.*redis|redis.*refused/i, 2000);
    // A peer that registers during the outage is served by its instance.
    const gina = await peer(one, 'r-gina-1');
    expect(gina.received[0]?.type).toBe('OPEN');
    expect(await offerArrives(gina, dave)).toBe(true);

    await redis!.restart();
    const backAt = Date.now();
    const recovery = await within(5000, () => offerArrives(dave, frank, 250), 'cross-instance offer after Redis returned');
    expect(Date.now() - backAt).toBeLessThan(5000);
    expect(recovery).toBeLessThan(5000);
    // Ownership is cluster-wide again, for peers registered before and during the outage.
    expect(await offerArrives(frank, gina)).toBe(true);
    expect((await peer(two, 'r-dave-1')).received[0]?.type).toBe('ID-TAKEN');
    expect((await peer(two, 'r-gina-1')).received[0]?.type).toBe('ID-TAKEN');
    expect(await offerArrives(dave, erin)).toBe(true);
  }, 45_000);
});
