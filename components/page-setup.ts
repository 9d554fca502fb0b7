/** Common set-up of the extension's Vue pages: language and direction from the browser's locale. */
import { createApp, type Component } from 'vue';
import './theme.css';
import { pageLanguage } from './ui-locale';

/**
 * Sets `lang` and `dir` on `<html>` for the locale the words are shown in
 * (`fa`: `rtl`; see {@link pageLanguage}), and the page's title in that language.
 */
export function setUpPage(title: string): void {
  const root = document.documentElement;
  const { lang, dir } = pageLanguage();
  root.lang = lang;
  root.dir = dir;
  document.title = title;
}

/** Sets up the page ({@link setUpPage}) and mounts `app` on `#app`. */
export function mountPage(app: Component, title: string): void {
  setUpPage(title);
  createApp(app).mount('#app');
}
