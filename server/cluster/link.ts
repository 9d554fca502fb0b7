/**
 * The two Redis connections of an instance (commands, and its pub/sub channel)
 * and whether the cluster is usable now. Commands fail at once while Redis is
 * away (no offline queue), so signaling never waits on it; ioredis reconnects
 * every {@link RECONNECT_MS} by itself.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { logError } from '../log-text';

/** Pause between reconnection attempts, in ms: Redis back → cluster back within about this. */
export const RECONNECT_MS = 500;
/** A command that takes longer than this fails (Redis stuck counts as Redis away), in ms. */
const COMMAND_TIMEOUT_MS = 2000;

/** `url` with any password replaced by `***`, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparsable Redis URL>';
  }
}

/** Callbacks of a {@link RedisLink}. */
export interface RedisLinkEvents {
  /** Both connections ready and the channel subscribed: cross-instance work may start (again). */
  up(): void;
  /** The first failure after being up (or at start), with the reason. */
  down(reason: string): void;
  /** A message on this instance's channel. */
  message(text: string): void;
}

/** Connections to one Redis, for one instance channel. */
export class RedisLink {
  readonly command: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  private isUp = false;
  /** The current outage has been reported. */
  private reported = false;
  private closing = false;
  private lastReason = 'not connected yet';

  /**
   * Connects in the background; {@link RedisLinkEvents.up} fires once usable.
   * @throws when `url` is not a redis:// or rediss:// URL.
   */
  constructor(
    url: string,
    private readonly channel: string,
    private readonly events: RedisLinkEvents,
  ) {
    if (!/^rediss?:\/\//.test(url)) throw new Error(`Not a Redis URL (redis://host:port): ${redactRedisUrl(url)}`);
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: () => (this.closing ? null : RECONNECT_MS),
      autoResubscribe: false,
      lazyConnect: true,
    };
    this.command = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    for (const connection of [this.command, this.subscriber]) {
      // ioredis reports every failed reconnection as an error: one log line per outage is enough.
      connection.on('error', (error: unknown) => this.fail(logError(error)));
      connection.on('close', () => this.fail(this.lastReason === 'not connected yet' ? 'connection closed' : this.lastReason));
      connection.on('ready', () => void this.check());
    }
    this.subscriber.on('message', (_channel: string, text: string) => this.events.message(text));
  }

  /** Starts connecting; resolves once connected or once the first attempt failed (never rejects). */
  async connect(): Promise<void> {
    await Promise.all([this.command.connect().catch(() => {}), this.subscriber.connect().catch(() => {})]);
  }

  /** True while both connections are ready and the channel is subscribed. */
  up(): boolean {
    return this.isUp && this.command.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Why the link is down, for log lines. */
  reason(): string {
    return this.lastReason;
  }

  /** Closes both connections without reconnecting. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([this.command.quit().catch(() => {}), this.subscriber.quit().catch(() => {})]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  private async check(): Promise<void> {
    if (this.closing || this.command.status !== 'ready' || this.subscriber.status !== 'ready') return;
    if (!this.subscribed) {
      try {
        await this.subscriber.subscribe(this.channel);
        this.subscribed = true;
      } catch (error) {
        this.fail(logError(error));
        return;
      }
    }
    if (this.isUp || this.command.status !== 'ready' || this.subscriber.status !== 'ready') return;
    this.isUp = true;
    this.events.up();
  }

  private fail(reason: string): void {
    if (this.closing) return;
    this.lastReason = reason;
    // A new subscriber connection has no subscription: subscribe again once it is ready.
    if (this.subscriber.status !== 'ready') this.subscribed = false;
    if (!this.isUp && this.reported) return;
    this.isUp = false;
    this.reported = true;
    this.events.down(reason);
  }
}
