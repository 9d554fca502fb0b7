/**
 * Cluster-wide ownership of peer IDs, and routing by owner, in Redis: each
 * operation is one atomic script (`scripts.ts`). A claim names the instance
 * that serves the peer and a hash of the peer's PeerServer token, so that the
 * same client can take its ID back on any instance and the TURN endpoint of any
 * instance can check a token, while Redis never holds a token itself.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CLAIM, HOLDER, RELEASE, RENEW, ROUTE, type LuaScript } from './scripts';

/** Options of {@link ClaimStore}. */
export interface ClaimStoreOptions {
  /** A connection in command mode (not the subscriber). */
  redis: Redis;
  /** Prefix of every key and channel, e.g. `sc:peerjs:`. */
  prefix: string;
  /** This instance's ID: letters and digits, no spaces. */
  instanceId: string;
  /** Lifetime of a claim not renewed, in ms: PeerServer's `alive_timeout`. */
  claimTtlMs: number;
  /** Lifetime of this instance's `alive:` key not refreshed by {@link ClaimStore.beat}, in ms. */
  instanceTtlMs: number;
  /** Lifetime of a queue of pending messages, in ms (past `expire_timeout`, so the sender's expiry finds it). */
  pendingTtlMs: number;
}

/**
 * What a claim found: the ID is ours now (with messages that waited for it), held
 * elsewhere with another token (`taken`), or, when not taking it over, held
 * elsewhere with the same token (`held`: the client moved there).
 */
export type ClaimResult =
  | { status: 'claimed'; /** Live instance that held it with the same token, to be told to let go. */ movedFrom: string | undefined; pending: string[] }
  | { status: 'taken' | 'held'; owner: string };
/** Per claim renewed: still ours, gone (Redis lost it), or someone else's now. */
export type RenewResult = 'renewed' | 'lost' | 'taken';
/** Where a message went: to the holder's instance, into the pending queue, or nowhere. */
export type RouteResult = { status: 'sent'; instance: string } | { status: 'queued' } | { status: 'absent' };

/** Claims renewed per script call: bounds the time Redis spends in one call. */
const RENEW_BATCH = 1000;

/**
 * The hash stored for a client's token: SHA-256 over ID and token, 128 bits in hex.
 * Bound to the ID, so equal tokens of two IDs do not look alike.
 */
export function claimTokenHash(id: string, token: string): string {
  return createHash('sha256').update(`${id}\0${token}`).digest('hex').slice(0, 32);
}

/** The pub/sub channel of instance `instanceId` under `prefix`. */
export const instanceChannel = (prefix: string, instanceId: string): string => `${prefix}instance:${instanceId}`;

/** The claims of one instance. Every method rejects when Redis cannot be reached. */
export class ClaimStore {
  private readonly alivePrefix: string;

  constructor(private readonly options: ClaimStoreOptions) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.instanceId)) throw new Error(`instance ID must be letters, digits, - or _: ${options.instanceId}`);
    this.alivePrefix = `${options.prefix}alive:`;
  }

  /** This instance's ID. */
  get instanceId(): string {
    return this.options.instanceId;
  }

  /** The pub/sub channel of instance `instanceId`. */
  channel(instanceId: string): string {
    return instanceChannel(this.options.prefix, instanceId);
  }

  /**
   * Refreshes this instance's `alive:` key.
   * @returns false when the key was missing: first beat, Redis restarted empty, or it lapsed; then every claim must be asserted again.
   */
  async beat(): Promise<boolean> {
    const previous = await this.options.redis.set(this.aliveKey(), '1', 'PX', this.options.instanceTtlMs, 'GET');
    return previous !== null;
  }

  /** Deletes this instance's `alive:` key: its claims are free at once. */
  async leave(): Promise<void> {
    await this.options.redis.del(this.aliveKey());
  }

  /**
   * Claims `id` for this instance, for the client whose token hashes to `tokenHash`,
   * and takes the messages that waited for it. `takeOver: false` leaves the ID to a
   * live instance holding it with the same token (for claims made again after an outage).
   */
  async claim(id: string, tokenHash: string, takeOver = true): Promise<ClaimResult> {
    const reply = await this.run(
      CLAIM,
      [this.key('claim', id), this.key('pending', id)],
      [this.alivePrefix, this.instanceId, tokenHash, this.options.claimTtlMs, takeOver ? '1' : '0'],
    );
    const [status, owner = '', ...pending] = reply as string[];
    if (status === 'taken' || status === 'held') return { status, owner };
    return { status: 'claimed', movedFrom: owner || undefined, pending };
  }

  /** Deletes the claim on `id` if this instance holds it for `tokenHash`; true when it did. */
  async release(id: string, tokenHash: string): Promise<boolean> {
    return (await this.run(RELEASE, [this.key('claim', id)], [this.value(tokenHash)])) === 1;
  }

  /** Extends each claim this instance still holds by the claim TTL; one result per entry, in order. */
  async renew(entries: ReadonlyArray<{ id: string; tokenHash: string }>): Promise<RenewResult[]> {
    const results: RenewResult[] = [];
    for (let start = 0; start < entries.length; start += RENEW_BATCH) {
      const batch = entries.slice(start, start + RENEW_BATCH);
      const keys = batch.map((entry) => this.key('claim', entry.id));
      const values = batch.map((entry) => this.value(entry.tokenHash));
      const reply = (await this.run(RENEW, keys, [this.options.claimTtlMs, ...values])) as number[];
      for (const code of reply) results.push(code === 1 ? 'renewed' : code === 0 ? 'lost' : 'taken');
    }
    return results;
  }

  /** Who holds `id` now: a live instance and the token hash, or `undefined`. */
  async holder(id: string): Promise<{ instance: string; tokenHash: string } | undefined> {
    const value = await this.run(HOLDER, [this.key('claim', id)], [this.alivePrefix]);
    if (typeof value !== 'string') return undefined;
    const [instance = '', tokenHash = ''] = value.split(' ');
    return { instance, tokenHash };
  }

  /**
   * Publishes `message` on the channel of the instance holding `dst`; when none
   * does, queues it for `dst`'s next claim if `queue`, else drops it.
   */
  async route(dst: string, message: string, queue: boolean): Promise<RouteResult> {
    const reply = await this.run(
      ROUTE,
      [this.key('claim', dst), this.key('pending', dst)],
      [this.alivePrefix, this.channel(''), message, queue ? '1' : '0', this.options.pendingTtlMs],
    );
    if (typeof reply === 'string') return { status: 'sent', instance: reply };
    return reply === 1 ? { status: 'queued' } : { status: 'absent' };
  }

  /** Takes `message` back from `dst`'s queue; true when it was still waiting (so it expired undelivered). */
  async unqueue(dst: string, message: string): Promise<boolean> {
    return (await this.options.redis.lrem(this.key('pending', dst), 1, message)) === 1;
  }

  private key(kind: 'claim' | 'pending', id: string): string {
    return `${this.options.prefix}${kind}:${id}`;
  }

  private aliveKey(): string {
    return `${this.alivePrefix}${this.instanceId}`;
  }

  private value(tokenHash: string): string {
    return `${this.instanceId} ${tokenHash}`;
  }

  /** EVALSHA, loading the script on NOSCRIPT (a restarted Redis has none). */
  private async run(lua: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    const redis = this.options.redis;
    try {
      return await redis.evalsha(lua.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(lua.source, keys.length, ...keys, ...args);
    }
  }
}
