/**
 * The background's feature modules, each wired to WXT's fakeBrowser and a fake
 * host client: what the user sees (badge, notifications) and what the host is told.
 */
import { fakeBrowser } from 'wxt/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installAlerts } from '@/entrypoints/background/alerts';
import type { HostClient } from '@/entrypoints/background/host-client';
import { updateBadge, type Notifier } from '@/entrypoints/background/notify';
import { watchClosedTabs } from '@/entrypoints/background/share';
import { installShortcut } from '@/entrypoints/background/shortcut';
import { StateWatch, type StateEffects } from '@/entrypoints/background/state-watch';
import type { SessionCommand, SessionEvent, SessionState } from '@/lib/protocol/runtime';
import { createHostClient } from '@/entrypoints/background/host-client';
import { serve } from '@/lib/messaging';
import { installEnglish } from './fake-i18n';
import { fakeRuntime } from './fake-runtime';

const BOB = 'bob-otter-2000';
const server = { status: 'online' as const, url: 'ws://127.0.0.1:9000/peerjs' };
const peer = (state: 'connected' | 'disconnected', extra: object = {}) => ({ id: BOB, state, name: 'Bob', initiator: 'me' as const, since: 1, ...extra });
const stateWith = (fields: Partial<SessionState>): SessionState => ({ myId: 'me-otter-1000', server, peers: [], shares: [], ...fields });

/** A host client that records commands and answers from `state`. */
function fakeHost(state: () => SessionState | undefined) {
  const commands: SessionCommand[] = [];
  const listeners = new Set<(event: SessionEvent) => void>();
  const host: HostClient = {
    ensure: async () => {},
    command: (async (command: SessionCommand) => {
      commands.push(command);
      return { ok: true };
    }) as HostClient['command'],
    state: async () => state(),
    onEvent: (listener) => void listeners.add(listener),
  };
  const emit = (event: SessionEvent): void => listeners.forEach((listener) => listener(event));
  return { host, commands, emit };
}

/** A `browser` event fakeBrowser does not implement (commands), with a trigger. */
function fakeEvent<A extends unknown[]>() {
  const listeners = new Set<(...args: A) => unknown>();
  return {
    addListener: (listener: (...args: A) => unknown) => void listeners.add(listener),
    removeListener: (listener: (...args: A) => unknown) => void listeners.delete(listener),
    hasListener: (listener: (...args: A) => unknown) => listeners.has(listener),
    trigger: (...args: A) => Promise.all([...listeners].map((listener) => listener(...args))),
  };
}

const effects = (): StateEffects & { gone: string[]; connectedCalls: number } => {
  const out = {
    gone: [] as string[],
    connectedCalls: 0,
    badge: updateBadge,
    menus: async () => {},
    shareOfferGone: (id: string) => void out.gone.push(`share:${id}`),
    requestGone: (id: string) => void out.gone.push(`request:${id}`),
    connected: async () => void out.connectedCalls++,
  };
  return out;
};

