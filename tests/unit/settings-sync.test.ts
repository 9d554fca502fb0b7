/** Settings pushes from the background to the peer host (entrypoints/background/settings-sync.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { syncSettings } from '@/entrypoints/background/settings-sync';
import { serve } from '@/lib/messaging';
import type { SessionSettings } from '@/lib/settings';
import { displayNameItem } from '@/lib/storage';
import { fakeRuntime } from './fake-runtime';

describe('syncSettings', () => {
  beforeEach(() => fakeBrowser.reset());

  it('pushes changes in order, the last push carrying the newest settings, and retries an unanswered one', async () => {
    const runtime = fakeRuntime();
    const received: SessionSettings[] = [];
    let hostUp = false;
    // The offscreen document answers only once it has started.
    serve(runtime, 'offscreen', async (command) => {
      if (!hostUp) return undefined as never;
      if (command.type === 'session/configure') received.push(command.settings);
      return { ok: true };
    });
    const waits: number[] = [];
    syncSettings(runtime, () => Promise.resolve(), async (ms) => {
      waits.push(ms);
      hostUp = true;
    });
    await displayNameItem.setValue('first');
    await displayNameItem.setValue('second');
    await displayNameItem.setValue('third');
    await expect.poll(() => received.at(-1)?.displayName).toBe('third');
    // Nothing older arrives after the newest.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.at(-1)?.displayName).toBe('third');
    expect(received.map((s) => s.displayName).filter((name) => name !== 'third')).not.toContain('second');
    expect(waits.length).toBeGreaterThan(0);
  });
});
