/**
 * The ICE configuration of a session: the user's STUN/TURN servers, TURN
 * credentials minted by the PeerServer (fetched once registered, renewed at half
 * their lifetime), relay only, and our persistent certificate. PeerJS reads the
 * `RTCConfiguration` object it was given at every new `RTCPeerConnection`, so
 * renewed credentials are written into that same object.
 */
import type { ErrorCode } from '../errors';
import type { SessionState } from '../protocol/runtime';
import { toRtcIceServers, turnCredentialsUrl, type SessionSettings, type SignalingSettings } from '../settings';
import { backoffDelay } from './backoff';
import { fetchTurnCredentials, toIceServers, turnRefreshDelayMs } from './turn-client';

/** What {@link IceConfig} needs; injectable for tests. */
export interface IceConfigDeps {
  fetch: typeof fetch;
  /** Current time in ms since the Unix epoch. */
  now(): number;
  log: Pick<Console, 'warn'>;
  /** Called when the TURN status or servers changed. */
  changed(): void;
  certificate?: RTCCertificate;
}

/** Backoff of credential fetches after a failure (ms). */
const TURN_RETRY = { baseMs: 2000, maxMs: 60_000, jitter: 0.2 };

/** TURN credentials and the configuration every connection of the current `Peer` is made with. */
export class IceConfig {
  private settings?: SessionSettings;
  /** The PeerServer we are registered with, which mints our credentials; the settings' one until known. */
  private endpoint?: SignalingSettings;
  private config: RTCConfiguration = {};
  private minted: RTCIceServer[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private failures = 0;
  /** Bumped on each reset, so late answers for old settings are ignored. */
  private generation = 0;
  private inFlight?: Promise<void>;
  /** The TURN-credentials status shown to the user; absent when they are not fetched. */
  status?: SessionState['turn'];

  constructor(private readonly deps: IceConfigDeps) {}

  /** New settings: forgets minted credentials; a fetch starts at {@link registered}. */
  reset(settings: SessionSettings): void {
    this.stop();
    this.settings = settings;
    this.endpoint = undefined;
    this.minted = [];
    this.failures = 0;
    this.status = settings.turnFromServer ? { status: 'fetching' } : undefined;
  }

  /** A fresh configuration object for a new `Peer` (never PeerJS's default public servers). */
  build(): RTCConfiguration {
    this.config = {
      iceServers: this.iceServers(),
      iceTransportPolicy: this.settings?.relayOnly ? 'relay' : 'all',
      ...(this.deps.certificate ? { certificates: [this.deps.certificate] } : {}),
    };
    return this.config;
  }

  /**
   * We are registered as `peerId` with PeerServer token `token`: the server mints
   * only for that pair (server/turn-endpoint.ts), so the first fetch starts now.
   */
  registered(token: string, server?: SignalingSettings): void {
    // Credentials come from the server we are registered with (after a failover, another one).
    if (server) this.endpoint = server;
    if (!this.settings?.turnFromServer || this.timer !== undefined || this.inFlight !== undefined) return;
    const generation = this.generation;
    this.inFlight = this.refresh(generation, token).finally(() => {
      if (generation === this.generation) this.inFlight = undefined;
    });
  }

  /** The first fetch, while it runs: a connect waits for it, so its first attempt can relay. */
  pending(): Promise<void> | undefined {
    return this.status?.status === 'fetching' ? this.inFlight : undefined;
  }

  /** Why relay-only mode cannot connect at all, if it cannot. */
  relayProblem(): ErrorCode | undefined {
    if (!this.settings?.relayOnly) return undefined;
    const hasTurn = this.iceServers().some((server) => [server.urls].flat().some((url) => /^turns?:/.test(url)));
    if (hasTurn) return undefined;
    return this.status?.status === 'failed' ? 'turn-credentials-failed' : 'relay-unconfigured';
  }

  /** Stops renewing. */
  stop(): void {
    this.generation++;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = undefined;
  }

  /** The user's ICE servers followed by the minted TURN servers. */
  private iceServers(): RTCIceServer[] {
    return [...toRtcIceServers(this.settings?.iceServers ?? []), ...this.minted];
  }

  /**
   * Fetches credentials and schedules the next fetch: at half their remaining
   * lifetime, or with backoff after a failure (keeping the old ones while they last).
   */
  private async refresh(generation: number, token: string): Promise<void> {
    const settings = this.settings;
    if (!settings) return;
    this.timer = undefined;
    try {
      const url = turnCredentialsUrl(this.endpoint ?? settings.signaling, settings.peerId, token);
      const credentials = await fetchTurnCredentials(url, this.deps.fetch, this.deps.now());
      if (generation !== this.generation) return;
      this.minted = toIceServers(credentials);
      this.failures = 0;
      this.status = { status: 'ready', expiresAt: credentials.expiresAt };
      this.timer = setTimeout(() => void this.refresh(generation, token), turnRefreshDelayMs(credentials, this.deps.now()));
    } catch (error) {
      if (generation !== this.generation) return;
      this.deps.log.warn('[secureconnect] could not get TURN credentials', error);
      const expiresAt = this.status?.expiresAt;
      if (expiresAt === undefined || expiresAt * 1000 <= this.deps.now()) {
        this.minted = [];
        this.status = { status: 'failed', error: 'turn-credentials-failed' };
      }
      this.timer = setTimeout(() => void this.refresh(generation, token), backoffDelay(this.failures++, TURN_RETRY));
    }
    this.config.iceServers = this.iceServers();
    this.deps.changed();
  }
}
