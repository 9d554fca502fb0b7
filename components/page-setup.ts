/** Common set-up of the extension's Vue pages: language and direction from the browser's locale. */
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
