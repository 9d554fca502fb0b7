/**
 * The translations are complete and fit their use: every locale has every key of
 * en.yml with the same placeholders, no extra keys, each plural group with exactly
 * the CLDR categories of its language, words in its own script, and the store
 * listing within Chrome's limits.
 */
import { readdirSync } from 'node:fs';
import { parseMessagesFile } from '@wxt-dev/i18n/build';
import { describe, expect, it } from 'vitest';
import { LOCALES, type Locale } from '@/components/ui-locale';

const DIR = new URL('../../locales/', import.meta.url);
const CATEGORIES = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

/** Keys written as @wxt-dev/i18n's own plurals (`1:` / `n:`), which know no few or many. */
const oldPlurals: string[] = [];

/** Dotted key → message, without Chrome's predefined `@@` messages. */
async function load(locale: string): Promise<Map<string, string>> {
  const parsed = await parseMessagesFile(new URL(`${locale}.yml`, DIR).pathname);
  const messages = new Map<string, string>();
  for (const entry of parsed) {
    const key = entry.key.join('.');
    if (key.startsWith('@@')) continue;
    if (entry.type === 'plural') oldPlurals.push(`${locale}:${key}`);
    else messages.set(key, entry.message);
  }
  return messages;
}

const files = readdirSync(DIR).filter((name) => name.endsWith('.yml')).map((name) => name.slice(0, -4));
const en = await load('en');
const others = files.filter((locale) => locale !== 'en') as Locale[];
const messages = new Map(await Promise.all(others.map(async (locale) => [locale, await load(locale)] as const)));

/** Plural groups of en.yml: keys with an `.other` form. */
const groups = new Set([...en.keys()].filter((key) => key.endsWith('.other')).map((key) => key.slice(0, -'.other'.length)));
const groupOf = (key: string): string | undefined => {
  const dot = key.lastIndexOf('.');
  return dot > 0 && groups.has(key.slice(0, dot)) ? key.slice(0, dot) : undefined;
};

/** `$1`, `$2`… used by a message (`$$` is an escaped dollar). */
function placeholders(message: string): string[] {
  return [...new Set(message.replaceAll('$$', '').match(/\$\d/g) ?? [])].sort();
}

/** Categories of `locale` that hold for the number 1 alone (so `$1` may be left out: "Text from $2"). */
function singleOne(locale: string, category: string): boolean {
  const rules = new Intl.PluralRules(locale);
  const numbers = Array.from({ length: 1000 }, (_, n) => n).filter((n) => rules.select(n) === category);
  return numbers.length === 1 && numbers[0] === 1;
}

/** The keys `locale` must have: en's plain keys, and each plural group with the locale's own categories. */
function expectedKeys(locale: string): string[] {
  const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
  const plain = [...en.keys()].filter((key) => groupOf(key) === undefined);
  return [...plain, ...[...groups].flatMap((group) => categories.map((category) => `${group}.${category}`))].sort();
}

/**
 * Messages allowed to contain no letter of their language's script, and why.
 * Messages without letters at all (`$1 ($2)`, `$1 / $2`) need no entry.
 */
const SAME_SCRIPT_EXCEPTIONS: Record<string, string> = {
  extName: 'the product name, SecureConnect, stays as it is',
  locale: 'the locale code the file is in (en, ru, fa), read by components/ui-locale.ts',
  'ru:options.iceUrl': 'Russian writes URL as URL',
  'fa:viewer.stats': 'a compact left-to-right readout (dir="ltr") in international units: 1280×720 · 30 fps · 2400 kbit/s',
  'fa:viewer.audioStats': 'the same readout for sound: 64 kbit/s',
};
const SCRIPTS: Record<Exclude<Locale, 'en'>, RegExp> = { ru: /\p{Script=Cyrillic}/u, fa: /\p{Script=Arabic}/u };

