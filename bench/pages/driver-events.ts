/**
 * The bench driver's line to the peer host (lib/host-line.ts, as the popup opens one)
 * and what it has seen on it: peer and share state transitions, "Delivered" times and
 * share offers, all in wall-clock ms, with waits on them.
 */
import { HostLine } from '../../lib/host-line';
import { requestBackground, type RuntimeLike } from '../../lib/messaging';
import type { PortRuntime } from '../../lib/session/host-ports';
import type { PeerView, SessionState, ShareView } from '../../lib/protocol/runtime';

export const runtime = chrome.runtime as unknown as RuntimeLike & PortRuntime;

/** Wall-clock time in ms since the Unix epoch, with sub-ms resolution. */
export const wall = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Transition<S> {
  state: S;
  at: number;
}

const peerTransitions = new Map<string, Array<Transition<PeerView['state']>>>();
const shareTransitions = new Map<string, Array<Transition<ShareView['state']>>>();
const delivered = new Map<string, number>();
const changed = new Set<() => void>();
let last: SessionState | undefined;

/** The last state the line brought. */
export const lastState = (): SessionState | undefined => last;

function record<S>(log: Map<string, Array<Transition<S>>>, id: string, state: S, at: number): void {
  const list = log.get(id) ?? [];
  if (list.at(-1)?.state !== state) list.push({ state, at });
  log.set(id, list);
}

/** Offers seen here, by share ID, with when they arrived and when our accept was answered. */
const offers = new Map<string, { offerAt: number; acceptedAt?: number; error?: string }>();
let autoAccept = false;

function onState(state: SessionState): void {
  const at = wall();
  last = state;
  for (const peer of state.peers) record(peerTransitions, peer.id, peer.state, at);
  for (const share of state.shares) record(shareTransitions, share.id, share.state, at);
  notify();
}

function onChanges(changes: Array<{ kind: string; id?: string; status?: string }>): void {
  const at = wall();
  for (const change of changes) {
    if (change.kind === 'status' && change.status === 'delivered' && change.id && !delivered.has(change.id)) delivered.set(change.id, at);
  }
  notify();
}

function onShareOffer(share: ShareView): void {
  if (!autoAccept) return;
  // As a user who clicks Accept at once: the popup's accept (background/accept-share), which also opens the viewer.
  const entry: { offerAt: number; acceptedAt?: number; error?: string } = { offerAt: wall() };
  offers.set(share.id, entry);
  void requestBackground(runtime, { type: 'background/accept-share', shareId: share.id }).then((reply) => {
    entry.acceptedAt = wall();
    if (!reply.ok) entry.error = reply.error;
    notify();
  });
  notify();
}

export const line = new HostLine(runtime, true, { state: onState, messages: onChanges, shareOffer: onShareOffer });
line.start();

function notify(): void {
  for (const listener of [...changed]) listener();
}

/** Resolves with the first value `probe` returns that is not `undefined`, checked now and on every event. */
export function whenEvent<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const now = probe();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    const listener = (): void => {
      const value = probe();
      if (value === undefined) return;
      changed.delete(listener);
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      changed.delete(listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    changed.add(listener);
  });
}

/** When `peerId` first reached `state` at or after `after` (wall ms), as seen by this page's events. */
export function peerReached(peerId: string, state: PeerView['state'], after: number, timeoutMs = 20_000): Promise<number> {
  return whenEvent(() => peerTransitions.get(peerId)?.find((t) => t.state === state && t.at >= after)?.at, timeoutMs, `${peerId} ${state}`);
}

/** When share `shareId` first reached `state`. */
export function shareReached(shareId: string, state: ShareView['state'], timeoutMs = 20_000): Promise<number> {
  return whenEvent(() => shareTransitions.get(shareId)?.find((t) => t.state === state)?.at, timeoutMs, `share ${state}`);
}

export function deliveredAt(messageId: string, timeoutMs: number): Promise<number> {
  return whenEvent(() => delivered.get(messageId), timeoutMs, `ack of ${messageId}`);
}

export function setAutoAccept(on: boolean): void {
  autoAccept = on;
}

export function offerOf(shareId: string, timeoutMs = 15_000): Promise<{ offerAt: number; acceptedAt: number }> {
  return whenEvent(
    () => {
      const offer = offers.get(shareId);
      if (offer?.error) throw new Error(`accept-share: ${offer.error}`);
      return offer?.acceptedAt !== undefined ? { offerAt: offer.offerAt, acceptedAt: offer.acceptedAt } : undefined;
    },
    timeoutMs,
    `offer ${shareId}`,
  );
}
