import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '@/lib/protocol/runtime';
import { BATCH_CHANGES_MAX, BATCH_MS, BATCH_TEXT_MAX, FLUSH_LIMIT, MessageBatcher, type HistoryChange } from '@/lib/session/message-batcher';

const message = (id: string, text = 'hi'): ChatMessage => ({ id, peerId: 'bob-otter-2000', direction: 'in', text, status: 'received', at: 1 });
const added = (id: string, text?: string): HistoryChange => ({ kind: 'added', message: message(id, text) });

describe('message batcher', () => {
  let batches: HistoryChange[][];
  let batcher: MessageBatcher;
  beforeEach(() => {
    vi.useFakeTimers();
    batches = [];
    batcher = new MessageBatcher((changes) => batches.push(changes), () => Date.now());
  });
  afterEach(() => {
    batcher.stop();
    vi.useRealTimers();
  });

  it('sends a change at the end of its task, with what came in the same task', async () => {
    batcher.add(added('a'));
    batcher.add({ kind: 'status', id: 'a', status: 'delivered' });
    expect(batches).toEqual([]);
    await Promise.resolve();
    expect(batches).toEqual([[added('a'), { kind: 'status', id: 'a', status: 'delivered' }]]);
  });

  it('sends each change at once while changes are few (a text, then its Delivered 3 ms later)', async () => {
    batcher.add(added('a'));
    await Promise.resolve();
    await vi.advanceTimersByTimeAsync(3);
    batcher.add({ kind: 'status', id: 'a', status: 'delivered' });
    await Promise.resolve();
    expect(batches).toEqual([[added('a')], [{ kind: 'status', id: 'a', status: 'delivered' }]]);
  });

  it('batches changes that keep coming: at most FLUSH_LIMIT broadcasts plus one per BATCH_MS, in order, none lost', async () => {
    for (let n = 0; n < 600; n++) {
      batcher.add(added(`m${n}`));
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(BATCH_MS);
    // 3 s of one change every 5 ms (600 changes).
    expect(batches.length).toBeLessThanOrEqual(FLUSH_LIMIT.burst + 3 * (FLUSH_LIMIT.perSecond + 1000 / BATCH_MS));
    expect(batches.length).toBeLessThan(600 / 2);
    expect(batches.flat().map((c) => (c.kind === 'added' ? c.message.id : ''))).toEqual(Array.from({ length: 600 }, (_, n) => `m${n}`));
  });

  it('sends a full batch at once: at most BATCH_CHANGES_MAX changes, or about BATCH_TEXT_MAX of text', async () => {
    for (let n = 0; n < BATCH_CHANGES_MAX * 2 + 1; n++) batcher.add(added(`m${n}`));
    expect(batches.map((b) => b.length)).toEqual([BATCH_CHANGES_MAX, BATCH_CHANGES_MAX]);
    await Promise.resolve();
    expect(batches.map((b) => b.length)).toEqual([BATCH_CHANGES_MAX, BATCH_CHANGES_MAX, 1]);

    batches = [];
    await vi.advanceTimersByTimeAsync(BATCH_MS);
    const big = 'x'.repeat(64 * 1024);
    for (let n = 0; n < 20; n++) batcher.add(added(`big${n}`, big));
    await vi.advanceTimersByTimeAsync(BATCH_MS);
    expect(batches.flat()).toHaveLength(20);
    for (const batch of batches) {
      const text = batch.reduce((sum, c) => sum + (c.kind === 'added' ? c.message.text.length : 0), 0);
      expect(text).toBeLessThanOrEqual(BATCH_TEXT_MAX);
    }
  });

  it('sends nothing after stop', async () => {
    batcher.add(added('a'));
    batcher.stop();
    await vi.advanceTimersByTimeAsync(BATCH_MS * 2);
    expect(batches).toEqual([]);
  });
});
