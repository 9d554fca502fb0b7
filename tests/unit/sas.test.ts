import { describe, expect, it } from 'vitest';
import {
  commitment,
  computeSas,
  formatSas,
  fromHex,
  SasExchange,
  sdpFingerprint,
  toHex,
  type SasResult,
} from '@/lib/security/sas';

const FP_A = 'AA:' + '11:'.repeat(30) + 'AA';
const FP_B = 'BB:' + '22:'.repeat(30) + 'BB';
const FP_M = 'CC:' + '33:'.repeat(30) + 'CC';
const nonce = (byte: number) => new Uint8Array(32).fill(byte);

type Message = { type: 'sas-commit'; hash: string } | { type: 'sas-reveal'; nonce: string };

/** Wires two exchanges together with in-order delivery, like a reliable data channel. */
async function run(a: { own: string; theirs: string; nonce: Uint8Array }, b: { own: string; theirs: string; nonce: Uint8Array }) {
  const results: { a?: SasResult; b?: SasResult } = {};
  const queue: Array<() => Promise<void>> = [];
  let sideB!: SasExchange;
  const deliver = (to: () => SasExchange) => (message: Message) =>
    queue.push(async () => (message.type === 'sas-commit' ? to().onCommit(message.hash) : to().onReveal(message.nonce)));
  const sideA = new SasExchange(a.own, a.theirs, deliver(() => sideB), (r) => (results.a = r), a.nonce);
  sideB = new SasExchange(b.own, b.theirs, deliver(() => sideA), (r) => (results.b = r), b.nonce);
  await Promise.all([sideA.start(), sideB.start()]);
  while (queue.length) await queue.shift()!();
  return results;
}

describe('SAS', () => {
  it('reads the SHA-256 fingerprint from an SDP', () => {
    const sdp = 'v=0\r\na=fingerprint:sha-256 ab:cd:EF\r\nm=application 9\r\n';
    expect(sdpFingerprint(sdp)).toBe('AB:CD:EF');
    expect(sdpFingerprint('v=0\r\na=fingerprint:sha-1 00:11\r\n')).toBeUndefined();
  });

  it('hex round-trips and rejects non-hex', () => {
    expect(toHex(fromHex('00ff10')!)).toBe('00ff10');
    expect(fromHex('0g')).toBeUndefined();
    expect(fromHex('abc')).toBeUndefined();
  });

  it('is the same code on both sides, six digits, independent of who is "one"', async () => {
    const code = await computeSas({ fingerprint: FP_A, nonce: nonce(1) }, { fingerprint: FP_B, nonce: nonce(2) });
    expect(code).toMatch(/^\d{6}$/);
    expect(await computeSas({ fingerprint: FP_B, nonce: nonce(2) }, { fingerprint: FP_A, nonce: nonce(1) })).toBe(code);
    expect(formatSas('012345')).toBe('012 345');
  });

  it('changes with either fingerprint or either nonce', async () => {
    const base = await computeSas({ fingerprint: FP_A, nonce: nonce(1) }, { fingerprint: FP_B, nonce: nonce(2) });
    const variants = await Promise.all([
      computeSas({ fingerprint: FP_M, nonce: nonce(1) }, { fingerprint: FP_B, nonce: nonce(2) }),
      computeSas({ fingerprint: FP_A, nonce: nonce(3) }, { fingerprint: FP_B, nonce: nonce(2) }),
      computeSas({ fingerprint: FP_A, nonce: nonce(1) }, { fingerprint: FP_B, nonce: nonce(4) }),
    ]);
    for (const variant of variants) expect(variant).not.toBe(base);
  });

  it('two honest sides agree', async () => {
    const { a, b } = await run({ own: FP_A, theirs: FP_B, nonce: nonce(1) }, { own: FP_B, theirs: FP_A, nonce: nonce(2) });
    expect(a).toEqual(b);
    expect(a?.ok).toBe(true);
  });

  it('a man in the middle (different fingerprints on each leg) makes the codes differ', async () => {
    // A talks to M (thinking it is B); B talks to M (thinking it is A). M relays nothing useful:
    // each leg completes on its own, with M's fingerprint.
    const legA = await run({ own: FP_A, theirs: FP_M, nonce: nonce(1) }, { own: FP_M, theirs: FP_A, nonce: nonce(9) });
    const legB = await run({ own: FP_M, theirs: FP_B, nonce: nonce(9) }, { own: FP_B, theirs: FP_M, nonce: nonce(2) });
    expect(legA.a).toMatchObject({ ok: true });
    expect(legB.b).toMatchObject({ ok: true });
    expect((legA.a as { code: string }).code).not.toBe((legB.b as { code: string }).code);
  });

  it('detects a reveal that does not match the commitment (e.g. a swapped fingerprint)', async () => {
    // B committed with FP_B, but A sees FP_M on the wire: the commitment check fails.
    const { a } = await run({ own: FP_A, theirs: FP_M, nonce: nonce(1) }, { own: FP_B, theirs: FP_A, nonce: nonce(2) });
    expect(a).toEqual({ ok: false, reason: 'commitment-mismatch' });
  });

  it('refuses a reveal before a commitment', async () => {
    let result: SasResult | undefined;
    const side = new SasExchange(FP_A, FP_B, () => {}, (r) => (result = r), nonce(1));
    await side.start();
    await side.onReveal(toHex(nonce(2)));
    expect(result).toEqual({ ok: false, reason: 'protocol' });
  });

  it('does not reveal its nonce before the peer committed', async () => {
    const sent: Message[] = [];
    const side = new SasExchange(FP_A, FP_B, (m) => sent.push(m), () => {}, nonce(1));
    await side.start();
    expect(sent.map((m) => m.type)).toEqual(['sas-commit']);
    side.onCommit(await commitment(nonce(2), FP_B));
    expect(sent.map((m) => m.type)).toEqual(['sas-commit', 'sas-reveal']);
  });
});
