/**
 * Times shown beside messages, e.g. `14:05:09`, in the language of the extension's
 * words. One formatter for the page: `Intl.DateTimeFormat` is costly to make, and every
 * message used to make its own on the thread the peer host shares with the pages.
 */
import { uiLocale } from './ui-locale';

/**
 * The locale for times: the browser's own (`en-GB`, `ru-RU`) when its language is the
 * one our words are shown in, for its regional format; else our words' locale. Chromium
 * started with `--lang=fa` shows Persian words and reports `en-US` (see `uiLocale`),
 * which put "PM" beside Persian text.
 */
export function timeLocale(words: string = uiLocale(), browserLanguage: string = navigator.language): string {
  return browserLanguage.split('-')[0]?.toLowerCase() === words ? browserLanguage : words;
}

let formatter: Intl.DateTimeFormat | undefined;

/** `at` (ms since the Unix epoch) as hours, minutes and seconds. */
export function messageTime(at: number): string {
  formatter ??= new Intl.DateTimeFormat(timeLocale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return formatter.format(at);
}
