/**
 * Short authentication string (SAS): a 6-digit code both users compare by voice
 * or chat, derived from both DTLS certificate fingerprints and from nonces
 * exchanged commit-then-reveal over the data channel (as ZRTP, RFC 6189, §4.4.1,
 * and Matrix's SAS verification do). A man in the middle has a different
 * fingerprint on each leg; because each side commits to its nonce before seeing
 * the other's, the middle cannot choose values that make both codes collide
 * (1 chance in 10^6 per attempt). Construction: docs/security.md.
 */

/** Nonce size, in bytes. */
export const SAS_NONCE_BYTES = 32;

/** Digits in the code. */
export const SAS_DIGITS = 6;

const COMMIT_LABEL = 'secureconnect-sas-commit-v1';
const SAS_LABEL = 'secureconnect-sas-v1';
const encoder = new TextEncoder();

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes of a lower- or upper-case hex string; `undefined` if it is not hex of even length. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return undefined;
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** A fresh random nonce. */
export function newNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SAS_NONCE_BYTES));
}

/** Canonical form of a fingerprint value: upper-case hex pairs joined by colons (RFC 8122 §5). */
export function normalizeFingerprint(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * The SHA-256 fingerprint in an SDP (`a=fingerprint:sha-256 AB:CD:…`, RFC 8122 §5),
 * session or media level; `undefined` when there is none.
 */
export function sdpFingerprint(sdp: string | undefined): string | undefined {
  const match = /^a=fingerprint:sha-256 ([0-9A-Fa-f:]+)\s*$/m.exec(sdp ?? '');
  return match ? normalizeFingerprint(match[1]!) : undefined;
}

async function sha256(...parts: Array<string | Uint8Array>): Promise<Uint8Array> {
  // Length-prefixed parts, so that no two different inputs concatenate the same.
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? encoder.encode(part) : part;
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.length);
    chunks.push(length, bytes);
  }
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

/** Commitment to `nonce`, bound to the committer's own fingerprint: hex SHA-256. */
export async function commitment(nonce: Uint8Array, ownFingerprint: string): Promise<string> {
  return toHex(await sha256(COMMIT_LABEL, normalizeFingerprint(ownFingerprint), nonce));
}

/**
 * The code both sides show: SHA-256 over the label and both (fingerprint, nonce)
 * pairs in fingerprint order, first 4 bytes as an unsigned integer, mod 10^6,
 * zero-padded to 6 digits.
 */
export async function computeSas(
  one: { fingerprint: string; nonce: Uint8Array },
  other: { fingerprint: string; nonce: Uint8Array },
): Promise<string> {
  const a = { ...one, fingerprint: normalizeFingerprint(one.fingerprint) };
  const b = { ...other, fingerprint: normalizeFingerprint(other.fingerprint) };
  const [first, second] = a.fingerprint <= b.fingerprint ? [a, b] : [b, a];
  const digest = await sha256(SAS_LABEL, first.fingerprint, first.nonce, second.fingerprint, second.nonce);
  const value = new DataView(digest.buffer).getUint32(0);
  return String(value % 10 ** SAS_DIGITS).padStart(SAS_DIGITS, '0');
}

/** "123456" → "123 456", easier to read aloud. */
export function formatSas(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

/** Outcome of an exchange. */
export type SasResult = { ok: true; code: string } | { ok: false; reason: 'commitment-mismatch' | 'protocol' };

/**
 * One side of the commit-then-reveal exchange on one connection. Call
 * {@link SasExchange.start}; feed the peer's messages to {@link SasExchange.onCommit}
 * and {@link SasExchange.onReveal}. The nonce is revealed only after the peer's
 * commitment arrived.
 */
export class SasExchange {
  private readonly nonce: Uint8Array;
  private theirCommit?: string;
  /** Our commitment has been sent. */
  private committed = false;
  private revealed = false;
  private done = false;

  constructor(
    private readonly ownFingerprint: string,
    private readonly theirFingerprint: string,
    private readonly send: (message: { type: 'sas-commit'; hash: string } | { type: 'sas-reveal'; nonce: string }) => void,
    private readonly finish: (result: SasResult) => void,
    nonce: Uint8Array = newNonce(),
  ) {
    this.nonce = nonce;
  }

  async start(): Promise<void> {
    this.send({ type: 'sas-commit', hash: await commitment(this.nonce, this.ownFingerprint) });
    this.committed = true;
    this.maybeReveal();
  }

  onCommit(hash: string): void {
    if (this.theirCommit !== undefined) return this.end({ ok: false, reason: 'protocol' });
    this.theirCommit = hash.toLowerCase();
    this.maybeReveal();
  }

  async onReveal(nonceHex: string): Promise<void> {
    const theirNonce = fromHex(nonceHex);
    // A reveal before their commitment, or before ours, defeats the point.
    if (!theirNonce || theirNonce.length !== SAS_NONCE_BYTES || this.theirCommit === undefined || !this.revealed) {
      return this.end({ ok: false, reason: 'protocol' });
    }
    if ((await commitment(theirNonce, this.theirFingerprint)) !== this.theirCommit) {
      return this.end({ ok: false, reason: 'commitment-mismatch' });
    }
    const code = await computeSas(
      { fingerprint: this.ownFingerprint, nonce: this.nonce },
      { fingerprint: this.theirFingerprint, nonce: theirNonce },
    );
    this.end({ ok: true, code });
  }

  private maybeReveal(): void {
    if (!this.committed || this.revealed || this.theirCommit === undefined || this.done) return;
    this.revealed = true;
    this.send({ type: 'sas-reveal', nonce: toHex(this.nonce) });
  }

  private end(result: SasResult): void {
    if (this.done) return;
    this.done = true;
    this.finish(result);
  }
}
