import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLinks } from '@/lib/text/links';

describe('splitLinks', () => {
  it('finds http(s) links and keeps the surrounding text', () => {
    expect(splitLinks('See https://example.org/a?b=1, then http://x.test.')).toEqual([
      { text: 'See ' },
      { text: 'https://example.org/a?b=1', url: 'https://example.org/a?b=1' },
      { text: ', then ' },
      { text: 'http://x.test', url: 'http://x.test/' },
      { text: '.' },
    ]);
  });

  it.each(['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', '<a href="javascript:x">y</a>'])(
    'leaves %s as plain text',
    (text) => {
      expect(splitLinks(text).every((segment) => segment.url === undefined)).toBe(true);
    },
  );

  it('always gives back the exact text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.webUrl(), fc.string(), (before, url, after) => {
        const text = `${before} ${url} ${after}`;
        expect(splitLinks(text).map((segment) => segment.text).join('')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});
