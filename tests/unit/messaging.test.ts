import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  broadcast,
  commandOffscreen,
  onSessionEvent,
  serve,
} from '@/lib/messaging';
import { CHANNEL } from '@/lib/protocol/runtime';
import { fakeRuntime } from './fake-runtime';

const state = { myId: 'me-me-1000', server: { status: 'online' as const, url: 'ws://x' }, peers: [], shares: [] };

describe('runtime messaging', () => {
  afterEach(() => vi.restoreAllMocks());

  it('routes a command to its one owner and checks the reply', async () => {
    const runtime = fakeRuntime();
    const background = vi.fn(async () => ({ ok: true, settings: {} }));
    serve(runtime, 'background', background);
    serve(runtime, 'offscreen', async (command) =>
      command.type === 'session/get-state' ? { ok: true, state, messages: [], messageCount: 0 } : { ok: false, error: 'internal' },
    );
    await expect(commandOffscreen(runtime, { type: 'session/get-state' })).resolves.toEqual({ ok: true, state, messages: [], messageCount: 0 });
    expect(background).not.toHaveBeenCalled();
  });

  it('answers "unavailable" when nobody answers or the reply is malformed', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const runtime = fakeRuntime();
    await expect(commandOffscreen(runtime, { type: 'session/retry-now' })).resolves.toEqual({ ok: false, error: 'unavailable' });
    serve(runtime, 'offscreen', async () => ({ ok: 'yes' }));
    await expect(commandOffscreen(runtime, { type: 'session/retry-now' })).resolves.toEqual({ ok: false, error: 'unavailable' });
  });

  it('ignores messages from other extensions and messages of other shapes', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const runtime = fakeRuntime();
    const handler = vi.fn(async () => ({ ok: true }));
    serve(runtime, 'offscreen', handler);
    const valid = { channel: CHANNEL, to: 'offscreen', body: { type: 'session/retry-now' } };
    await expect(runtime.deliver(valid, 'someone-else')).rejects.toThrow('Receiving end does not exist');
    await expect(runtime.deliver({ to: 'background', anything: 1 })).rejects.toThrow('Receiving end does not exist');
    // Addressed to us but invalid: answered with an error, handler not called.
    await expect(runtime.deliver({ channel: CHANNEL, to: 'offscreen', body: { type: 'session/connect' } })).resolves.toEqual({
      ok: false,
      error: 'internal',
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('turns a throwing handler into an "internal" answer', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const runtime = fakeRuntime();
    serve(runtime, 'offscreen', async () => {
      throw new Error('bug');
    });
    await expect(commandOffscreen(runtime, { type: 'session/retry-now' })).resolves.toEqual({ ok: false, error: 'internal' });
  });

  it('delivers valid events to listeners, and broadcasting to nobody is fine', async () => {
    const runtime = fakeRuntime();
    await expect(broadcast(runtime, { type: 'event/state', state })).resolves.toBeUndefined();
    const seen: unknown[] = [];
    onSessionEvent(runtime, (event) => seen.push(event));
    await broadcast(runtime, { type: 'event/state', state }).catch(() => {});
    await runtime.deliver({ channel: CHANNEL, to: 'broadcast', body: { type: 'event/state', state: { nope: 1 } } }).catch(() => {});
    expect(seen).toEqual([{ type: 'event/state', state }]);
  });
});
