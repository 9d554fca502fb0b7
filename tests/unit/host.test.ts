import { afterEach, describe, expect, it } from 'vitest';
import { commandOffscreen, onSessionEvent, serve } from '@/lib/messaging';
import type { SessionEvent } from '@/lib/protocol/runtime';
import { startPeerHost } from '@/lib/session/host';
import { hostSettings as settings, unreachablePeer } from './support/host-fixtures';
import { fakeRuntime } from './fake-runtime';

describe('peer host', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('answers get-state with the history, or with its length only when asked to leave it out', async () => {
    const runtime = fakeRuntime();
    serve(runtime, 'background', async () => ({ ok: true, settings }));
    ({ stop } = startPeerHost(runtime, unreachablePeer));
    const events: SessionEvent[] = [];
    onSessionEvent(runtime, (event) => events.push(event));
    // A failed send kept in the history (as from the context menu).
    const sent = await commandOffscreen(runtime, { type: 'session/send-text', peerId: 'bob-otter-2000', text: 'hi', keepOnFailure: true });
    expect(sent).toEqual({ ok: false, error: 'not-connected' });

    const full = await commandOffscreen(runtime, { type: 'session/get-state' });
    expect(full).toMatchObject({ ok: true, messageCount: 1, messages: [{ text: 'hi', status: 'failed' }] });
    const light = await commandOffscreen(runtime, { type: 'session/get-state', messages: false });
    expect(light).toMatchObject({ ok: true, messageCount: 1, state: { myId: 'me-otter-1000' } });
    expect(light).not.toHaveProperty('messages');
    // The background is told only of texts received (it notifies of those): not of ours.
    expect(events.filter((event) => event.type === 'event/messages')).toEqual([]);
    expect(events.some((event) => event.type === 'event/state')).toBe(true);
  });
});

describe('validEntries', () => {
  it('leaves out an invalid peer instead of losing the whole state', async () => {
    const { validEntries } = await import('@/lib/session/host');
    const good = { id: 'bob-otter-2000', state: 'connected' as const, name: '', initiator: 'me' as const, since: 1 };
    const bad = { ...good, id: 'x'.repeat(65) };
    const state = { myId: 'me-otter-1000', server: { status: 'online' as const, url: 'ws://x' }, peers: [bad, good], shares: [] };
    expect(validEntries(state).peers).toEqual([good]);
  });
});