describe('locale files', () => {
  it('are the shipped locales: en, ru and fa', () => {
    expect(files.sort()).toEqual(Object.keys(LOCALES).sort());
  });

  it('write plurals as CLDR groups (one, few, many, other), not as 1 / n', () => {
    expect(oldPlurals).toEqual([]);
  });

  it('en.yml: plural groups have exactly the English categories', () => {
    for (const group of groups) {
      const forms = [...en.keys()].filter((key) => groupOf(key) === group).map((key) => key.slice(group.length + 1));
      expect(forms.sort(), group).toEqual(['one', 'other']);
    }
    // A key named like a category outside a group would be taken for a plural form.
    for (const key of en.keys()) if (CATEGORIES.has(key.split('.').at(-1)!)) expect(groupOf(key), key).toBeDefined();
  });

  describe.each(others)('%s', (locale) => {
    const own = messages.get(locale)!;

    it('has every key of en.yml and no other, with its own plural categories', () => {
      const keys = [...own.keys()].sort();
      expect(keys.filter((key) => !expectedKeys(locale).includes(key)), 'extra keys').toEqual([]);
      expect(expectedKeys(locale).filter((key) => !own.has(key)), 'missing keys').toEqual([]);
    });

    it('uses the same placeholders as en.yml', () => {
      for (const [key, message] of own) {
        const group = groupOf(key);
        const english = en.get(group ? `${group}.other` : key);
        if (english === undefined) continue;
        const expected = placeholders(english);
        const category = key.split('.').at(-1)!;
        // "one" may say "1" in words only where it means the number 1 alone.
        const allowed = group && singleOne(locale, category) ? [expected, expected.filter((p) => p !== '$1')] : [expected];
        expect(allowed, `${locale}:${key}: ${message}`).toContainEqual(placeholders(message));
      }
    });

    it('is written in its own script, with its own punctuation', () => {
      for (const [key, message] of own) {
        const words = message.replace(/\$\d/g, '');
        const excused = Object.hasOwn(SAME_SCRIPT_EXCEPTIONS, key) || Object.hasOwn(SAME_SCRIPT_EXCEPTIONS, `${locale}:${key}`);
        if (/\p{L}/u.test(words) && !excused) expect(words, `${locale}:${key}`).toMatch(SCRIPTS[locale as 'ru' | 'fa']);
        // Quotation marks are «…» in both languages.
        expect(message, `${locale}:${key}`).not.toMatch(/["“”]/);
        // No named substitutions: @wxt-dev/i18n would read {word} as one.
        expect(message, `${locale}:${key}`).not.toMatch(/\{\w+\}/);
      }
    });

    it('keeps the product name, IDs and URLs of the English text', () => {
      for (const [key, message] of own) {
        const english = en.get(groupOf(key) ? `${groupOf(key)}.other` : key) ?? '';
        for (const token of english.match(/SecureConnect|PeerServer|SC_TURN_\w+|chrome:\/\/|brave-otter-4821|\b(?:stun|turns?):[\w.:?=]+\d/g) ?? []) {
          expect(message, `${locale}:${key}`).toContain(token);
        }
      }
    });
  });

  it('names its own locale in the locale message (pages take lang and dir from it)', () => {
    expect(en.get('locale')).toBe('en');
    for (const [locale, list] of messages) expect(list.get('locale'), locale).toBe(locale);
  });

  it('fa: Persian letters and punctuation, and no bidi controls but LRM after a Latin colon or slash', () => {
    for (const [key, message] of messages.get('fa')!) {
      // Arabic yeh and kaf look alike but are not Persian (ی U+06CC, ک U+06A9).
      expect(message, key).not.toMatch(/[\u064A\u0643]/);
      // After a Persian word: ، ؛ ؟ rather than , ; ?
      expect(message, key).not.toMatch(/\p{Script=Arabic}[,;?]/u);
      // LRM keeps the colon of stun: or the slashes of chrome:// with their word; nothing else.
      expect(message.replace(/([:/])\u200e/g, '$1'), key).not.toMatch(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
      // A zero-width non-joiner only inside a word.
      expect(message, key).not.toMatch(/(^|[\s\u200c])\u200c|\u200c($|[\s.،])/);
    }
  });

  it.each(files)('%s: store listing within Chrome limits (name 75, description 132 characters)', async (locale) => {
    const own = locale === 'en' ? en : messages.get(locale as Locale)!;
    expect(own.get('extName')!.length).toBeLessThanOrEqual(75);
    expect(own.get('extDescription')!.length).toBeLessThanOrEqual(132);
    expect(own.get('commands.shareTab')!.length).toBeGreaterThan(0);
  });
});
