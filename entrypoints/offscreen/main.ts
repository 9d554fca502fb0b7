// The offscreen document: hosts the peer (see docs/architecture.md).
import { Peer } from 'peerjs';
import { browser } from 'wxt/browser';
import type { RuntimeLike } from '@/lib/messaging';
import { startPeerHost } from '@/lib/session/host';

startPeerHost(browser.runtime as unknown as RuntimeLike, (id, options) => new Peer(id, options));
