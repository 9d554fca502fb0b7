/** Remote identity from the DTLS certificate, and the identity rule (lib/session/identity.ts, declined.ts, data-guard.ts). */
import type { DataConnection } from 'peerjs';
import { describe, expect, it } from 'vitest';
import { CHUNKS_PER_MESSAGE_MAX, FLOOD_FRAMES, FLOOD_WINDOW_MS, FRAME_LIMIT, guardDataConnection, PARTIAL_MESSAGES_MAX } from '@/lib/session/data-guard';
import { DECLINE_BACKOFF_MS, DeclinedPeers } from '@/lib/session/declined';
import { derFingerprint, identityVerdict, remoteFingerprint } from '@/lib/session/identity';

const der = new Uint8Array([0x30, 0x82, 0x01, 0x02, 0x03]).buffer;

describe('remoteFingerprint', () => {
  it('hashes the DER the browser verified, whatever the SDP named', async () => {
    const expected = await derFingerprint(der);
    expect(expected).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await expect(remoteFingerprint({ sctp: { transport: { getRemoteCertificates: () => [der] } } })).resolves.toBe(expected);
  });

  it('falls back to the certificate stats, hashing their DER too', async () => {
    const base64 = btoa(String.fromCharCode(...new Uint8Array(der)));
    const entries = new Map<string, Record<string, unknown>>([
      ['T1', { type: 'transport', remoteCertificateId: 'C1' }],
      // A fingerprint line of another algorithm is ignored: we hash the DER ourselves.
      ['C1', { type: 'certificate', fingerprintAlgorithm: 'sha-512', fingerprint: 'AA:BB', base64Certificate: base64 }],
    ]);
    const report = { forEach: (cb: (e: Record<string, unknown>) => void) => entries.forEach((e) => cb(e)), get: (id: string) => entries.get(id) };
    await expect(remoteFingerprint({ sctp: null, getStats: () => Promise.resolve(report) })).resolves.toBe(await derFingerprint(der));
  });

  it('is undefined when nothing is readable', async () => {
    await expect(remoteFingerprint(undefined)).resolves.toBeUndefined();
    await expect(remoteFingerprint({ sctp: { transport: { getRemoteCertificates: () => [] } } })).resolves.toBeUndefined();
  });
});

describe('identityVerdict', () => {
  const a = 'AA:'.repeat(31) + 'AA';
  const b = 'BB:'.repeat(31) + 'BB';
  it.each([
    ['pinned, same', a, undefined, a, 'continue'],
    ['pinned, same in lower case', a, undefined, a.toLowerCase(), 'continue'],
    ['pinned, other', a, undefined, b, 'hold'],
    ['pinned, unreadable', a, undefined, undefined, 'hold'],
    ['pinned wins over known', a, b, b, 'hold'],
    ['accepted, same', undefined, a, a, 'continue'],
    ['accepted, other', undefined, a, b, 'ask'],
    ['accepted, unreadable', undefined, a, undefined, 'ask'],
    ['first connection', undefined, undefined, b, 'continue'],
  ] as const)('%s → %s', (_name, pinned, known, seen, verdict) => {
    expect(identityVerdict(pinned, known, seen)).toBe(verdict);
  });
});

describe('DeclinedPeers', () => {
  it('refuses a declined ID for a while, longer each time, and forgets on request', () => {
    const declined = new DeclinedPeers();
    declined.decline('toString', 0);
    expect(declined.refuses('toString', DECLINE_BACKOFF_MS - 1)).toBe(true);
    expect(declined.refuses('toString', DECLINE_BACKOFF_MS)).toBe(false);
    expect(declined.refuses('constructor', 0)).toBe(false);
    declined.decline('toString', DECLINE_BACKOFF_MS);
    expect(declined.refuses('toString', DECLINE_BACKOFF_MS * 2.5)).toBe(true);
    declined.forget('toString');
    expect(declined.refuses('toString', DECLINE_BACKOFF_MS * 2.5)).toBe(false);
  });
});

