/**
 * The language the extension's words are shown in, and its writing direction.
 *
 * Chrome picks messages by its UI locale, falling back from `fa_IR` to `fa` and
 * then to `default_locale` (en). {@link resolveLocale} follows the same steps over
 * the locales we ship, so that `lang`, `dir` and plural rules match the words
 * actually shown: a Polish browser gets English words, `lang="en"` and English
 * plurals, not Polish ones over English text.
 */
import { browser } from 'wxt/browser';

/** The locales with a file in `locales/` (a unit test keeps the two in step), each with its direction. */
export const LOCALES = { en: 'ltr', ru: 'ltr', fa: 'rtl' } as const;

/** A shipped locale. */
export type Locale = keyof typeof LOCALES;

/** Writing direction of a page or element. */
export type Direction = (typeof LOCALES)[Locale];

/** `default_locale` in wxt.config.ts: Chrome's last fallback. */
export const DEFAULT_LOCALE: Locale = 'en';

function isLocale(tag: string): tag is Locale {
  return Object.hasOwn(LOCALES, tag);
}

/**
 * The shipped locale Chrome shows for the UI locale `tag` (`fa`, `fa_IR`,
 * `en-US`, `ru-RU`…): the tag itself, else its language, else {@link DEFAULT_LOCALE}.
 */
export function resolveLocale(tag: string): Locale {
  const normal = tag.trim().replaceAll('_', '-').toLowerCase();
  const language = normal.split('-')[0] ?? '';
  if (isLocale(normal)) return normal;
  return isLocale(language) ? language : DEFAULT_LOCALE;
}

/**
 * The shipped locale the extension's words are shown in: our `locale` message, which
 * each locale file names itself in, else `@@ui_locale`. The message comes first because
 * Chromium can pick the messages by one locale and report another: with `--lang=fa` on
 * Debian's Chromium the words are Persian while `@@ui_locale` and `getUILanguage()`
 * say `en_US`, which made Persian pages left to right.
 */
export function uiLocale(): Locale {
  // Typed for the predefined @@ messages only; ours are as real (locales/*.yml).
  const message = browser.i18n.getMessage as (name: string) => string;
  return resolveLocale(message('locale') || message('@@ui_locale') || DEFAULT_LOCALE);
}

/** `lang` and `dir` for a page in `locale`. */
export function pageLanguage(locale: Locale = uiLocale()): { lang: Locale; dir: Direction } {
  return { lang: locale, dir: LOCALES[locale] };
}
