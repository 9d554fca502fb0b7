/**
 * `browser.i18n.getMessage` for unit tests, answering from locales/en.yml the way
 * Chrome does (`$1`… substitutions), since WXT's fake browser does not implement it.
 */
import { generateChromeMessages, parseMessagesFile } from '@wxt-dev/i18n/build';
import { fakeBrowser } from 'wxt/testing';
import { vi } from 'vitest';

const messages = generateChromeMessages(await parseMessagesFile(new URL('../../locales/en.yml', import.meta.url).pathname));

/** Installs the English messages on the fake browser (again after each `fakeBrowser.reset()`). */
export function installEnglish(): void {
  vi.spyOn(fakeBrowser.i18n, 'getMessage').mockImplementation((key: string, substitutions?: string | string[]) => {
    const subs = substitutions === undefined ? [] : [substitutions].flat();
    const message = Object.hasOwn(messages, key) ? messages[key]!.message : '';
    return message.replace(/\$(\d)/g, (_match, n: string) => subs[Number(n) - 1] ?? '');
  });
}
