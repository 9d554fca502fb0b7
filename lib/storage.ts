/**
 * Stored settings, one `storage.defineItem` per key (WXT storage over
 * `storage.local`). Only contexts with the `storage` API use this: the
 * background, the popup and the options page, not the offscreen document.
 */
import { storage } from 'wxt/utils/storage';
import { cleanDisplayName } from './display-name';
import { generatePeerId, isPeerId } from './ids';
import { copyRecord, ownRecord, ownValue, withEntry, withoutEntry } from './own-record';
import {
  DEFAULT_SIGNALING,
  FINGERPRINT_PATTERN,
  SessionSettingsSchema,
  validateSettings,
  type IceServerSetting,
  type SessionSettings,
  type SignalingSettings,
} from './settings';

/** This user's peer ID; made once, on first read. */
export const peerIdItem = storage.defineItem<string>('local:peerId', {
  init: () => generatePeerId(),
  version: 1,
});

/** Display name sent in `hello`. */
export const displayNameItem = storage.defineItem<string>('local:displayName', { fallback: '', version: 1 });

/** PeerServer address. */
export const signalingItem = storage.defineItem<SignalingSettings>('local:signaling', {
  fallback: DEFAULT_SIGNALING,
  version: 1,
});

/** {@link SessionSettings.fallbackServers}. */
export const fallbackServersItem = storage.defineItem<SignalingSettings[]>('local:fallbackServers', { fallback: [], version: 1 });

/** ICE servers (STUN/TURN). Empty by default: PeerJS's public defaults are never used. */
export const iceServersItem = storage.defineItem<IceServerSetting[]>('local:iceServers', { fallback: [], version: 1 });

/** {@link SessionSettings.relayOnly}. */
export const relayOnlyItem = storage.defineItem<boolean>('local:relayOnly', { fallback: false, version: 1 });

/** {@link SessionSettings.turnFromServer}. */
export const turnFromServerItem = storage.defineItem<boolean>('local:turnFromServer', { fallback: false, version: 1 });

/** A peer whose verification code the user confirmed. */
export interface PinnedPeer {
  /** Their SHA-256 DTLS fingerprint at the time (upper-case hex pairs). */
  fingerprint: string;
  /** When the user confirmed the codes matched, in ms since the Unix epoch. */
  verifiedAt: number;
}

/** Verified peers by peer ID: their pinned identities. */
export const pinnedPeersItem = storage.defineItem<Record<string, PinnedPeer>>('local:pinnedPeers', { fallback: {}, version: 1 });

/** A peer the user lets connect without asking. */
export interface TrustedPeer {
  /** Display name when added (may be empty). */
  name: string;
  /** When added, in ms since the Unix epoch. */
  added: number;
  /** When last connected, in ms since the Unix epoch. */
  lastSeen?: number;
}

/** Peers that connect without asking, by peer ID. */
export const trustedPeersItem = storage.defineItem<Record<string, TrustedPeer>>('local:trustedPeers', { fallback: {}, version: 1 });

/** Peers refused without asking, by peer ID, with when they were blocked (ms since the Unix epoch). */
export const blockedPeersItem = storage.defineItem<Record<string, { added: number }>>('local:blockedPeers', { fallback: {}, version: 1 });

/**
 * Peers our user accepted while this browser runs, by peer ID: the fingerprint they
 * connected with. `storage.session`: gone when the browser quits, kept when the peer
 * host's document is made anew.
 */
export const acceptedPeersItem = storage.defineItem<Record<string, string>>('session:acceptedPeers', { fallback: {} });
/** Most peers remembered as accepted; the oldest go first. */
export const ACCEPTED_MAX = 200;

/** Every stored item that feeds {@link SessionSettings}. */
export const SESSION_ITEMS = [
  peerIdItem,
  displayNameItem,
  signalingItem,
  fallbackServersItem,
  iceServersItem,
  relayOnlyItem,
  turnFromServerItem,
  pinnedPeersItem,
  trustedPeersItem,
  blockedPeersItem,
  acceptedPeersItem,
] as const;

/**
 * Remembers that our user accepted `peerId` with the certificate `fingerprint`, for this
 * browser session; without a fingerprint, forgets it (the acceptance ended).
 */
export async function rememberAccepted(peerId: string, fingerprint?: string): Promise<void> {
  if (!isPeerId(peerId) || (fingerprint !== undefined && !FINGERPRINT_PATTERN.test(fingerprint))) return;
  const accepted = copyRecord(await acceptedPeersItem.getValue());
  if (ownValue(accepted, peerId) === fingerprint) return;
  delete accepted[peerId];
  const entries = Object.entries(accepted);
  if (fingerprint !== undefined) entries.push([peerId, fingerprint]);
  await acceptedPeersItem.setValue(ownRecord(entries.slice(-ACCEPTED_MAX)));
}

/** Pinned peers by peer ID, in a record without a prototype (see `lib/own-record.ts`). */
export async function pinnedPeers(): Promise<Record<string, PinnedPeer>> {
  return copyRecord(await pinnedPeersItem.getValue());
}

/** Trusted peers by peer ID, in a record without a prototype. */
export async function trustedPeers(): Promise<Record<string, TrustedPeer>> {
  return copyRecord(await trustedPeersItem.getValue());
}

/** Blocked peers by peer ID, in a record without a prototype. */
export async function blockedPeers(): Promise<Record<string, { added: number }>> {
  return copyRecord(await blockedPeersItem.getValue());
}

