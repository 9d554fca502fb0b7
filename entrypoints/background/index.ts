/**
 * Background service worker: the composition root. One host client (make sure
 * the peer host's document exists, then command it) and one module per browser
 * feature. It holds no session state that matters: Chrome may stop it at any
 * time, and the peer host has the truth (docs/architecture.md).
 */
import { browser } from 'wxt/browser';
import { serve, type RuntimeLike } from '@/lib/messaging';
import { loadSessionSettings, rememberAccepted, touchTrustedPeers } from '@/lib/storage';
import { installAlerts } from './alerts';
import { createHostClient } from './host-client';
import { installMenus, updateSelectionMenu } from './menus';
import { createNotifier, updateBadge } from './notify';
import { syncSettings } from './settings-sync';
import { acceptShare, clearShareOffer, startShare, watchClosedTabs } from './share';
import { installShortcut } from './shortcut';
import { StateWatch } from './state-watch';

export default defineBackground(() => {
  const runtime = browser.runtime as unknown as RuntimeLike;
  const host = createHostClient(runtime);
  // Texts and connection requests are coalesced there: no peer can flood the user.
  const notifier = createNotifier();
  const watch = new StateWatch({
    badge: updateBadge,
    menus: updateSelectionMenu,
    shareOfferGone: clearShareOffer,
    requestGone: (peerId) => notifier.answered(peerId),
    connected: touchTrustedPeers,
  });
  host.onEvent((event) => event.type === 'event/state' && watch.apply(event.state));

  serve(runtime, 'background', async (request) => {
    switch (request.type) {
      case 'background/get-settings':
        return { ok: true, settings: await loadSessionSettings() };
      case 'background/ensure-host':
        await host.ensure();
        return { ok: true };
      case 'background/accepted':
        // Settings sync hands it back to the host with the next settings (storage.session).
        await rememberAccepted(request.peerId, request.fingerprint);
        return { ok: true };
      case 'background/share': {
        const { type: _type, ...share } = request;
        return startShare(host, share);
      }
      case 'background/accept-share':
        return acceptShare(host, request.shareId);
    }
  });

  installAlerts(host, watch, notifier);
  installMenus(host);
  installShortcut(host);
  watchClosedTabs(host, watch);
  // Settings changed in the options page: hand them to the peer host, in order.
  syncSettings(runtime, host.ensure);

  // Every start of the worker (browser start, install, any event) makes sure the peer host runs.
  void host.ensure().catch((error: unknown) => console.error('[secureconnect] offscreen document', error));
});
