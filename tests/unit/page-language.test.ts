/**
 * Every extension page sets `lang` and `dir` on `<html>` through one helper
 * (components/page-setup.ts): Persian right to left, Russian and English left to right.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fakeBrowser } from 'wxt/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setUpPage } from '@/components/page-setup';
import { installLocale } from './fake-locale';

const ENTRYPOINTS = new URL('../../entrypoints/', import.meta.url);
/** Pages people see; the offscreen document has no UI. */
const PAGES = readdirSync(ENTRYPOINTS).filter((name) => name !== 'offscreen' && existsSync(new URL(`${name}/index.html`, ENTRYPOINTS)));

describe('page language', () => {
  const root = { lang: 'en', dir: '' };
  const page = { documentElement: root, title: '' };

  beforeEach(() => {
    fakeBrowser.reset();
    vi.stubGlobal('document', page);
  });
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    ['fa', 'rtl'],
    ['ru', 'ltr'],
    ['en', 'ltr'],
  ] as const)('sets lang="%s" dir="%s"', (locale, dir) => {
    installLocale(locale);
    setUpPage('title');
    expect(root).toEqual({ lang: locale, dir });
  });

  it('follows the words shown, not @@ui_locale, when Chromium reports another locale (--lang=fa on Debian)', () => {
    installLocale('fa');
    const persian = vi.mocked(fakeBrowser.i18n.getMessage).getMockImplementation() as (key: string, subs?: string | string[]) => string;
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockImplementation((key: string, subs?: string | string[]) => (key === '@@ui_locale' ? 'en_US' : persian(key, subs)));
    setUpPage('title');
    expect(root).toEqual({ lang: 'fa', dir: 'rtl' });
  });

  it('falls back to English, left to right, for an unshipped right-to-left UI language', () => {
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockImplementation((key: string) => (key === '@@ui_locale' ? 'ar' : ''));
    setUpPage('title');
    expect(root).toEqual({ lang: 'en', dir: 'ltr' });
  });

  it('is called by every page: popup, options, viewer, mic-permission', () => {
    expect(PAGES.sort()).toEqual(['mic-permission', 'options', 'popup', 'viewer']);
    for (const name of PAGES) {
      const main = readFileSync(new URL(`${name}/main.ts`, ENTRYPOINTS), 'utf8');
      expect(main, name).toMatch(/\b(mountPage|setUpPage)\(/);
    }
  });
});
