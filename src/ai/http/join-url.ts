/**
 * A base URL's path and its query apart: `http://h/v1/?api-version=X` → `http://h/v1` and
 * `?api-version=X`. A fragment is never sent, so it is dropped.
 */
function splitBaseUrl(baseUrl: string): { head: string; query: string } {
  const withoutFragment = baseUrl.split("#", 1)[0] ?? "";
  const at = withoutFragment.indexOf("?");
  const head = at < 0 ? withoutFragment : withoutFragment.slice(0, at);
  const query = at < 0 ? "" : withoutFragment.slice(at);
  return { head: head.replace(/\/+$/, ""), query: query === "?" ? "" : query };
}

/**
 * `path` appended to the base URL's path, the base's query kept after it (and merged with a query
 * the path brings): `joinUrl("http://h/v1?api-version=X", "/chat/completions")` →
 * `http://h/v1/chat/completions?api-version=X`. Every URL built from a configured baseUrl goes through here.
 */
export function joinUrl(baseUrl: string, path: string): string {
  const { head, query } = splitBaseUrl(baseUrl);
  if (query === "") return `${head}${path}`;
  const at = path.indexOf("?");
  if (at < 0) return `${head}${path}${query}`;
  return `${head}${path.slice(0, at)}${query}&${path.slice(at + 1)}`;
}

/** The base URL with its path changed by `change` (given without trailing slashes), the query kept: `/v1` taken off for a server's root. */
export function withBasePath(baseUrl: string, change: (path: string) => string): string {
  const { head, query } = splitBaseUrl(baseUrl);
  return `${change(head)}${query}`;
}

/** The base URL's path without its query or trailing slashes, for tests on its shape (`ends in /v1`). */
export function basePath(baseUrl: string): string {
  return splitBaseUrl(baseUrl).head;
}
