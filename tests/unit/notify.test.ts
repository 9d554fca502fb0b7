/**
 * Notification floods: texts coalesce into one notification per peer, updated at
 * most once a second; connection requests into one notification in all, with
 * buttons only when they answer exactly one peer.
 */
import { fakeBrowser } from 'wxt/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOTIFY_INTERVAL_MS, Notifier, peerOfRequestNotification, type NotificationsApi } from '@/entrypoints/background/notify';
import { installEnglish } from './fake-i18n';

type Options = Parameters<NotificationsApi['create']>[1];

/** Notifications as Chrome keeps them, with every call counted. */
function fakeNotifications() {
  const shown = new Map<string, Options>();
  const api = {
    create: vi.fn(async (id: string, options: Options) => {
      shown.set(id, options);
      return id;
    }),
    update: vi.fn(async (id: string, options: Parameters<NotificationsApi['update']>[1]) => {
      const current = shown.get(id);
      if (!current) return false;
      shown.set(id, { ...current, ...options });
      return true;
    }),
    clear: vi.fn(async (id: string) => shown.delete(id)),
  } satisfies NotificationsApi;
  const calls = (): number => api.create.mock.calls.length + api.update.mock.calls.length;
  return { api, shown, calls };
}

describe('Notifier', () => {
  let fake: ReturnType<typeof fakeNotifications>;
  let notifier: Notifier;

  beforeEach(() => {
    fakeBrowser.reset();
    installEnglish();
    vi.useFakeTimers({ now: 1_000_000 });
    fake = fakeNotifications();
    notifier = new Notifier(fake.api, 'chrome-extension://id/icon/128.png');
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Lets every due timer and update run. */
  async function settle(ms = NOTIFY_INTERVAL_MS): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    await notifier.idle();
  }

  it('shows 30,000 texts from one peer in one notification, with a handful of calls', async () => {
    for (let i = 1; i <= 30_000; i++) notifier.received('ann-otter-1000', `text ${i}`, 'ann-otter-1000 (Ann)');
    await settle();
    expect(fake.calls()).toBeLessThanOrEqual(3);
    expect([...fake.shown.keys()]).toEqual(['text:ann-otter-1000']);
    const shown = fake.shown.get('text:ann-otter-1000')!;
    expect(shown.title).toBe('30000 new messages from ann-otter-1000 (Ann)');
    expect(shown.message).toBe('text 30000');
  });

  it('updates at most once a second per peer while texts keep coming, the last one trailing', async () => {
    // 30,000 texts over 30 s: one a millisecond.
    for (let i = 1; i <= 30_000; i++) {
      notifier.received('ann-otter-1000', `text ${i}`, 'ann-otter-1000');
      await vi.advanceTimersByTimeAsync(1);
    }
    await settle();
    expect(fake.calls()).toBeLessThanOrEqual(32);
    expect(fake.api.create).toHaveBeenCalledTimes(1);
    expect(fake.shown.get('text:ann-otter-1000')).toMatchObject({ title: '30000 new messages from ann-otter-1000', message: 'text 30000' });
  });

  it('keeps one notification per peer', async () => {
    notifier.received('ann-otter-1000', 'hi', 'ann-otter-1000');
    notifier.received('bob-otter-2000', 'hello', 'bob-otter-2000');
    notifier.received('bob-otter-2000', 'again', 'bob-otter-2000');
    await settle();
    expect(fake.shown.get('text:ann-otter-1000')).toMatchObject({ title: 'Text from ann-otter-1000', message: 'hi' });
    expect(fake.shown.get('text:bob-otter-2000')).toMatchObject({ title: '2 new messages from bob-otter-2000', message: 'again' });
  });

  it('counts again from one once the user closed the notification', async () => {
    notifier.received('ann-otter-1000', 'one', 'ann-otter-1000');
    notifier.received('ann-otter-1000', 'two', 'ann-otter-1000');
    await settle();
    fake.shown.delete('text:ann-otter-1000');
    notifier.closed('text:ann-otter-1000');
    notifier.received('ann-otter-1000', 'three', 'ann-otter-1000');
    await settle();
    expect(fake.shown.get('text:ann-otter-1000')).toMatchObject({ title: 'Text from ann-otter-1000', message: 'three' });
  });

  it('shortens long texts', async () => {
    notifier.received('ann-otter-1000', 'x'.repeat(1000), 'ann-otter-1000');
    await settle();
    expect(fake.shown.get('text:ann-otter-1000')!.message).toBe(`${'x'.repeat(300)}…`);
  });

  it('asks about one connection request with buttons that answer that peer', async () => {
    notifier.requested('ann-otter-1000');
    await settle();
    expect([...fake.shown.keys()]).toEqual(['conn-request:ann-otter-1000']);
    const shown = fake.shown.get('conn-request:ann-otter-1000')!;
    expect(shown.title).toBe('ann-otter-1000 wants to connect');
    expect(shown.buttons).toHaveLength(2);
    expect(peerOfRequestNotification('conn-request:ann-otter-1000')).toBe('ann-otter-1000');
  });

  it('coalesces 15 connection requests into one notification without buttons', async () => {
    for (let i = 0; i < 15; i++) notifier.requested(`flood-otter-${1000 + i}`);
    await settle();
    expect([...fake.shown.keys()]).toEqual(['conn-requests']);
    expect(fake.shown.get('conn-requests')).toMatchObject({ title: '15 peers want to connect' });
    expect(fake.shown.get('conn-requests')!.buttons).toBeUndefined();
    expect(peerOfRequestNotification('conn-requests')).toBeUndefined();
    expect(fake.calls()).toBeLessThanOrEqual(3);
  });

  it('goes from one request to many and back, never showing two notifications', async () => {
    notifier.requested('ann-otter-1000');
    await settle();
    notifier.requested('bob-otter-2000');
    await settle();
    expect([...fake.shown.keys()]).toEqual(['conn-requests']);
    expect(fake.shown.get('conn-requests')!.title).toBe('2 peers want to connect');
    notifier.answered('ann-otter-1000');
    await settle();
    // The buttons now answer Bob: the notification that names him, not the one the user saw for two.
    expect([...fake.shown.keys()]).toEqual(['conn-request:bob-otter-2000']);
    notifier.answered('bob-otter-2000');
    await settle();
    expect(fake.shown.size).toBe(0);
  });

  it('repeats no request and ignores answers about unknown peers', async () => {
    notifier.requested('ann-otter-1000');
    notifier.requested('ann-otter-1000');
    await settle();
    notifier.answered('someone-else-1');
    await settle();
    expect(fake.api.create).toHaveBeenCalledTimes(1);
    expect([...fake.shown.keys()]).toEqual(['conn-request:ann-otter-1000']);
  });

  it('treats peer IDs named like Object.prototype members as ordinary peers', async () => {
    for (const id of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) notifier.received(id, `from ${id}`, id);
    await settle();
    expect([...fake.shown.keys()].sort()).toEqual(['text:__proto__', 'text:constructor', 'text:hasOwnProperty', 'text:toString']);
    expect(fake.shown.get('text:__proto__')).toMatchObject({ title: 'Text from __proto__', message: 'from __proto__' });
  });
});
