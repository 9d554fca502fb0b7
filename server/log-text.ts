/**
 * Text from clients, made safe to put in a log line: one event must stay one
 * line, so nobody can forge a line (a newline followed by "peer joined: …") or
 * drive a terminal (escape sequences).
 */

/** Longest client-supplied text put in a log line, in characters. */
export const LOG_TEXT_MAX_LENGTH = 80;

/**
 * Escapes everything but printable ASCII (and `"`, `\`) as `\uXXXX`, and cuts
 * the text to `maxLength` characters (then ends it with `...`).
 * Values that are not strings are named by their type, e.g. `<object>`.
 */
export function logText(value: unknown, maxLength = LOG_TEXT_MAX_LENGTH): string {
  if (typeof value !== 'string') return `<${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}>`;
  const clipped = value.length > maxLength ? value.slice(0, maxLength) : value;
  const escaped = clipped.replace(/[^\x20-\x7e]|["\\]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clipped === value ? escaped : `${escaped}...`;
}

/** The message of an error (or whatever was thrown), made safe by {@link logText}. */
export function logError(error: unknown): string {
  return logText(error instanceof Error ? error.message : String(error), 200);
}