describe('guardDataConnection', () => {
  function fakeConnection() {
    const handled: unknown[] = [];
    const conn = {
      _chunkedData: {} as Record<string, unknown>,
      _handleDataMessage(event: { data: unknown }) {
        handled.push(event.data);
      },
      _handleChunk(chunk: { __peerData: number; n: number; total: number }) {
        (this._chunkedData[String(chunk.__peerData)] ??= []) as unknown[];
        handled.push(chunk);
      },
    };
    return { conn, handled };
  }

  it('drops frames over the rate before they are decoded', () => {
    const { conn, handled } = fakeConnection();
    guardDataConnection(conn as unknown as DataConnection, () => 0, () => {});
    for (let i = 0; i < 30_000; i++) conn._handleDataMessage({ data: new ArrayBuffer(8) });
    expect(handled.length).toBeLessThanOrEqual(400);
  });

  it('reports a flood once, and reads nothing after it; a peer at the limit is no flood', () => {
    let now = 0;
    const { conn, handled } = fakeConnection();
    let floods = 0;
    guardDataConnection(conn as unknown as DataConnection, () => now, () => {}, () => floods++);
    // A minute at the frame limit: every frame read, no flood.
    for (; now < 60_000; now += 1000 / FRAME_LIMIT.perSecond) conn._handleDataMessage({ data: new ArrayBuffer(8) });
    expect(floods).toBe(0);
    const atLimit = handled.length;
    expect(atLimit).toBeGreaterThan(60 * FRAME_LIMIT.perSecond - 10);
    // Then far over it: one report after FLOOD_FRAMES frames too many, and nothing more is read.
    for (let i = 0; i < 30_000; i++) conn._handleDataMessage({ data: new ArrayBuffer(8) });
    expect(floods).toBe(1);
    expect(handled.length - atLimit).toBeLessThanOrEqual(FRAME_LIMIT.burst);
    now += 60_000;
    conn._handleDataMessage({ data: new ArrayBuffer(8) });
    expect(handled.length - atLimit).toBeLessThanOrEqual(FRAME_LIMIT.burst);
  });

  it('does not count frames over the limit that are spread wider than FLOOD_WINDOW_MS as a flood', () => {
    let now = 0;
    const { conn } = fakeConnection();
    let floods = 0;
    guardDataConnection(conn as unknown as DataConnection, () => now, () => {}, () => floods++);
    // Bursts of FLOOD_FRAMES / 2 frames over the limit, one per window.
    for (let burst = 0; burst < 6; burst++, now += FLOOD_WINDOW_MS + 1) {
      for (let i = 0; i < FRAME_LIMIT.burst + FLOOD_FRAMES / 2; i++) conn._handleDataMessage({ data: new ArrayBuffer(8) });
    }
    expect(floods).toBe(0);
  });

  it('keeps at most a few unfinished chunked messages, each of a bounded size', () => {
    const { conn, handled } = fakeConnection();
    guardDataConnection(conn as unknown as DataConnection, () => 0, () => {});
    for (let id = 0; id < 100; id++) conn._handleChunk({ __peerData: id, n: 0, total: 5, data: new ArrayBuffer(16_000) } as never);
    expect(Object.keys(conn._chunkedData).length).toBeLessThanOrEqual(PARTIAL_MESSAGES_MAX);
    conn._handleChunk({ __peerData: 500, n: 0, total: CHUNKS_PER_MESSAGE_MAX + 1, data: new ArrayBuffer(10) } as never);
    conn._handleChunk({ __peerData: 501, n: 7, total: 3, data: new ArrayBuffer(10) } as never);
    conn._handleChunk({ __peerData: 502, n: 0, total: 3, data: new ArrayBuffer(1_000_000) } as never);
    conn._handleChunk({ __peerData: '__proto__', n: 0, total: 3, data: new ArrayBuffer(10) } as never);
    expect(handled).toHaveLength(100);
  });
});
