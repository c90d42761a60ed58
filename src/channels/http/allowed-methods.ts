import type { Hono } from "hono";

/** The methods a route may be registered for (HEAD comes with GET; OPTIONS is CORS's preflight). */
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * The methods `app` has a route for at `path` (middleware, registered for every method, does not
 * count), for a 405's `Allow` header; [] when the path is no endpoint at all (a 404). HEAD is
 * listed with GET, which answers it.
 */
export function allowedMethods(app: Hono, path: string): string[] {
  const allowed: string[] = [];
  for (const method of METHODS) {
    const [matches] = app.router.match(method, path);
    if (matches.some(([[, route]]) => route.method === method)) allowed.push(method);
  }
  return allowed.includes("GET") ? ["GET", "HEAD", ...allowed.filter((method) => method !== "GET")] : allowed;
}
