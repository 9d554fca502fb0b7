/** Common set-up of the extension's Vue pages: language and direction from the browser's locale. */
import { createApp, type Component } from 'vue';
import { browser } from 'wxt/browser';
import './theme.css';

/**
 * Sets `lang` and `dir` (`rtl` for Persian and other right-to-left UI languages)
 * on the page, and its title in the UI language.
 */
export function setUpPage(title: string): void {
  const root = document.documentElement;
  root.lang = browser.i18n.getUILanguage();
  root.dir = browser.i18n.getMessage('@@bidi_dir') || 'ltr';
  document.title = title;
}

/** Sets up the page ({@link setUpPage}) and mounts `app` on `#app`. */
export function mountPage(app: Component, title: string): void {
  setUpPage(title);
  createApp(app).mount('#app');
}
