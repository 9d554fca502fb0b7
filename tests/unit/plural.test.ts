/**
 * Plural forms by CLDR category (components/plural.ts) and the UI language they
 * follow (components/ui-locale.ts): Russian one / few / many, Persian and English
 * one / other, read from the real locale files.
 */
import { fakeBrowser } from 'wxt/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { pluralCategory, tPlural } from '@/components/plural';
import { pageLanguage, resolveLocale, uiLocale } from '@/components/ui-locale';
import { installLocale } from './fake-locale';

beforeEach(() => fakeBrowser.reset());

describe('pluralCategory', () => {
  it('gives Russian one, few and many', () => {
    const ru = [1, 2, 5, 11, 21, 22, 25, 111, 1.5].map((n) => pluralCategory('ru', n));
    expect(ru).toEqual(['one', 'few', 'many', 'many', 'one', 'few', 'many', 'many', 'other']);
  });

  it('gives Persian one for 0 and 1, other above', () => {
    expect([0, 1, 2, 5, 21].map((n) => pluralCategory('fa', n))).toEqual(['one', 'one', 'other', 'other', 'other']);
  });

  it('gives English one for 1 only', () => {
    expect([0, 1, 2, 21].map((n) => pluralCategory('en', n))).toEqual(['other', 'one', 'other', 'other']);
  });
});

describe('tPlural', () => {
  it('picks the Russian form for 1, 2, 5, 11, 21, 22 and 25', () => {
    installLocale('ru');
    const shown = [1, 2, 5, 11, 21, 22, 25].map((n) => tPlural('popup.showOlder', n));
    expect(shown).toEqual([
      'Показать 1 предыдущее сообщение',
      'Показать 2 предыдущих сообщения',
      'Показать 5 предыдущих сообщений',
      'Показать 11 предыдущих сообщений',
      'Показать 21 предыдущее сообщение',
      'Показать 22 предыдущих сообщения',
      'Показать 25 предыдущих сообщений',
    ]);
    expect(tPlural('notify.textsFrom', 21, ['21', 'ann-otter-1000'])).toBe('21 новое сообщение от ann-otter-1000');
    expect(tPlural('notify.connectionRequests', 3)).toBe('3 пира хотят подключиться');
    expect(tPlural('notify.connectionRequests', 15)).toBe('15 пиров хотят подключиться');
  });

  it('picks the Persian form', () => {
    installLocale('fa');
    expect(tPlural('popup.showOlder', 1)).toBe('نمایش 1 پیام قدیمی\u200cتر');
    expect(tPlural('notify.connectionRequests', 1)).toBe('1 همتا می\u200cخواهد وصل شود');
    expect(tPlural('notify.connectionRequests', 4)).toBe('4 همتا می\u200cخواهند وصل شوند');
  });

  it('picks the English form, with the count or without it for exactly one', () => {
    installLocale('en');
    expect(tPlural('popup.showOlder', 1)).toBe('Show 1 older message');
    expect(tPlural('popup.showOlder', 2)).toBe('Show 2 older messages');
    expect(tPlural('notify.textsFrom', 1, ['1', 'ann-otter-1000'])).toBe('Text from ann-otter-1000');
    expect(tPlural('notify.textsFrom', 30_000, ['30000', 'ann-otter-1000'])).toBe('30000 new messages from ann-otter-1000');
  });

  it('falls back to the other form when a form is missing', () => {
    installLocale('ru', ['popup_showOlder_few']);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(tPlural('popup.showOlder', 3)).toBe('Показать 3 предыдущего сообщения');
    expect(warn).toHaveBeenCalledWith('[i18n] Message not found: "popup.showOlder.few"');
    warn.mockRestore();
  });

  it('uses the plural rules of the words shown, not of an unshipped UI language', () => {
    // Chrome shows English to a Polish UI: Polish "few" rules would find no English form.
    installLocale('en');
    expect(tPlural('popup.showOlder', 3, undefined, resolveLocale('pl'))).toBe('Show 3 older messages');
  });
});

describe('UI locale', () => {
  it('resolves UI languages to shipped locales the way Chrome falls back', () => {
    const tags = ['fa', 'fa_IR', 'fa-AF', 'ru', 'ru_RU', 'en', 'en_US', 'en-GB', 'pl', 'ar', 'zh_CN', ''];
    expect(tags.map(resolveLocale)).toEqual(['fa', 'fa', 'fa', 'ru', 'ru', 'en', 'en', 'en', 'en', 'en', 'en', 'en']);
  });

  it('reads the browser UI locale', () => {
    installLocale('fa');
    expect(uiLocale()).toBe('fa');
    installLocale('ru');
    expect(uiLocale()).toBe('ru');
  });

  it('gives rtl for Persian and ltr for Russian and English', () => {
    expect(pageLanguage('fa')).toEqual({ lang: 'fa', dir: 'rtl' });
    expect(pageLanguage('ru')).toEqual({ lang: 'ru', dir: 'ltr' });
    expect(pageLanguage('en')).toEqual({ lang: 'en', dir: 'ltr' });
  });
});