/** Blocks `peerId` (and stops trusting it). */
export async function blockPeer(peerId: string, now = Date.now()): Promise<void> {
  const [blocked, trusted] = await Promise.all([blockedPeers(), trustedPeers()]);
  await trustedPeersItem.setValue(withoutEntry(trusted, peerId));
  await blockedPeersItem.setValue(withEntry(blocked, peerId, { added: now }));
}

/** Lets `peerId` connect without asking (and unblocks it); an entry already there is kept. */
export async function trustPeer(peerId: string, now = Date.now()): Promise<void> {
  const [blocked, trusted] = await Promise.all([blockedPeers(), trustedPeers()]);
  await blockedPeersItem.setValue(withoutEntry(blocked, peerId));
  await trustedPeersItem.setValue(withEntry(trusted, peerId, ownValue(trusted, peerId) ?? { name: '', added: now }));
}

/** Stops trusting `peerId`: it is asked about again. */
export async function untrustPeer(peerId: string): Promise<void> {
  await trustedPeersItem.setValue(withoutEntry(await trustedPeers(), peerId));
}

/** Unblocks `peerId`. */
export async function unblockPeer(peerId: string): Promise<void> {
  await blockedPeersItem.setValue(withoutEntry(await blockedPeers(), peerId));
}

/** Pins `fingerprint` as `peerId`'s identity (the user confirmed the codes match). */
export async function pinPeer(peerId: string, fingerprint: string, now = Date.now()): Promise<void> {
  await pinnedPeersItem.setValue(withEntry(await pinnedPeers(), peerId, { fingerprint, verifiedAt: now }));
}

/**
 * Reads the session settings. A stored value that no longer validates (written by
 * an older version, or edited by hand) is replaced by its default, so the peer
 * host always starts.
 */
export async function loadSessionSettings(): Promise<SessionSettings> {
  const [peerId, displayName, signaling, fallbackServers, iceServers, relayOnly, turnFromServer, pinned, trustedById, blockedById, acceptedById] = await Promise.all([
    peerIdItem.getValue(),
    displayNameItem.getValue(),
    signalingItem.getValue(),
    fallbackServersItem.getValue(),
    iceServersItem.getValue(),
    relayOnlyItem.getValue(),
    turnFromServerItem.getValue(),
    pinnedPeers(),
    trustedPeers(),
    blockedPeers(),
    acceptedPeersItem.getValue().then(copyRecord),
  ]);
  const pins = ownRecord(Object.entries(pinned).map(([id, pin]) => [id, typeof pin === 'object' && pin !== null ? pin.fingerprint : '']));
  const trusted = Object.keys(trustedById).filter(isPeerId);
  const blocked = Object.keys(blockedById).filter(isPeerId);
  const accepted = ownRecord(Object.entries(acceptedById).filter(([id, fp]) => isPeerId(id) && typeof fp === 'string' && FINGERPRINT_PATTERN.test(fp)));
  const candidate = { peerId: peerId ?? generatePeerId(), displayName, signaling, fallbackServers, iceServers, relayOnly, turnFromServer, pins, trusted, blocked, accepted };
  const checked = validateSettings(SessionSettingsSchema, candidate);
  if (checked.ok) return checked.value;
  console.warn('[secureconnect] stored settings are invalid, using defaults where needed', checked.problems);
  const fallback = { peerId: generatePeerId(), signaling: DEFAULT_SIGNALING };
  const bad = new Set(checked.problems.map((problem) => problem.path.split('.')[0]));
  const repaired: SessionSettings = {
    peerId: bad.has('peerId') ? fallback.peerId : candidate.peerId,
    displayName: bad.has('displayName') ? '' : candidate.displayName,
    signaling: bad.has('signaling') ? fallback.signaling : candidate.signaling,
    fallbackServers: bad.has('fallbackServers') ? [] : candidate.fallbackServers,
    iceServers: bad.has('iceServers') ? [] : candidate.iceServers,
    relayOnly: relayOnly === true,
    turnFromServer: turnFromServer === true,
    // Never drop every pin for one bad entry: keep the valid ones.
    pins: bad.has('pins') ? ownRecord(Object.entries(pins).filter(([id, fp]) => isPeerId(id) && FINGERPRINT_PATTERN.test(fp))) : candidate.pins,
    trusted: bad.has('trusted') ? [] : trusted,
    blocked: bad.has('blocked') ? [] : blocked,
    accepted,
  };
  if (bad.has('peerId')) await peerIdItem.setValue(repaired.peerId);
  return repaired;
}

/** How often a trusted peer's "last seen" is written while it stays connected, in ms. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Records that these peers are connected now, for the trusted ones (a write at
 * most once a minute per peer, or when their display name changed). The
 * background calls it when the set of connected peers changes, so "last seen"
 * is when a trusted peer last connected.
 */
export async function touchTrustedPeers(connected: Array<{ id: string; name: string }>, now = Date.now()): Promise<void> {
  const trusted = await trustedPeers();
  let next = trusted;
  for (const { id, name: raw } of connected) {
    // Own entries only: a peer named `toString` is not trusted by inheritance.
    const peer = ownValue(next, id);
    if (!peer) continue;
    const name = cleanDisplayName(raw);
    const stale = now - (peer.lastSeen ?? 0) >= LAST_SEEN_RESOLUTION_MS;
    // The name they go by (from their hello), kept current.
    const renamed = name !== '' && name !== peer.name;
    if (stale || renamed) next = withEntry(next, id, { ...peer, ...(renamed ? { name } : {}), ...(stale ? { lastSeen: now } : {}) });
  }
  if (next !== trusted) await trustedPeersItem.setValue(next);
}
