// The offscreen document: hosts the peer (see docs/architecture.md).
import { Peer } from 'peerjs';
import { browser } from 'wxt/browser';
import type { RuntimeLike } from '@/lib/messaging';
import { indexedDbCertificateStore, loadOrCreateCertificate } from '@/lib/session/certificate';
import { startPeerHost } from '@/lib/session/host';
import type { PortRuntime } from '@/lib/session/host-ports';
import { browserMedia } from '@/lib/session/media';

async function start(): Promise<void> {
  // One DTLS identity for every connection; without it the browser makes one per connection.
  const certificate = await loadOrCreateCertificate(indexedDbCertificateStore()).catch((error: unknown) => {
    console.error('[secureconnect] no persistent DTLS certificate; using one per connection', error);
    return undefined;
  });
  const host = startPeerHost(browser.runtime as unknown as RuntimeLike & PortRuntime, (id, options) => new Peer(id, options), browserMedia, certificate);
  // The viewer page takes received streams from here (same extension, same process):
  // a MediaStream cannot be posted between pages. See docs/architecture.md.
  Object.assign(globalThis, { secureConnectStreams: host.session.shares.streams });
}

void start();
