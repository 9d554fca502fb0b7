/**
 * A small scanner for user-facing text that bypasses i18n, used by
 * i18n-lint.test.ts: text nodes and literal attributes in Vue templates, literal
 * strings given to notification, menu and DOM text sinks in scripts, and
 * physical (left/right) CSS that would not mirror in right-to-left pages.
 */

/** One thing found, with its 1-based line in the file. */
export interface Finding {
  line: number;
  kind: 'text' | 'attribute' | 'script' | 'css';
  text: string;
}

/** Attributes people read or hear (tooltips, screen readers, placeholders). */
const USER_ATTRIBUTES = new Set(['title', 'aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'placeholder', 'alt', 'label']);
const LETTER = /\p{L}/u;

const lineAt = (source: string, index: number): number => source.slice(0, index).split('\n').length;

/** The top-level `<template>` of a Vue file, with its offset. */
function templateOf(sfc: string): { body: string; offset: number } | undefined {
  const start = /^<template>/m.exec(sfc);
  const end = sfc.lastIndexOf('\n</template>');
  if (!start || end < start.index) return undefined;
  const offset = start.index + '<template>'.length;
  return { body: sfc.slice(offset, end), offset };
}

/** End of the tag opened at `start` (`<`): the first `>` outside quotes. */
function tagEnd(body: string, start: number): number {
  let quote = '';
  for (let i = start + 1; i < body.length; i++) {
    const c = body[i]!;
    if (quote) quote = c === quote ? '' : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return body.length;
}

function checkAttributes(tag: string, at: number, findings: Finding[]): void {
  for (const match of tag.matchAll(/([:@#]?[\w.:-]+)\s*=\s*"([^"]*)"/g)) {
    const [, name = '', value = ''] = match;
    const bound = name.startsWith(':') || name.startsWith('v-bind:');
    const base = name.replace(/^(:|v-bind:)/, '');
    if (!USER_ATTRIBUTES.has(base)) continue;
    // Bound: only a bare string literal (`:title="'Close'"`) is plain text.
    const text = bound ? /^\s*(['`])(.*)\1\s*$/.exec(value)?.[2] ?? '' : value;
    if (LETTER.test(text)) findings.push({ line: at, kind: 'attribute', text: `${base}="${text}"` });
  }
}

/** Text nodes with letters outside `{{ }}`, and literal user-facing attributes, in a Vue file's template or an HTML page. */
export function scanMarkup(source: string, html = false): Finding[] {
  const template = html ? { body: source, offset: 0 } : templateOf(source);
  if (!template) return [];
  const { body, offset } = template;
  const findings: Finding[] = [];
  let text = '';
  let textStart = 0;
  const flush = (): void => {
    const trimmed = text.replace(/\s+/g, ' ').trim();
    if (LETTER.test(trimmed)) findings.push({ line: lineAt(source, offset + textStart), kind: 'text', text: trimmed });
    text = '';
  };
  let inScript = false;
  for (let i = 0; i < body.length; ) {
    if (body.startsWith('<!--', i)) {
      const end = body.indexOf('-->', i);
      i = end < 0 ? body.length : end + 3;
    } else if (body.startsWith('{{', i)) {
      const end = body.indexOf('}}', i);
      text += ' ';
      i = end < 0 ? body.length : end + 2;
    } else if (body[i] === '<' && /[A-Za-z/!]/.test(body[i + 1] ?? '')) {
      flush();
      const end = tagEnd(body, i);
      const tag = body.slice(i, end + 1);
      checkAttributes(tag, lineAt(source, offset + i), findings);
      // Markup pages: what is inside <script> and <style> is not text.
      if (/^<(script|style)\b/i.test(tag)) inScript = true;
      if (/^<\/(script|style)\b/i.test(tag)) inScript = false;
      i = end + 1;
      textStart = i;
    } else {
      if (!inScript) text += body[i];
      i++;
    }
  }
  flush();
  return findings;
}

/** Sinks that show a string: notification and menu titles, DOM text, document title, badge text. */
const SINK = /(?<!['"`\w-])(title|message|contextMessage|textContent|innerText|innerHTML|placeholder|ariaLabel|alt|label|text)\s*(?::|=(?!=))\s*(['"`])((?:\\.|(?!\2)[^\\\n])*)\2/g;

/** Literal strings with letters given to user-facing sinks in a script (a `.ts` file or a Vue file's `<script>`). */
export function scanScript(source: string, vue = false): Finding[] {
  const findings: Finding[] = [];
  // A Vue file's template is scanned as markup; blank it, keeping line numbers.
  const code = vue ? source.replace(/^<template>[\s\S]*^<\/template>/m, (template) => template.replace(/[^\n]/g, ' ')) : source;
  for (const match of code.matchAll(SINK)) {
    const [, sink, , value = ''] = match;
    const words = value.replace(/\$\{[^}]*\}/g, '');
    if (LETTER.test(words)) findings.push({ line: lineAt(source, match.index), kind: 'script', text: `${sink}: ${value}` });
  }
  return findings;
}

/** CSS that names a physical side: it would not mirror under `dir="rtl"`. */
const PHYSICAL = [
  /\b(?:margin|padding|border|inset)-(?:left|right)\b/,
  /(?:^|[\s;{])(?:left|right)\s*:/,
  /\b(?:text-align|float|clear|justify-self|justify-content|justify-items)\s*:\s*(?:left|right)\b/,
  /\bborder-(?:top|bottom)-(?:left|right)-radius\b/,
];

/** Physical properties in a stylesheet (a `.css` file or a Vue file's `<style>` blocks). */
export function scanCss(source: string): Finding[] {
  const findings: Finding[] = [];
  const styles = source.includes('<style') ? [...source.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)] : [{ 0: source, 1: source, index: 0 }];
  for (const style of styles) {
    const css = (style[1] ?? '').replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '));
    const base = (style.index ?? 0) + (style[0]?.indexOf(style[1] ?? '') ?? 0);
    css.split('\n').forEach((line, n) => {
      // margin/padding with four values: the second (right) and fourth (left) must match.
      const four = /\b(?:margin|padding)\s*:\s*(\S+)\s+(\S+)\s+(\S+)\s+([^\s;]+)/.exec(line);
      if (PHYSICAL.some((pattern) => pattern.test(line)) || (four && four[2] !== four[4])) {
        findings.push({ line: lineAt(source, base) + n, kind: 'css', text: line.trim() });
      }
    });
  }
  return findings;
}
