/**
 * `table[key]` when `key` is one of the table's own keys; undefined otherwise. For lookups keyed by what
 * came from outside (a request's field, a model's exec argument, a server's stop reason, a fetched
 * page's entity): a plain object also answers `constructor`, `toString`, `__proto__`… from
 * Object.prototype, which would read as an entry.
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
