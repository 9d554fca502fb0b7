import { describe, expect, it } from 'vitest';
import {
  CERTIFICATE_RENEW_BEFORE_MS,
  loadOrCreateCertificate,
  sha256Fingerprint,
  type CertificateStore,
} from '@/lib/session/certificate';

function fakeCertificate(expires: number, fingerprint = 'ab:cd'): RTCCertificate {
  return { expires, getFingerprints: () => [{ algorithm: 'sha-256', value: fingerprint }] } as unknown as RTCCertificate;
}

function memoryStore(initial?: RTCCertificate): CertificateStore & { saved: RTCCertificate[] } {
  let value = initial;
  const saved: RTCCertificate[] = [];
  return {
    saved,
    load: async () => value,
    save: async (certificate) => {
      value = certificate;
      saved.push(certificate);
    },
  };
}

describe('persistent DTLS certificate', () => {
  const now = 1_800_000_000_000;

  it('makes one and stores it when there is none', async () => {
    const store = memoryStore();
    const fresh = fakeCertificate(now + 365 * 86_400_000);
    await expect(loadOrCreateCertificate(store, async () => fresh, now)).resolves.toBe(fresh);
    expect(store.saved).toEqual([fresh]);
  });

  it('keeps using the stored one', async () => {
    const stored = fakeCertificate(now + 30 * 86_400_000);
    const store = memoryStore(stored);
    await expect(loadOrCreateCertificate(store, async () => fakeCertificate(0), now)).resolves.toBe(stored);
    expect(store.saved).toEqual([]);
  });

  it('renews one that is about to expire', async () => {
    const store = memoryStore(fakeCertificate(now + CERTIFICATE_RENEW_BEFORE_MS - 1));
    const fresh = fakeCertificate(now + 365 * 86_400_000, 'ef:01');
    await expect(loadOrCreateCertificate(store, async () => fresh, now)).resolves.toBe(fresh);
    expect(store.saved).toEqual([fresh]);
  });

  it('gives the SHA-256 fingerprint in SDP form (upper case)', () => {
    expect(sha256Fingerprint(fakeCertificate(0, 'ab:cd:0f'))).toBe('AB:CD:0F');
    const noSha256 = { expires: 0, getFingerprints: () => [{ algorithm: 'sha-1', value: '00' }] } as unknown as RTCCertificate;
    expect(sha256Fingerprint(noSha256)).toBeUndefined();
  });
});
