/**
 * PeerServer instances that share a Redis act as one signaling service. Each
 * instance stays a stock `peer` PeerServer for its own clients; this class
 * joins in through the WebSocket hooks of `ws-guard.ts` and `peer`'s events:
 *
 * - registration: an atomic claim of the ID in Redis first (ID-TAKEN if held
 *   on a live instance with another token; the same token takes it back);
 * - relay: a message for a peer not on this instance goes to the channel of the
 *   instance holding its ID (one channel per instance), or waits in Redis for
 *   `expire_timeout` if nobody holds it; the sender then gets EXPIRE here;
 * - liveness: an `alive:` key per instance, refreshed every second; a claim of
 *   an instance whose key lapsed (3 s) is free. Claims live `alive_timeout`,
 *   renewed for clients that keep sending heartbeats, released on leave.
 *
 * Redis away: same-instance signaling goes on through `peer` alone, and
 * cross-instance work is refused with a log line until the link is back.
 */
import { randomBytes } from 'node:crypto';
import type { IClient } from 'peer';
import { WebSocket } from 'ws';
import type { RelayedMessage } from '../client-message';
import { logError, logText } from '../log-text';
import { sameSecret } from '../turn-endpoint';
import { ID_TAKEN_MESSAGE, type WsHooks } from '../ws-guard';
import { ClaimStore, claimTokenHash, instanceChannel, type ClaimResult } from './claims';
import { RedisLink, redactRedisUrl } from './link';
import { PendingExpiry } from './pending';
import { kickText, parseChannelMessage, relayText, ThrottledLog } from './wire';

/** Options of {@link SignalingCluster}. */
export interface ClusterOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  redisUrl: string;
  /** Prefix of every Redis key and channel; instances of one service share it. */
  prefix: string;
  /** PeerServer `alive_timeout`, in ms: the lifetime of a claim not renewed. */
  aliveTimeoutMs: number;
  /** PeerServer `expire_timeout`, in ms: how long a message waits for a peer not yet connected. */
  expireTimeoutMs: number;
  log: (line: string) => void;
  /** Lifetime of this instance's `alive:` key, in ms (3,000): how soon its IDs are free after it dies. */
  instanceTtlMs?: number;
}

/** A client of this instance, as `peer` registered it; `confirmed`: its claim is in Redis (not while Redis is away). */
interface Local {
  client: IClient;
  tokenHash: string;
  confirmed: boolean;
}

/** Instance heartbeat and pending-message sweep, in ms (the sweep as `peer`'s `cleanup_out_msgs`). */
const TICK_MS = 1000;

/** The cluster side of one instance. */
export class SignalingCluster implements WsHooks {
  readonly instanceId = randomBytes(6).toString('hex');
  private readonly store: ClaimStore;
  private readonly link: RedisLink;
  private readonly locals = new Map<string, Local>();
  /**
   * Registrations between {@link register} and {@link registered}: whether claimed in Redis,
   * and messages for them (those that waited, then those routed here meanwhile), in order.
   */
  private readonly fresh = new Map<string, { confirmed: boolean; pending: string[] }>();
  private readonly expiry: PendingExpiry;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Refusals come once per message while Redis is away: at most one line a second. */
  private readonly refused: ThrottledLog;
  private closing = false;

  constructor(private readonly options: ClusterOptions) {
    this.link = new RedisLink(options.redisUrl, instanceChannel(options.prefix, this.instanceId), {
      up: () => void this.beat().then(() => options.log(`cluster: Redis is up; IDs of this instance claimed: ${this.locals.size}`)),
      down: (reason) => options.log(`cluster: Redis unavailable (${reason}): serving this instance's peers only; cross-instance signaling refused until it is back`),
      message: (text) => this.onChannel(text),
    });
    this.store = new ClaimStore({
      redis: this.link.command,
      prefix: options.prefix,
      instanceId: this.instanceId,
      claimTtlMs: options.aliveTimeoutMs,
      instanceTtlMs: options.instanceTtlMs ?? 3000,
      pendingTtlMs: options.expireTimeoutMs + 10_000,
    });
    this.expiry = new PendingExpiry(options.expireTimeoutMs);
    this.refused = new ThrottledLog((line) => options.log(`cluster: ${line}`));
  }

