/** Message times follow the language of the words, not a browser that reports another. */
import { describe, expect, it } from 'vitest';
import { timeLocale } from '@/components/time-format';

describe('timeLocale', () => {
  it('uses the language of our words when the browser reports another (Chromium with --lang=fa says en-US)', () => {
    expect(timeLocale('fa', 'en-US')).toBe('fa');
    expect(timeLocale('ru', 'en-US')).toBe('ru');
    const persian = new Intl.DateTimeFormat(timeLocale('fa', 'en-US'), { hour: '2-digit', minute: '2-digit' }).format(Date.UTC(2026, 11, 2, 14, 5));
    expect(persian).not.toMatch(/PM|AM/);
  });

  it("keeps the browser's regional format when its language is that of our words", () => {
    expect(timeLocale('en', 'en-GB')).toBe('en-GB');
    expect(timeLocale('ru', 'ru-RU')).toBe('ru-RU');
  });
});
