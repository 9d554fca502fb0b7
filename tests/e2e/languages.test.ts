/**
 * The pages in Persian (right to left) and Russian, as a browser whose UI is in
 * that language shows them (`--lang`, with Debian's chromium-l10n).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chromeMessages } from '../unit/fake-locale';
import { User } from './harness';

/** English messages that the locale says differently (placeholders cut out): none may show on its pages. */
async function englishLeftovers(locale: 'fa' | 'ru'): Promise<string[]> {
  const [en, own] = await Promise.all([chromeMessages('en'), chromeMessages(locale)]);
  return Object.entries(en)
    .filter(([key, { message }]) => own[key]?.message !== message)
    .flatMap(([, { message }]) => message.split(/\$\d/))
    .map((part) => part.trim())
    .filter((part) => /\p{L}{3}/u.test(part) && part.length >= 6);
}

/** The English texts of `leftovers` that `text` contains as words of their own (`Connect`, not in `SecureConnect`). */
const englishIn = (text: string, leftovers: string[]): string[] =>
  leftovers.filter((part) => new RegExp(`(?<!\\p{L})${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\p{L})`, 'u').test(text));

describe('the pages in the browser\'s language', () => {
  let user: User | undefined;
  afterEach(async () => {
    await user?.close();
    user = undefined;
  });

  it.each([
    { lang: 'fa', dir: 'rtl', settings: 'تنظیمات' },
    { lang: 'ru', dir: 'ltr', settings: 'Настройки' },
  ])('$lang: popup and options have lang="$lang" dir="$dir", its words, and mirror when right to left', async ({ lang, dir, settings }) => {
    user = await User.launch(`lang-${lang}`, { extraArgs: [`--lang=${lang}`] });
    const popup = await user.openPopup();
    const page = popup.page;
    await page.getByTestId('my-peer-id').waitFor();
    expect(await page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }))).toEqual({ lang, dir });
    const link = page.getByTestId('open-options');
    await expect(link.textContent()).resolves.toContain(settings);
    // Mirrored: the settings link sits at the end of the header, left in Persian, right in Russian.
    const title = await page.getByRole('heading', { name: 'SecureConnect' }).boundingBox();
    const settingsBox = await link.boundingBox();
    expect(title && settingsBox, 'title and settings link laid out').toBeTruthy();
    if (dir === 'rtl') expect(settingsBox!.x).toBeLessThan(title!.x);
    else expect(settingsBox!.x).toBeGreaterThan(title!.x);
    await page.screenshot({ path: `test-results/popup-${lang}.png` });
    const leftovers = await englishLeftovers(lang as 'fa' | 'ru');
    // What an English page would show: the header's own link among them.
    expect(englishIn('SecureConnect Settings', leftovers)).toEqual(['Settings']);
    expect(englishIn(await page.locator('body').innerText(), leftovers), 'English words on the popup').toEqual([]);

    const options = await user.openExtensionPage('options.html');
    await options.getByTestId('save-options').waitFor();
    expect(await options.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }))).toEqual({ lang, dir });
    expect(englishIn(await options.locator('body').innerText(), leftovers), 'English words on the options page').toEqual([]);
  });
});
