/** Pages' lines to the peer host (lib/host-line.ts, lib/session/host-ports.ts) over a fake runtime's ports. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostLine, type LineListener } from '@/lib/host-line';
import { serve } from '@/lib/messaging';
import { HOST_PORT_NAME } from '@/lib/protocol/host-port';
import type { ChatMessage, SessionState } from '@/lib/protocol/runtime';
import { startPeerHost } from '@/lib/session/host';
import type { HistoryChange } from '@/lib/session/message-batcher';
import { hostSettings as settings, unreachablePeer } from './support/host-fixtures';
import { fakeRuntime, type FakeRuntime } from './fake-runtime';

/** What one page saw on its line. */
function page(runtime: FakeRuntime, history: boolean) {
  const seen = { ups: 0, downs: 0, states: [] as SessionState[], changes: [] as HistoryChange[], lengths: [] as number[] };
  const listener: LineListener = {
    up: () => seen.ups++,
    down: () => seen.downs++,
    state: (state) => seen.states.push(state),
    messages: (changes, length) => {
      seen.changes.push(...changes);
      seen.lengths.push(length);
    },
  };
  const line = new HostLine(runtime, history, listener);
  line.start();
  return { line, seen };
}

/** Host → page messages on a page's port, as posted (what crossed the wire). */
function wire(runtime: FakeRuntime, index = 0): unknown[] {
  const posted: unknown[] = [];
  const port = runtime.opened[index]!;
  port.onMessage.addListener((message) => posted.push(message));
  return posted;
}

