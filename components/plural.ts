/**
 * Plural forms by CLDR category, which `@wxt-dev/i18n` (0 / 1 / n) cannot give:
 * Russian needs one (1, 21), few (2–4, 22) and many (5–20, 25); Persian one and other.
 *
 * A plural message is a group in the locale files, one key per category the
 * language uses (`Intl.PluralRules(locale).resolvedOptions().pluralCategories`):
 *
 * ```yml
 * showOlder:
 *   one: Show $1 older message
 *   other: Show $1 older messages
 * ```
 *
 * ru.yml adds `few` and `many` to the same group. Keys that only some locales
 * have are not in en.yml's generated types, so the forms are read untyped; the
 * group itself is typed ({@link PluralKey}) and tests/unit/locales.test.ts checks
 * every locale has exactly its categories.
 */
import { createI18n } from '@wxt-dev/i18n';
import type { GeneratedI18nStructure } from '#i18n';
import { uiLocale, type Locale } from './ui-locale';

/** A plural group of en.yml: a key with an `.other` form. */
export type PluralKey = {
  [K in keyof GeneratedI18nStructure]: K extends `${infer Group}.other` ? Group : never;
}[keyof GeneratedI18nStructure];

/** Untyped on purpose: `few` and `many` exist in ru.yml only. */
const messages = createI18n();
const rules = new Map<string, Intl.PluralRules>();

/** The CLDR plural category of `count` in `locale` (`one`, `few`, `many`, `other`…). */
export function pluralCategory(locale: string, count: number): Intl.LDMLPluralRule {
  let rule = rules.get(locale);
  if (!rule) {
    rule = new Intl.PluralRules(locale);
    rules.set(locale, rule);
  }
  return rule.select(count);
}

/**
 * The form of plural group `key` for `count` in the UI's locale, falling back to
 * `other` when that form is missing. `substitutions` fill `$1`, `$2`…; by default
 * `$1` is the count.
 */
export function tPlural(key: PluralKey, count: number, substitutions: string[] = [String(count)], locale: Locale = uiLocale()): string {
  const category = pluralCategory(locale, count);
  const form = category === 'other' ? '' : messages.t(`${key}.${category}`, substitutions);
  return form || messages.t(`${key}.other`, substitutions);
}
