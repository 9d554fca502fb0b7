/**
 * Property-based tests: every record keyed by a peer ID is read and written with
 * own-property semantics. Peer IDs named like `Object.prototype` members
 * (`toString`, `constructor`, `__proto__`, …) are ordinary strangers until added.
 */
import fc from 'fast-check';
import { fakeBrowser } from 'wxt/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isPeerId } from '@/lib/ids';
import { hasPin, isBlockedId, isTrustedId, pinOf, SessionSettingsSchema, validateSettings } from '@/lib/settings';
import {
  blockedPeers,
  blockedPeersItem,
  blockPeer,
  loadSessionSettings,
  pinnedPeers,
  pinnedPeersItem,
  pinPeer,
  touchTrustedPeers,
  trustedPeers,
  trustedPeersItem,
  trustPeer,
  unblockPeer,
  untrustPeer,
} from '@/lib/storage';

const RUNS = 150;
const FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');

/** Every name `Object.prototype` answers to, `__proto__` included. */
const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

const validId = fc.stringMatching(/^[a-z]{3,10}(?:-[a-z0-9]{1,8}){0,2}$/);
const anyId = fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 70 }), validId);

/** The stored record's own keys (a JSON round trip keeps `__proto__` as an own key). */
const ownKeys = (record: object): string[] => Object.getOwnPropertyNames(record);

describe('records keyed by peer ID', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    // Stored IDs that are not valid peer IDs are dropped with a warning.
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });

  it('with empty stores, no ID is trusted, pinned or blocked', async () => {
    const settings = await loadSessionSettings();
    for (const id of PROTOTYPE_NAMES) {
      expect(id in settings.pins, id).toBe(false);
      expect(hasPin(settings, id), id).toBe(false);
      expect(pinOf(settings, id), id).toBeUndefined();
      expect(isTrustedId(settings, id), id).toBe(false);
      expect(isBlockedId(settings, id), id).toBe(false);
    }
    await fc.assert(
      fc.property(anyId, (id) => {
        expect(hasPin(settings, id) || isTrustedId(settings, id) || isBlockedId(settings, id)).toBe(false);
        expect(pinOf(settings, id)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('validated settings keep pins as own entries only', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES.filter(isPeerId)), validId), { maxLength: 5 }), anyId, (pinned, probe) => {
        const pins = Object.fromEntries(pinned.map((id) => [id, FINGERPRINT]));
        const checked = validateSettings(SessionSettingsSchema, {
          peerId: 'brave-otter-4821', displayName: '', signaling: { host: 'h', port: 1, path: '/', secure: false, key: 'k' },
          iceServers: [], pins, trusted: [], blocked: [],
        });
        expect(checked.ok).toBe(true);
        if (!checked.ok) return;
        expect(Object.keys(checked.value.pins).sort()).toEqual([...pinned].sort());
        expect(hasPin(checked.value, probe)).toBe(pinned.includes(probe));
        expect(probe in checked.value.pins).toBe(pinned.includes(probe));
      }),
      { numRuns: RUNS },
    );
  });

  it('touching connected peers never makes a stranger trusted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(anyId, { minLength: 1, maxLength: 6 }), async (ids) => {
        fakeBrowser.reset();
        await touchTrustedPeers(ids.map((id) => ({ id, name: 'Mallory' })), 100_000);
        expect(ownKeys(await trustedPeersItem.getValue())).toEqual([]);
        const settings = await loadSessionSettings();
        for (const id of ids) expect(isTrustedId(settings, id)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('touching a trusted peer updates it, and only it', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, fc.constantFrom(...PROTOTYPE_NAMES), async (id, other) => {
        fakeBrowser.reset();
        // What storage hands back: parsed JSON, where `__proto__` is an own key.
        await trustedPeersItem.setValue(JSON.parse(JSON.stringify({ [id]: { name: '', added: 1 } })));
        await touchTrustedPeers([{ id, name: 'Ann' }, ...(other === id ? [] : [{ id: other, name: 'Mallory' }])], 100_000);
        const stored = await trustedPeersItem.getValue();
        expect(ownKeys(stored)).toEqual([id]);
        expect(Object.getOwnPropertyDescriptor(stored, id)?.value).toEqual({ name: 'Ann', added: 1, lastSeen: 100_000 });
      }),
      { numRuns: RUNS },
    );
  });

  it('blocking adds exactly that ID, stops trusting it, and unblocking removes it', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, fc.constantFrom(...PROTOTYPE_NAMES), async (id, other) => {
        fakeBrowser.reset();
        await trustPeer(id, 5);
        await blockPeer(id, 10);
        expect(ownKeys(await blockedPeersItem.getValue())).toEqual([id]);
        expect(ownKeys(await trustedPeersItem.getValue())).toEqual([]);
        expect(Object.getOwnPropertyDescriptor(await blockedPeers(), id)?.value).toEqual({ added: 10 });
        const settings = await loadSessionSettings();
        expect(isBlockedId(settings, id)).toBe(isPeerId(id));
        if (other !== id) expect(isBlockedId(settings, other)).toBe(false);
        await unblockPeer(id);
        expect(ownKeys(await blockedPeersItem.getValue())).toEqual([]);
        expect(isBlockedId(await loadSessionSettings(), id)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('trusting adds exactly that ID, unblocks it, and untrusting removes it', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, fc.constantFrom(...PROTOTYPE_NAMES), async (id, other) => {
        fakeBrowser.reset();
        await blockPeer(id, 1);
        await trustPeer(id, 7);
        expect(ownKeys(await trustedPeersItem.getValue())).toEqual([id]);
        expect(ownKeys(await blockedPeersItem.getValue())).toEqual([]);
        expect(Object.getOwnPropertyDescriptor(await trustedPeers(), id)?.value).toEqual({ name: '', added: 7 });
        const settings = await loadSessionSettings();
        expect(isTrustedId(settings, id)).toBe(isPeerId(id));
        if (other !== id) expect(isTrustedId(settings, other)).toBe(false);
        await untrustPeer(id);
        expect(ownKeys(await trustedPeersItem.getValue())).toEqual([]);
        expect(isTrustedId(await loadSessionSettings(), id)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('pinning adds exactly that ID, and no other ID reads as pinned', async () => {
    await fc.assert(
      fc.asyncProperty(anyId, fc.constantFrom(...PROTOTYPE_NAMES), async (id, other) => {
        fakeBrowser.reset();
        await pinPeer(id, FINGERPRINT, 3);
        expect(ownKeys(await pinnedPeersItem.getValue())).toEqual([id]);
        expect(Object.getOwnPropertyDescriptor(await pinnedPeers(), id)?.value).toEqual({ fingerprint: FINGERPRINT, verifiedAt: 3 });
        const settings = await loadSessionSettings();
        // Only valid peer IDs reach the session settings.
        expect(hasPin(settings, id)).toBe(isPeerId(id));
        expect(pinOf(settings, id)).toBe(isPeerId(id) ? FINGERPRINT : undefined);
        expect(isTrustedId(settings, id)).toBe(isPeerId(id));
        if (other !== id) {
          expect(hasPin(settings, other)).toBe(false);
          expect(other in settings.pins).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
