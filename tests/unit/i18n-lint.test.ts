/**
 * No user-facing string bypasses i18n: pages, components, background and
 * notifications take their words from `i18n.t` (or `tPlural`), and their CSS uses
 * logical properties only, so that Persian pages mirror. The scanner is tested
 * first on samples, so a clean result means something.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanCss, scanMarkup, scanScript, type Finding } from './i18n-scan';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Files under `dir` (relative to the repository) whose names end with one of `endings`. */
function files(dir: string, endings: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (endings.some((ending) => name.endsWith(ending))) found.push(relative(ROOT, full));
    }
  };
  walk(join(ROOT, dir));
  return found.sort();
}

/**
 * Text with letters that may stand in markup or scripts, and why. Symbols
 * (×, ✓, —, …) and numbers need no entry: only text with letters is reported.
 */
const ALLOWED: Record<string, string> = {
  SecureConnect: 'the product name: the static <title> shown until the page script sets the translated one',
};

/** Pages never shown to people. */
const NO_UI = new Set(['entrypoints/offscreen/index.html']);

const vue = [...files('components', ['.vue']), ...files('entrypoints', ['.vue'])];
const scripts = [...files('components', ['.ts']), ...files('entrypoints', ['.ts'])];
const pages = files('entrypoints', ['.html']).filter((file) => !NO_UI.has(file));
const styles = [...files('components', ['.css']), ...vue];

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const report = (file: string, findings: Finding[]): string[] =>
  findings.filter((f) => !Object.hasOwn(ALLOWED, f.text.replace(/^[\w-]+(?:="|: )/, '').replace(/"$/, ''))).map((f) => `${file}:${f.line} ${f.kind}: ${f.text}`);

describe('i18n lint: the scanner', () => {
  it('finds literal text, attributes and sinks, and passes i18n calls, symbols and comments', () => {
    const sample = [
      '<script setup lang="ts">const a = 1;</script>',
      '<template>',
      '  <!-- A comment with words is not shown. -->',
      '  <p v-if="a > 0">Hello {{ i18n.t(\'x\') }}</p>',
      '  <button :aria-label="i18n.t(\'common.dismiss\')" title="Close">×</button>',
      '  <input placeholder="Type here" :title="\'Bound literal\'" />',
      '  <span>✓ {{ label }} — 12</span>',
      '  <template v-if="b"><b>{{ x }}</b></template>',
      '</template>',
    ].join('\n');
    expect(scanMarkup(sample).map((f) => `${f.line} ${f.text}`)).toEqual([
      '4 Hello',
      '5 title="Close"',
      '6 placeholder="Type here"',
      '6 title="Bound literal"',
    ]);
    const script = [
      "browser.notifications.create('id', { type: 'basic', title: 'Could not share', message: i18n.t('x') });",
      "el.textContent = `Sent ${n}`;",
      "const ok = { title: i18n.t('y'), text: '', kind: 'tab' };",
      "if (a.title === 'x') document.title = title;",
    ].join('\n');
    expect(scanScript(script).map((f) => `${f.line} ${f.text}`)).toEqual(['1 title: Could not share', '2 textContent: Sent ${n}']);
    const css = '<style>\n.a { margin-left: 4px; }\n.b { margin-inline-start: 4px; text-align: start; }\n.c { padding: 1px 2px 3px 4px; }\n.d { margin: 0 0 8px; left: 0; }\n</style>';
    expect(scanCss(css).map((f) => f.line)).toEqual([2, 4, 5]);
  });
});

describe('i18n lint: the extension', () => {
  it('scans the pages, components, background and notifications', () => {
    expect(vue).toContain('entrypoints/popup/App.vue');
    expect(scripts).toContain('entrypoints/background/notify.ts');
    expect(pages).toContain('entrypoints/mic-permission/index.html');
  });

  it('Vue templates show no literal words', () => {
    expect(vue.flatMap((file) => report(file, scanMarkup(read(file))))).toEqual([]);
  });

  it('HTML pages show no literal words but the product name', () => {
    expect(pages.flatMap((file) => report(file, scanMarkup(read(file), true)))).toEqual([]);
  });

  it('scripts give no literal words to notifications, menus, the badge or the DOM', () => {
    const found = [...scripts.map((file) => report(file, scanScript(read(file)))), ...vue.map((file) => report(file, scanScript(read(file), true)))];
    expect(found.flat()).toEqual([]);
  });

  it('CSS uses logical properties, so right-to-left pages mirror', () => {
    expect(styles.flatMap((file) => report(file, scanCss(read(file))))).toEqual([]);
  });
});
