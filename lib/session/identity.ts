/**
 * Who is on the other end: the SHA-256 fingerprint of the certificate the browser
 * verified in the DTLS handshake, never a line of SDP (which any algorithm may
 * name, RFC 8122 section 5), and what to do when it is not the one we know.
 */
import { normalizeFingerprint } from '../security/sas';

/** The parts of an `RTCPeerConnection` read here (structural, so tests can fake it). */
export interface CertificateSource {
  /** `pc.sctp.transport`: https://www.w3.org/TR/webrtc/#dom-rtcdtlstransport-getremotecertificates */
  sctp?: { transport?: { getRemoteCertificates?(): ArrayBuffer[] } } | null;
  getStats?(): Promise<{ forEach(callback: (entry: Record<string, unknown>) => void): void; get?(id: string): unknown }>;
}

/** SHA-256 over DER bytes, as `AB:CD:…` (upper-case), the form of RFC 8122 fingerprints. */
export async function derFingerprint(der: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/**
 * The SHA-256 fingerprint of the remote DTLS certificate, computed by us from its DER
 * bytes: `getRemoteCertificates()` (first certificate: the peer's own), else the
 * `certificate` stats entry of the transport (`base64Certificate`,
 * https://www.w3.org/TR/webrtc-stats/#certificatestats-dict*).
 *
 * @returns `undefined` while DTLS has not completed, or when neither source is readable.
 */
export async function remoteFingerprint(pc: CertificateSource | undefined): Promise<string | undefined> {
  if (!pc) return undefined;
  try {
    const certificates = pc.sctp?.transport?.getRemoteCertificates?.();
    if (certificates && certificates.length > 0) return await derFingerprint(certificates[0]!);
  } catch {
    // Fall through to the stats.
  }
  try {
    const report = await pc.getStats?.();
    if (!report) return undefined;
    let base64: string | undefined;
    report.forEach((entry) => {
      if (entry.type !== 'transport' || typeof entry.remoteCertificateId !== 'string') return;
      const certificate = report.get?.(entry.remoteCertificateId) as { base64Certificate?: unknown } | undefined;
      if (typeof certificate?.base64Certificate === 'string') base64 = certificate.base64Certificate;
    });
    if (!base64) return undefined;
    return await derFingerprint(Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * How long {@link waitForRemoteFingerprint} waits for DTLS to finish, in ms: within the
 * 15 s connect timeout. Generous, because giving up means an unreadable identity, which
 * holds a pinned peer and asks again for an accepted one (a busy machine took seconds).
 */
export const FINGERPRINT_WAIT_MS = 10_000;

/**
 * {@link remoteFingerprint}, retried every 50 ms: a data channel reports `open`
 * after DTLS, but the transport's certificates can show a moment later.
 * @returns `undefined` when nothing was readable within `waitMs`.
 */
export async function waitForRemoteFingerprint(pc: CertificateSource | undefined, waitMs = FINGERPRINT_WAIT_MS): Promise<string | undefined> {
  if (!pc) return undefined;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const seen = await remoteFingerprint(pc);
    if (seen || Date.now() >= deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a connection may do, given who is on the other end. */
export type IdentityVerdict =
  /** The identity the user verified or accepted, or a first connection. */
  | 'continue'
  /** A pinned peer with another identity, or one we cannot read: hold and warn. */
  | 'hold'
  /** An accepted, unpinned peer with another identity: ask our user again, as for a stranger. */
  | 'ask';

/**
 * The one identity rule for every connection setup, incoming or outgoing, first or redial.
 *
 * @param pinned fingerprint pinned for this peer ID (the user compared codes), if any.
 * @param known fingerprint of the connection the user last accepted in this session, if any.
 * @param seen fingerprint the browser verified now; `undefined` when unreadable.
 */
export function identityVerdict(pinned: string | undefined, known: string | undefined, seen: string | undefined): IdentityVerdict {
  const same = (a: string, b: string | undefined): boolean => b !== undefined && normalizeFingerprint(a) === normalizeFingerprint(b);
  if (pinned !== undefined) return same(pinned, seen) ? 'continue' : 'hold';
  if (known !== undefined) return same(known, seen) ? 'continue' : 'ask';
  return 'continue';
}
