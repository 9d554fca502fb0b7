/**
 * Records keyed by untrusted strings (peer IDs), read and written with
 * own-property semantics only.
 *
 * A plain `{}` answers `'toString' in record`, `record.constructor` and
 * `record.__proto__` from `Object.prototype`, and `record['__proto__'] = x`
 * replaces its prototype instead of adding an entry. The records made here have
 * no prototype, and every read goes through `Object.hasOwn`, so a key named like
 * an `Object.prototype` member is an ordinary key.
 */

/** A record without a prototype, holding `entries` as own properties. */
export function ownRecord<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const record = Object.create(null) as Record<string, T>;
  // With no prototype there is no `__proto__` setter: assignment defines an own property.
  for (const [key, value] of entries) record[key] = value;
  return record;
}

/** A prototype-less copy of `record`'s own enumerable entries (`__proto__` included when own). */
export function copyRecord<T>(record: Readonly<Record<string, T>> | null | undefined): Record<string, T> {
  return ownRecord(record && typeof record === 'object' ? Object.entries(record) : []);
}

/** True when `key` is an own property of `record` (never an inherited one). */
export function hasOwnKey(record: Readonly<Record<string, unknown>> | null | undefined, key: string): boolean {
  return !!record && Object.hasOwn(record, key);
}

/** `record[key]` when `key` is an own property, else `undefined`. */
export function ownValue<T>(record: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A copy of `record` with `key` set to `value`. */
export function withEntry<T>(record: Readonly<Record<string, T>>, key: string, value: T): Record<string, T> {
  const next = copyRecord(record);
  next[key] = value;
  return next;
}

/** A copy of `record` without `key`. */
export function withoutEntry<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const next = copyRecord(record);
  delete next[key];
  return next;
}