describe('a page\'s line to the peer host', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function host(runtime: FakeRuntime) {
    const started = startPeerHost(runtime, unreachablePeer);
    stops.push(started.stop);
    return started;
  }

  it('answers commands and sends the page its events; the sender gets its own text back without the text', async () => {
    const runtime = fakeRuntime();
    serve(runtime, 'background', async () => ({ ok: true, settings }));
    host(runtime);
    const popup = page(runtime, true);
    const other = page(runtime, true);
    const popupWire = wire(runtime, 0);
    await vi.waitUntil(() => popup.line.up && other.line.up);
    const reply = await popup.line.command({ type: 'session/send-text', peerId: 'bob-otter-2000', text: 'hello bob', keepOnFailure: true });
    expect(reply).toEqual({ ok: false, error: 'not-connected' });
    await vi.waitUntil(() => popup.seen.changes.length > 0 && other.seen.changes.length > 0);
    const shown = (changes: HistoryChange[]): Partial<ChatMessage> | undefined => (changes[0]?.kind === 'added' ? changes[0].message : undefined);
    // Both pages show the whole message; only the other page's port carried the text.
    expect(shown(popup.seen.changes)).toMatchObject({ text: 'hello bob', status: 'failed', direction: 'out' });
    expect(shown(other.seen.changes)).toMatchObject({ text: 'hello bob', status: 'failed' });
    expect(popup.seen.lengths).toEqual([1]);
    expect(JSON.stringify(popupWire)).not.toContain('hello bob');
    expect(popupWire).toContainEqual(expect.objectContaining({ type: 'line/messages', changes: [expect.objectContaining({ kind: 'own' })] }));
    const state = await popup.line.command({ type: 'session/get-state', messages: false });
    expect(state).toMatchObject({ ok: true, messageCount: 1, state: { myId: 'me-otter-1000' } });
  });

  it('a page without the history (options, viewer) gets no history changes', async () => {
    const runtime = fakeRuntime();
    serve(runtime, 'background', async () => ({ ok: true, settings }));
    const { session } = host(runtime);
    const options = page(runtime, false);
    const popup = page(runtime, true);
    await vi.waitUntil(() => options.line.up && popup.line.up);
    session.sendText('bob-otter-2000', 'from the menu', true);
    await vi.waitUntil(() => popup.seen.changes.length > 0);
    // Sent after the change went to every page: had the options page been sent it, it would be here by the reply.
    await expect(options.line.command({ type: 'session/get-state', messages: false })).resolves.toMatchObject({ ok: true, messageCount: 1 });
    expect(options.seen.changes).toEqual([]);
  });

  it('holds commands until the host is up, asking the background to start it', async () => {
    const runtime = fakeRuntime();
    let started = false;
    serve(runtime, 'background', async (request) => {
      if (request.type === 'background/ensure-host' && !started) {
        started = true;
        // As the offscreen document: up a little later than asked for.
        setTimeout(() => host(runtime), 30);
      }
      return request.type === 'background/get-settings' ? { ok: true, settings } : { ok: true };
    });
    const popup = page(runtime, true);
    const reply = await popup.line.command({ type: 'session/get-state', messages: false });
    expect(reply).toMatchObject({ ok: true, state: { myId: 'me-otter-1000' } });
    expect(started).toBe(true);
    expect(popup.seen.ups).toBe(1);
  });

  it('when the host goes away: unanswered commands fail, the line comes back with the new host', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const runtime = fakeRuntime();
    serve(runtime, 'background', async (request) => (request.type === 'background/get-settings' ? { ok: true, settings } : { ok: true }));
    const first = startPeerHost(runtime, unreachablePeer);
    const popup = page(runtime, true);
    await vi.waitUntil(() => popup.line.up);
    first.stop();
    await vi.waitUntil(() => popup.seen.downs === 1);
    expect(popup.line.up).toBe(false);
    host(runtime);
    await vi.waitUntil(() => popup.seen.ups === 2, { timeout: 2000 });
    await expect(popup.line.command({ type: 'session/retry-now' })).resolves.toHaveProperty('ok');
  });

  it('answers "unavailable" when no host comes up in time', async () => {
    const runtime = fakeRuntime();
    serve(runtime, 'background', async () => ({ ok: true }));
    const popup = page(runtime, true);
    stops.push(() => popup.line.close());
    await expect(popup.line.command({ type: 'session/retry-now' }, 200)).resolves.toEqual({ ok: false, error: 'unavailable' });
  });

  it('the host ignores ports of other names, and answers an invalid command with an error', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const runtime = fakeRuntime();
    serve(runtime, 'background', async () => ({ ok: true, settings }));
    const { session } = host(runtime);
    // A port of another name is left to whoever wants it (the bench's echo, say): the host never answers it.
    const wrongName = runtime.connect({ name: 'something-else' });
    const strayAnswers: unknown[] = [];
    wrongName.onMessage.addListener((message) => strayAnswers.push(message));
    wrongName.postMessage({ type: 'line/hello', history: true });
    const port = runtime.connect({ name: HOST_PORT_NAME });
    const answers: unknown[] = [];
    port.onMessage.addListener((message) => answers.push(message));
    port.postMessage({ type: 'line/hello', history: true });
    port.postMessage({ type: 'line/command', id: 7, command: { type: 'session/connect' } });
    port.postMessage({ type: 'line/command', id: 8, command: { type: 'session/get-state', messages: false } });
    await vi.waitUntil(() => answers.length >= 3);
    expect(answers[0]).toEqual({ type: 'line/ready' });
    expect(answers).toContainEqual({ type: 'line/reply', id: 7, reply: { ok: false, error: 'internal' } });
    expect(answers).toContainEqual(expect.objectContaining({ type: 'line/reply', id: 8 }));
    expect(session.configured).toBe(true);
    expect(strayAnswers).toEqual([]);
  });

  it('the host takes no port from another extension', async () => {
    const runtime = fakeRuntime();
    serve(runtime, 'background', async () => ({ ok: true, settings }));
    host(runtime);
    // The sender is what the browser reports: here another extension, on our port's name.
    const port = runtime.connectAs('another-extension', HOST_PORT_NAME);
    const answers: unknown[] = [];
    port.onMessage.addListener((message) => answers.push(message));
    port.postMessage({ type: 'line/hello', history: true });
    port.postMessage({ type: 'line/command', id: 1, command: { type: 'session/get-state' } });
    const ours = page(runtime, true);
    await vi.waitUntil(() => ours.line.up);
    await ours.line.command({ type: 'session/get-state', messages: false });
    expect(answers).toEqual([]);
  });
});
