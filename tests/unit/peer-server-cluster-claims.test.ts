/**
 * Issue 15: the claim, renew and release logic of `server/cluster/claims.ts`,
 * against a real `redis-server` on 127.0.0.1 (started by the test), with short
 * expiries so that lapses can be waited for.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClaimStore, claimTokenHash } from '../../server/cluster/claims';
import { sleep } from './support/peer-server';
import { startRedis, type RedisProcess } from './support/redis';

let redis: RedisProcess;
const connections: Redis[] = [];
let prefix = '';
let round = 0;

const connect = (): Redis => {
  const connection = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  connections.push(connection);
  return connection;
};

/** A store for instance `instanceId`, on its own connection, in this test's key space. */
function store(instanceId: string, ttl: { claim?: number; instance?: number } = {}): ClaimStore {
  return new ClaimStore({
    redis: connect(),
    prefix,
    instanceId,
    claimTtlMs: ttl.claim ?? 60_000,
    instanceTtlMs: ttl.instance ?? 60_000,
    pendingTtlMs: 10_000,
  });
}

beforeAll(async () => {
  redis = await startRedis();
}, 20_000);
afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await redis.kill();
});
beforeEach(() => {
  prefix = `t${++round}:`;
});

const hashA = claimTokenHash('brave-otter-4821', 'token-a');
const hashB = claimTokenHash('brave-otter-4821', 'token-b');

describe('token hashes', () => {
  it('hold neither the token nor the same value for another ID', () => {
    expect(hashA).not.toContain('token-a');
    expect(hashA).not.toBe(hashB);
    expect(claimTokenHash('other-id-1', 'token-a')).not.toBe(hashA);
    expect(claimTokenHash('brave-otter-4821', 'token-a')).toBe(hashA);
  });
});

describe('claim and release', () => {
  it('claims a free ID; another token on a live instance gets "taken"; the same token moves it', async () => {
    const one = store('one');
    const two = store('two');
    await one.beat();
    await two.beat();
    expect(await one.claim('brave-otter-4821', hashA)).toEqual({ status: 'claimed', movedFrom: undefined, pending: [] });
    expect(await two.claim('brave-otter-4821', hashB)).toEqual({ status: 'taken', owner: 'one' });
    // Same instance, another token: taken too (PeerServer's ID-TAKEN).
    expect((await one.claim('brave-otter-4821', hashB)).status).toBe('taken');
    // Same token on another instance: the reclaim after an unclean drop; the old holder is named.
    expect(await two.claim('brave-otter-4821', hashA)).toEqual({ status: 'claimed', movedFrom: 'one', pending: [] });
    expect(await one.holder('brave-otter-4821')).toEqual({ instance: 'two', tokenHash: hashA });
  });

  it('claiming again after an outage (no take-over) leaves the ID to a live instance with the same token', async () => {
    const one = store('one');
    const two = store('two');
    await one.beat();
    await two.beat();
    await two.claim('brave-otter-4821', hashA);
    expect(await one.claim('brave-otter-4821', hashA, false)).toEqual({ status: 'held', owner: 'two' });
    expect(await one.claim('brave-otter-4821', hashB, false)).toEqual({ status: 'taken', owner: 'two' });
    expect(await two.claim('brave-otter-4821', hashA, false)).toEqual({ status: 'claimed', movedFrom: undefined, pending: [] });
  });

  it('releases only the claim it holds', async () => {
    const one = store('one');
    const two = store('two');
    await one.beat();
    await two.beat();
    await one.claim('brave-otter-4821', hashA);
    await two.claim('brave-otter-4821', hashA);
    // The old holder's late release must not free the new holder's claim.
    expect(await one.release('brave-otter-4821', hashA)).toBe(false);
    expect((await one.claim('brave-otter-4821', hashB)).status).toBe('taken');
    expect(await two.release('brave-otter-4821', hashA)).toBe(true);
    expect(await one.holder('brave-otter-4821')).toBeUndefined();
    expect((await one.claim('brave-otter-4821', hashB)).status).toBe('claimed');
  });

  it('an ID whose instance stopped beating is free for anyone once the instance key lapses', async () => {
    const gone = store('gone', { instance: 300 });
    const alive = store('alive');
    await gone.beat();
    await alive.beat();
    await gone.claim('brave-otter-4821', hashA);
    expect((await alive.claim('brave-otter-4821', hashB)).status).toBe('taken');
    await sleep(450);
    expect(await alive.holder('brave-otter-4821')).toBeUndefined();
    expect(await alive.claim('brave-otter-4821', hashB)).toEqual({ status: 'claimed', movedFrom: undefined, pending: [] });
  });

  it('beat says whether the instance key had lapsed (Redis restarted or the instance was away)', async () => {
    const one = store('one', { instance: 1000 });
    expect(await one.beat()).toBe(false);
    expect(await one.beat()).toBe(true);
    await sleep(1200);
    expect(await one.beat()).toBe(false);
    await one.leave();
    expect(await one.beat()).toBe(false);
  });
});