describe('background modules', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    installEnglish();
  });
  afterEach(() => vi.restoreAllMocks());

  it('the badge counts connected peers and says LIVE while we share', async () => {
    const watch = new StateWatch(effects());
    watch.apply(stateWith({ peers: [peer('connected')] }));
    await vi.waitFor(async () => expect(await fakeBrowser.action.getBadgeText({})).toBe('1'));
    const share = { id: 's1', peerId: BOB, direction: 'out' as const, kind: 'tab' as const, state: 'live' as const, preset: 'motion' as const, title: '' };
    watch.apply(stateWith({ peers: [peer('connected')], shares: [share as never] }));
    await vi.waitFor(async () => expect(await fakeBrowser.action.getBadgeText({})).toBe('LIVE'));
    watch.apply(stateWith({ peers: [peer('disconnected')] }));
    await vi.waitFor(async () => expect(await fakeBrowser.action.getBadgeText({})).toBe(''));
  });

  it('a worker Chrome restarted clears a request notification answered meanwhile, once', () => {
    const out = effects();
    const watch = new StateWatch(out);
    // First state of a new worker: no previous one, so everything counts as changed.
    watch.apply(stateWith({ peers: [peer('connected')] }));
    expect(out.gone).toEqual([`request:${BOB}`]);
    expect(out.connectedCalls).toBe(1);
    watch.apply(stateWith({ peers: [peer('connected')] }));
    expect(out.gone).toEqual([`request:${BOB}`]);
    expect(out.connectedCalls).toBe(1);
  });

  it('a closed shared tab stops its share, even in a worker that has seen no state yet', async () => {
    const share = { id: 's1', peerId: BOB, direction: 'out', kind: 'tab', state: 'live', preset: 'motion', title: '', tabId: 42 };
    const { host, commands } = fakeHost(() => stateWith({ shares: [share as never] }));
    watchClosedTabs(host, new StateWatch(effects()));
    await fakeBrowser.tabs.onRemoved.trigger(7, { windowId: 1, isWindowClosing: false });
    await fakeBrowser.tabs.onRemoved.trigger(42, { windowId: 1, isWindowClosing: false });
    await vi.waitFor(() => expect(commands).toEqual([{ type: 'session/share-tab-closed', tabId: 42 }]));
  });

  it('the shortcut with no peer connected tells the user, and shares nothing', async () => {
    const onCommand = fakeEvent<[string, { id?: number } | undefined]>();
    Object.assign(fakeBrowser, { commands: { onCommand } });
    const { host, commands } = fakeHost(() => stateWith({ lastPeerId: BOB, peers: [peer('disconnected')] }));
    installShortcut(host);
    await onCommand.trigger('share-tab', { id: 3 });
    const shown = await fakeBrowser.notifications.getAll();
    expect(Object.values(shown).map((n) => (n as { message?: string }).message)).toEqual([expect.stringContaining('connect')]);
    expect(commands).toEqual([]);
  });

  it('a connection request becomes a notification whose Accept button answers that peer', async () => {
    const { host, commands, emit } = fakeHost(() => undefined);
    const notifier = { requested: vi.fn(), answered: vi.fn(), received: vi.fn(), closed: vi.fn() };
    installAlerts(host, new StateWatch(effects()), notifier as unknown as Notifier);
    emit({ type: 'event/connection-request', peerId: BOB });
    expect(notifier.requested).toHaveBeenCalledWith(BOB);
    await fakeBrowser.notifications.onButtonClicked.trigger(`conn-request:${BOB}`, 0);
    expect(notifier.answered).toHaveBeenCalledWith(BOB);
    expect(commands).toEqual([{ type: 'session/answer-connection', peerId: BOB, accept: true }]);
    // A notification of several requests names no peer: its buttons (none) answer nobody.
    await fakeBrowser.notifications.onButtonClicked.trigger('conn-requests', 0);
    expect(commands).toHaveLength(1);
  });

  it('a text received is notified under the peer\'s ID and display name', () => {
    const { host, emit } = fakeHost(() => undefined);
    const notifier = { requested: vi.fn(), answered: vi.fn(), received: vi.fn(), closed: vi.fn() };
    const watch = new StateWatch(effects());
    watch.apply(stateWith({ peers: [peer('connected')] }));
    installAlerts(host, watch, notifier as unknown as Notifier);
    const message = { id: 'm1', peerId: BOB, direction: 'in' as const, text: 'hi', at: 1, status: 'received' as const };
    emit({ type: 'event/messages', changes: [{ kind: 'added', message }], historyLength: 1 });
    expect(notifier.received).toHaveBeenCalledWith(BOB, 'hi', `\u2066${BOB}\u2069 (\u2068Bob\u2069)`);
  });

  it('the host client makes sure the host runs before each command, and answers even when it cannot start it', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const runtime = fakeRuntime();
    let running = false;
    serve(runtime, 'offscreen', async () => (running ? { ok: true } : (undefined as never)));
    const client = createHostClient(runtime, async () => void (running = true));
    await expect(client.command({ type: 'session/retry-now' })).resolves.toEqual({ ok: true });
    const refused = createHostClient(fakeRuntime(), async () => {
      throw new Error('Only a single offscreen document may be created.');
    });
    await expect(refused.command({ type: 'session/retry-now' })).resolves.toEqual({ ok: false, error: 'unavailable' });
    await expect(refused.state()).resolves.toBeUndefined();
  });
});