  /** Connects to Redis and starts the timers; resolves even when Redis is away (the link retries). */
  async start(): Promise<void> {
    this.options.log(`cluster: instance ${this.instanceId}, Redis ${redactRedisUrl(this.options.redisUrl)}, keys under "${this.options.prefix}"`);
    this.timers.push(setInterval(() => void this.beat(), TICK_MS));
    this.timers.push(setInterval(() => void this.sweep(), TICK_MS));
    this.timers.push(setInterval(() => void this.renew(), Math.min(this.options.aliveTimeoutMs / 3, 30_000)));
    await this.link.connect();
  }

  /** Whether Redis is usable now, for `/health`. */
  status(): { instance: string; redis: 'up' | 'down' } {
    return { instance: this.instanceId, redis: this.link.up() ? 'up' : 'down' };
  }

  /** Frees this instance's IDs at once (its `alive:` key goes) and closes the connections. */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.link.up()) await this.store.leave().catch(() => {});
    await this.link.close();
  }

  // ---- WsHooks (ws-guard.ts): see the interface for each contract ----

  /** Claims the ID in Redis; 'ok' also while Redis is away (this instance only, claimed later). Never rejects. */
  async register(id: string, token: string): Promise<'ok' | 'taken'> {
    const fresh = { confirmed: false, pending: [] as string[] };
    this.fresh.set(id, fresh);
    if (!this.link.up()) {
      this.refused.write(`${id} registered on this instance only: Redis unavailable (${this.link.reason()}); claimed when it is back`);
      return 'ok';
    }
    const tokenHash = claimTokenHash(id, token);
    let result: ClaimResult;
    try {
      result = await this.store.claim(id, tokenHash);
    } catch (error) {
      this.options.log(`cluster: ${id} registered on this instance only: claim failed (${logError(error)})`);
      return 'ok';
    }
    if (result.status !== 'claimed') {
      this.fresh.delete(id);
      this.options.log(`refused a registration: ${id} is held on instance ${logText(result.owner)}`);
      return 'taken';
    }
    if (result.movedFrom) this.kick(result.movedFrom, id, tokenHash);
    fresh.confirmed = true;
    fresh.pending.unshift(...result.pending);
    return 'ok';
  }

  /** Delivers what waited for the new client, or releases the claim if `peer` did not take it. */
  registered(id: string, token: string): void {
    const fresh = this.fresh.get(id);
    this.fresh.delete(id);
    if (!fresh) return;
    const local = this.locals.get(id);
    if (local && local.client.getToken() === token) {
      for (const message of fresh.pending) local.client.getSocket()?.send(message);
      return;
    }
    // `peer` refused it (limit, key, its own ID-TAKEN) or the socket closed meanwhile.
    if (fresh.confirmed) void this.store.release(id, claimTokenHash(id, token)).catch(() => {});
  }

  /** Takes a message for a peer not on this instance, unless Redis is away (then `peer` queues it). */
  relay(src: string, message: RelayedMessage, toPeer: () => void): boolean {
    if (this.locals.has(message.dst)) return false;
    if (!this.link.up()) {
      this.refused.write(`relay of ${message.type} from ${src} to ${message.dst} refused: Redis unavailable; held on this instance for expire_timeout`);
      return false;
    }
    const text = relayText(message.type, src, message.dst, message.payload);
    this.store.route(message.dst, text, message.type !== 'LEAVE').then(
      (result) => {
        if (result.status === 'queued') this.expiry.track(src, message.dst, text);
      },
      (error: unknown) => {
        this.refused.write(`relay of ${message.type} from ${src} to ${message.dst} failed: ${logError(error)}; left to this instance`);
        toPeer();
      },
    );
    return true;
  }

  // ---- peer's events ----

  /** For `peer`'s `connection` event (a new client, or the same token again), which comes after {@link register}. */
  onConnection(client: IClient): void {
    const id = client.getId();
    this.locals.set(id, { client, tokenHash: claimTokenHash(id, client.getToken()), confirmed: this.fresh.get(id)?.confirmed ?? false });
  }

  /** For `peer`'s `disconnect` event: a clean leave (or `alive_timeout`) frees the ID cluster-wide. */
  onDisconnect(client: IClient): void {
    const local = this.locals.get(client.getId());
    if (local?.client !== client) return;
    this.locals.delete(client.getId());
    if (!this.closing && local.confirmed && this.link.up()) void this.store.release(client.getId(), local.tokenHash).catch(() => {});
  }

  /** True when `id` is registered now, on any instance, with PeerServer token `token` (for TURN credentials). */
  async isRegistered(id: string, token: string): Promise<boolean> {
    const local = this.locals.get(id);
    if (local) return local.client.getSocket()?.readyState === WebSocket.OPEN && sameSecret(local.client.getToken(), token);
    if (!this.link.up()) return false;
    const holder = await this.store.holder(id).catch(() => undefined);
    return holder !== undefined && sameSecret(holder.tokenHash, claimTokenHash(id, token));
  }

  // ---- Redis side ----

  private onChannel(text: string): void {
    const message = parseChannelMessage(text);
    if (!message) return;
    if (message.kind === 'kick') {
      const local = this.locals.get(message.id);
      if (local?.tokenHash !== message.tokenHash) return;
      // The same client registered on another instance: this connection is stale.
      this.drop(message.id, local, 'registered again on another instance', false);
      return;
    }
    // Routed here by a claim whose answer has not reached us yet: delivered once registered.
    const registering = this.fresh.get(message.dst);
    if (registering) {
      registering.pending.push(text);
      return;
    }
    const socket = this.locals.get(message.dst)?.client.getSocket();
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(text);
      return;
    }
    // Gone since it was routed here: tell the sender, as `peer` does for a dead socket.
    if (message.type !== 'LEAVE' && message.type !== 'EXPIRE') {
      void this.store.route(message.src, relayText('LEAVE', message.dst, message.src, undefined), false).catch(() => {});
    }
  }

  private kick(instance: string, id: string, tokenHash: string): void {
    void this.link.command.publish(this.store.channel(instance), kickText(id, tokenHash)).catch(() => {});
  }

  /**
   * Refreshes the `alive:` key. If it had lapsed (Redis restarted empty, or away too long),
   * claims every ID again; else those registered while Redis was away.
   */
  private async beat(): Promise<void> {
    if (this.closing || !this.link.up()) return;
    try {
      const all = !(await this.store.beat());
      const entries = [...this.locals.entries()].filter(([, local]) => all || !local.confirmed);
      if (entries.length > 0) await this.reassert(entries);
    } catch (error) {
      this.options.log(`cluster: heartbeat failed: ${logError(error)}`);
    }
  }

  private async reassert(entries: Array<[string, Local]>): Promise<void> {
    await Promise.all(
      entries.map(async ([id, local]) => {
        // No take-over: if the same client is on a live instance now, that connection is the newer one.
        const result = await this.store.claim(id, local.tokenHash, false);
        if (this.locals.get(id) !== local) return;
        if (result.status !== 'claimed') {
          const taken = result.status === 'taken';
          return this.drop(id, local, `${taken ? 'taken by another client' : 'registered again'} on instance ${logText(result.owner)}`, taken);
        }
        local.confirmed = true;
        for (const message of result.pending) local.client.getSocket()?.send(message);
      }),
    );
  }

  /** Renews the claims of clients heard from within `alive_timeout`; claims lost meanwhile are made again. */
  private async renew(): Promise<void> {
    if (this.closing || !this.link.up()) return;
    const now = Date.now();
    const entries = [...this.locals.entries()].filter(([, local]) => local.confirmed && now - local.client.getLastPing() < this.options.aliveTimeoutMs);
    try {
      const results = await this.store.renew(entries.map(([id, local]) => ({ id, tokenHash: local.tokenHash })));
      const lost = entries.filter((_, i) => results[i] !== 'renewed');
      if (lost.length > 0) await this.reassert(lost);
    } catch (error) {
      this.options.log(`cluster: renewing claims failed: ${logError(error)}`);
    }
  }

  private async sweep(): Promise<void> {
    if (this.expiry.size === 0) return;
    await this.expiry.sweep(
      (dst, message) => (this.link.up() ? this.store.unqueue(dst, message) : Promise.resolve(true)),
      (src, dst) => this.locals.get(src)?.client.send({ type: 'EXPIRE', src: dst, dst: src }),
    );
  }

  /**
   * Drops a local client whose ID is held elsewhere now: with ID-TAKEN (as it would have had at
   * registration) when another client holds it, silently when the same client moved.
   */
  private drop(id: string, local: Local, why: string, taken: boolean): void {
    this.locals.delete(id);
    this.options.log(`cluster: ${id} ${why}: dropped here`);
    const socket = local.client.getSocket();
    if (!taken) socket?.terminate();
    else if (socket?.readyState === WebSocket.OPEN) {
      socket.send(ID_TAKEN_MESSAGE);
      socket.close();
    }
  }
}
