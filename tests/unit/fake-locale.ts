/**
 * `browser.i18n.getMessage` for unit tests in any shipped locale, answering the
 * way Chrome does: the locale's message, else the default locale's (en), else
 * ''; `$1`… substituted; `@@ui_locale` gives the locale.
 */
import { generateChromeMessages, parseMessagesFile } from '@wxt-dev/i18n/build';
import { fakeBrowser } from 'wxt/testing';
import { vi } from 'vitest';
import { LOCALES, type Locale } from '@/components/ui-locale';

type Messages = Record<string, { message: string }>;

/** The Chrome messages of `locale`, as `wxt build` writes them to `_locales/<locale>/messages.json`. */
export async function chromeMessages(locale: Locale): Promise<Messages> {
  return generateChromeMessages(await parseMessagesFile(new URL(`../../locales/${locale}.yml`, import.meta.url).pathname));
}

const all = Object.fromEntries(await Promise.all(Object.keys(LOCALES).map(async (l) => [l, await chromeMessages(l as Locale)]))) as Record<Locale, Messages>;

/**
 * Installs `locale` as the fake browser's UI language (again after each
 * `fakeBrowser.reset()`). `without` leaves some of its messages out, as an
 * incomplete translation would.
 */
export function installLocale(locale: Locale, without: string[] = []): void {
  vi.spyOn(fakeBrowser.i18n, 'getMessage').mockImplementation((key: string, substitutions?: string | string[]) => {
    if (key === '@@ui_locale') return locale;
    const subs = substitutions === undefined ? [] : [substitutions].flat();
    const from = (messages: Messages): string | undefined => (Object.hasOwn(messages, key) ? messages[key]?.message : undefined);
    const message = (without.includes(key) ? undefined : from(all[locale])) ?? from(all.en) ?? '';
    return message.replace(/\$(\d)/g, (_match, n: string) => subs[Number(n) - 1] ?? '');
  });
}
