/**
 * The user's persistent DTLS identity: one `RTCCertificate` kept in IndexedDB and
 * passed to every connection (RTCConfiguration `certificates`), so that peers see
 * the same DTLS fingerprint across connections and restarts
 * (https://www.w3.org/TR/webrtc/#dom-rtcconfiguration-certificates).
 * Web APIs only: runs in the offscreen document and, later, Firefox's background page.
 */

/** Where the certificate is kept. */
export interface CertificateStore {
  load(): Promise<RTCCertificate | undefined>;
  save(certificate: RTCCertificate): Promise<void>;
}

/** Lifetime asked for, in ms (browsers cap it at 365 days). */
export const CERTIFICATE_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** A certificate closer than this to expiry is replaced, in ms. */
export const CERTIFICATE_RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/** Makes a new certificate: ECDSA P-256, as browsers use by default. */
export type CertificateGenerator = () => Promise<RTCCertificate>;

export const generateCertificate: CertificateGenerator = () =>
  RTCPeerConnection.generateCertificate({
    name: 'ECDSA',
    namedCurve: 'P-256',
    expires: CERTIFICATE_LIFETIME_MS,
  } as AlgorithmIdentifier);

/**
 * The stored certificate, or a new one (stored) when there is none or it expires
 * within {@link CERTIFICATE_RENEW_BEFORE_MS}. A renewed certificate has a new
 * fingerprint: peers that pinned the old one will notice.
 *
 * @param now current time in ms since the Unix epoch.
 */
export async function loadOrCreateCertificate(
  store: CertificateStore,
  generate: CertificateGenerator = generateCertificate,
  now: number = Date.now(),
): Promise<RTCCertificate> {
  const stored = await store.load();
  if (stored && stored.expires - now > CERTIFICATE_RENEW_BEFORE_MS) return stored;
  const fresh = await generate();
  await store.save(fresh);
  return fresh;
}

/**
 * The certificate's SHA-256 fingerprint as in SDP `a=fingerprint` (RFC 8122):
 * upper-case hex pairs joined by colons.
 */
export function sha256Fingerprint(certificate: RTCCertificate): string | undefined {
  const found = certificate.getFingerprints().find((f) => f.algorithm?.toLowerCase() === 'sha-256');
  return found?.value?.toUpperCase();
}

const DB_NAME = 'secureconnect';
const STORE = 'identity';
const KEY = 'dtls-certificate';

function openDb(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** A {@link CertificateStore} in IndexedDB (`RTCCertificate` is structured-cloneable). */
export function indexedDbCertificateStore(factory: IDBFactory = indexedDB): CertificateStore {
  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await openDb(factory);
    try {
      return await new Promise<T>((resolve, reject) => {
        const request = work(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    load: () => run('readonly', (store) => store.get(KEY) as IDBRequest<RTCCertificate | undefined>),
    save: async (certificate) => {
      await run('readwrite', (store) => store.put(certificate, KEY));
    },
  };
}