describe('renew', () => {
  it('keeps a renewed claim past its expiry and lets an unrenewed one lapse', async () => {
    // Margins for a busy machine: renewed every 300 ms, well inside the 1 s lifetime, for longer than it.
    const one = store('one', { claim: 1000 });
    await one.beat();
    await one.claim('kept-peer-1', hashA);
    await one.claim('lapsed-peer-1', hashA);
    for (let i = 0; i < 5; i++) {
      await sleep(300);
      expect(await one.renew([{ id: 'kept-peer-1', tokenHash: hashA }])).toEqual(['renewed']);
    }
    expect(await one.holder('kept-peer-1')).toEqual({ instance: 'one', tokenHash: hashA });
    expect(await one.holder('lapsed-peer-1')).toBeUndefined();
  });

  it('reports claims that are gone ("lost") and claims someone else holds now ("taken")', async () => {
    const one = store('one');
    const two = store('two');
    await one.beat();
    await two.beat();
    await one.claim('moved-peer-1', hashA);
    await two.claim('moved-peer-1', hashA);
    const result = await one.renew([
      { id: 'never-claimed-1', tokenHash: hashA },
      { id: 'moved-peer-1', tokenHash: hashA },
    ]);
    expect(result).toEqual(['lost', 'taken']);
  });

  it('renews thousands of claims in one call', async () => {
    const one = store('one');
    await one.beat();
    const entries = Array.from({ length: 3000 }, (_, i) => ({ id: `bulk-peer-${i}`, tokenHash: hashA }));
    await Promise.all(entries.map((entry) => one.claim(entry.id, entry.tokenHash)));
    const result = await one.renew(entries);
    expect(result.length).toBe(3000);
    expect(result.every((r) => r === 'renewed')).toBe(true);
  });
});

describe('route and pending messages', () => {
  it('publishes a message for a held ID on its instance channel', async () => {
    const one = store('one');
    const two = store('two');
    await one.beat();
    await two.beat();
    await two.claim('bob-peer-1', hashA);
    const subscriber = connect();
    const got: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => got.push(text));
    await subscriber.subscribe(one.channel('two'));
    expect(await one.route('bob-peer-1', '{"type":"OFFER"}', true)).toEqual({ status: 'sent', instance: 'two' });
    await sleep(100);
    expect(got).toEqual(['{"type":"OFFER"}']);
  });

  it('queues a message for an ID nobody holds; the next claim takes the queue, in order', async () => {
    const one = store('one');
    const two = store('two');
    await one.beat();
    await two.beat();
    expect(await one.route('late-peer-1', 'm1', true)).toEqual({ status: 'queued' });
    expect(await one.route('late-peer-1', 'm2', true)).toEqual({ status: 'queued' });
    expect(await one.route('late-peer-1', 'leave', false)).toEqual({ status: 'absent' });
    expect(await two.claim('late-peer-1', hashA)).toEqual({ status: 'claimed', movedFrom: undefined, pending: ['m1', 'm2'] });
    // Delivered: the sender's expiry finds nothing left to expire.
    expect(await one.unqueue('late-peer-1', 'm1')).toBe(false);
  });

  it('unqueue takes back a message still waiting, which the claim then does not deliver', async () => {
    const one = store('one');
    await one.beat();
    await one.route('late-peer-2', 'm1', true);
    await one.route('late-peer-2', 'm2', true);
    expect(await one.unqueue('late-peer-2', 'm1')).toBe(true);
    expect(await one.unqueue('late-peer-2', 'm1')).toBe(false);
    expect(await one.claim('late-peer-2', hashA)).toEqual({ status: 'claimed', movedFrom: undefined, pending: ['m2'] });
  });

  it('queues for an ID held on an instance that is gone', async () => {
    const gone = store('gone', { instance: 200 });
    const one = store('one');
    await gone.beat();
    await one.beat();
    await gone.claim('orphan-peer-1', hashA);
    await sleep(350);
    expect(await one.route('orphan-peer-1', 'm1', true)).toEqual({ status: 'queued' });
  });
});
