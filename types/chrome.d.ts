// Chrome-only APIs (offscreen, runtime.getContexts, tabCapture) that
// webextension-polyfill's types lack. Use `chrome` only in Chrome-only code
// (the background's offscreen management), never in the peer host.
import type { Browser } from '@wxt-dev/browser';

declare global {
  const chrome: typeof Browser;
}
