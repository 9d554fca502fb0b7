// The offscreen document: hosts the peer (see docs/architecture.md).
import { Peer } from 'peerjs';
import { browser } from 'wxt/browser';
import type { RuntimeLike } from '@/lib/messaging';
import { startPeerHost } from '@/lib/session/host';
import { browserMedia } from '@/lib/session/media';

const host = startPeerHost(browser.runtime as unknown as RuntimeLike, (id, options) => new Peer(id, options), browserMedia);

// The viewer page takes received streams from here (same extension, same process):
// a MediaStream cannot be posted between pages. See docs/architecture.md.
Object.assign(globalThis, { secureConnectStreams: host.session.shares.streams });
