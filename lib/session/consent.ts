/**
 * Consent happens before the answer (docs/protocol.md): the signaling guard asks
 * {@link Consent.decide} about every valid offer; a stranger's offer is held
 * unanswered and put to our user, and only their yes hands it to PeerJS. Also the
 * other way: a peer that refused our attempt, and our user's answer to a peer whose
 * identity changed on an open connection.
 */
import type { DataConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import { acceptedFingerprint, type SessionSettings } from '../settings';
import { DeclinedPeers } from './declined';
import type { Phase, RemotePeer } from './remote-peer';
import { MAX_HELD_OFFERS, type OfferDecision, type OfferInfo, type SignalingGuard } from './signaling-guard';

/** How long a connection may wait for a person to accept it, in ms. */
export const CONSENT_TIMEOUT_MS = 120_000;

/** What consent needs from the session. */
export interface ConsentHost {
  /** Current time in ms since the Unix epoch. */
  now(): number;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
  settings(): SessionSettings | undefined;
  /** The session's remote peers, by peer ID. */
  peers: Map<string, RemotePeer>;
  /** The gate on the current `Peer`'s signaling, if one is registered. */
  guard(): SignalingGuard | undefined;
  /** True when `peerId` may connect without asking (trusted or pinned). */
  isTrusted(peerId: string): boolean;
  /** Our user is to be asked about `peerId`. */
  ask(peerId: string): void;
  /** True while our user has to answer `entry`. */
  isAsking(entry: RemotePeer): boolean;
  setPhase(entry: RemotePeer, phase: Phase): void;
  clearConnectTimer(entry: RemotePeer): void;
  closeConnection(entry: RemotePeer): void;
  fail(entry: RemotePeer, error: ErrorCode): void;
  /** Sends our `hello` on `conn`. */
  sendHello(conn: DataConnection): void;
  establish(entry: RemotePeer, conn: DataConnection): void;
  /** Handles what the peer sent while our user was asked, in order. */
  replay(entry: RemotePeer, conn: DataConnection): void;
  changed(): void;
  /** Our user's acceptance of `peerId` under `fingerprint` is to be kept for this browser session; `undefined`: it ended. */
  remember(peerId: string, fingerprint: string | undefined): void;
}

/** The session's consent; see the file comment. */
export class Consent {
  /** Strangers our user declined: they are refused without a prompt for a while. */
  readonly declined = new DeclinedPeers();

  /** Peers whose stored acceptance ended while this host runs (their settings may lag). */
  private readonly endedHere = new Set<string>();

  constructor(private readonly host: ConsentHost) {}

  /** The fingerprint `peerId` was accepted with earlier while this browser runs, perhaps by another host. */
  acceptedBefore(peerId: string): string | undefined {
    const settings = this.host.settings();
    return settings && !this.endedHere.has(peerId) ? acceptedFingerprint(settings, peerId) : undefined;
  }

  /** A connection from `entry`'s peer is attached: accepted before in this browser session counts as accepted now. */
  carryOver(entry: RemotePeer): void {
    const before = this.acceptedBefore(entry.view.id);
    if (!before || entry.accepted || entry.everConnected) return;
    entry.accepted = true;
    entry.knownFingerprint = before;
  }

  /** Connected under the verified certificate `fingerprint`: kept for this browser session, unless trusted anyway. */
  connected(entry: RemotePeer, fingerprint: string | undefined): void {
    const id = entry.view.id;
    if (!fingerprint || entry.held || this.host.isTrusted(id)) return;
    this.endedHere.delete(id);
    if (this.acceptedBefore(id) !== fingerprint) this.host.remember(id, fingerprint);
  }

  /** The peer is asked again next time (a `bye`, forgotten, cut off): here, and by any host after this one. */
  endAcceptance(entry: RemotePeer): void {
    entry.accepted = false;
    const id = entry.view.id;
    if (this.acceptedBefore(id) === undefined) return;
    this.endedHere.add(id);
    this.host.remember(id, undefined);
  }

  /** The signaling guard's question: what to do with a valid offer from `offer.peerId`. */
  decide(offer: OfferInfo): OfferDecision {
    const settings = this.host.settings();
    const peerId = offer.peerId;
    if (!settings || peerId === settings.peerId) return 'drop';
    // Blocked peers learn no more than a decline, and our user is not asked.
    if (settings.blocked.includes(peerId)) return 'declined';
    const entry = this.host.peers.get(peerId);
    // Calls come only on an open data connection (see `shares.ts`); others never get a peer connection.
    if (offer.kind === 'media') return entry?.conn ? 'pass' : 'drop';
    // Our user dials them too (glare): their offer is as good as ours.
    if (entry?.conn && entry.view.initiator === 'me' && entry.view.state === 'connecting') return 'pass';
    if (this.host.isTrusted(peerId)) return 'pass';
    // Accepted in this session: the offer must claim the identity accepted then (checked for real once DTLS is done).
    if (entry?.accepted && entry.knownFingerprint !== undefined && offer.claimedFingerprint === entry.knownFingerprint) return 'pass';
    // Accepted earlier while this browser runs (a host before this one, say): the same rule.
    const before = this.acceptedBefore(peerId);
    if (!entry?.everConnected && before !== undefined && offer.claimedFingerprint === before) return 'pass';
    if (this.declined.refuses(peerId, this.host.now())) return 'declined';
    const held = this.host.guard()?.held() ?? [];
    if (!held.includes(peerId) && held.length >= MAX_HELD_OFFERS) return 'busy';
    this.askAbout(peerId, offer);
    return 'hold';
  }

  /** Lists a held offer as a request for our user; nothing is answered until the user decides. */
  private askAbout(peerId: string, offer: OfferInfo): void {
    let entry = this.host.peers.get(peerId);
    if (!entry) {
      entry = { view: { id: peerId, state: 'connecting', name: '', initiator: 'them', since: this.host.now() }, phase: 'offer-held', everConnected: false, waiters: [] };
      this.host.peers.set(peerId, entry);
    } else if (entry.conn) {
      this.host.closeConnection(entry);
    }
    const target = entry;
    this.host.log.info(`[secureconnect] ${peerId}: offer ${offer.connectionId} held for our user (not trusted${entry.accepted ? ', accepted before with another certificate' : ''})`);
    target.mustAsk = true;
    this.host.setPhase(target, 'offer-held');
    target.app = offer.app;
    target.view = { ...target.view, initiator: 'them', since: this.host.now(), waiting: 'our-answer' };
    delete target.view.error;
    this.host.clearConnectTimer(target);
    target.connectTimer = setTimeout(() => {
      this.host.guard()?.refuse(peerId, 'declined');
      this.host.fail(target, 'connect-timeout');
    }, CONSENT_TIMEOUT_MS);
    this.host.ask(peerId);
    this.host.changed();
  }

  /**
   * Hands a held offer to PeerJS as if the signaling guard had passed it: `connection` fires at
   * once and `attach` takes it from there. False (and the peer marked gone) when none was held.
   */
  release(entry: RemotePeer): boolean {
    entry.mustAsk = false;
    this.host.clearConnectTimer(entry);
    if (this.host.guard()?.release(entry.view.id)) return true;
    this.host.fail(entry, 'peer-disconnected');
    return false;
  }

  /** The peer refused our attempt `connectionId` (its user declined, or too many requests wait there). */
  refused(peerId: string, connectionId: string, reason: 'declined' | 'busy'): void {
    const entry = this.host.peers.get(peerId);
    if (!entry?.conn || entry.conn.connectionId !== connectionId || entry.view.state !== 'connecting') return;
    this.host.fail(entry, reason === 'busy' ? 'peer-busy' : 'connection-declined');
  }

  /**
   * Our user's answer to an incoming connection from an untrusted peer.
   * Accept connects it (and delivers what the peer sent meanwhile); decline closes it.
   */
  answer(peerId: string, accept: boolean): { ok: true } | { ok: false; error: ErrorCode } {
    const entry = this.host.peers.get(peerId);
    const conn = entry?.conn;
    if (!entry || !this.host.isAsking(entry) || (!conn && entry.phase !== 'offer-held')) return { ok: false, error: 'not-connected' };
    if (!accept) {
      this.declined.decline(peerId, this.host.now());
      this.host.guard()?.refuse(peerId, 'declined');
      entry.accepted = false;
      this.host.fail(entry, 'connection-declined');
      if (!entry.everConnected) this.host.peers.delete(peerId);
      this.host.changed();
      return { ok: true };
    }
    this.declined.forget(peerId);
    if (!conn) {
      // Whoever our user accepted now is the identity to expect (see `identityVerdict`).
      entry.accepted = true;
      entry.knownFingerprint = undefined;
      return this.release(entry) ? { ok: true } : { ok: false, error: 'not-connected' };
    }
    entry.mustAsk = false;
    entry.knownFingerprint = entry.seen;
    this.host.sendHello(conn);
    if (entry.view.initiator === 'me') {
      // Connected once their `hello` arrives (it may be among what they sent meanwhile).
      this.host.setPhase(entry, 'awaiting-hello');
      this.host.clearConnectTimer(entry);
      entry.connectTimer = setTimeout(() => this.host.fail(entry, 'connection-declined'), CONSENT_TIMEOUT_MS);
      entry.view = { ...entry.view, waiting: 'their-answer' };
      this.host.changed();
    } else {
      this.host.establish(entry, conn);
    }
    this.host.replay(entry, conn);
    return { ok: true };
  }
}
