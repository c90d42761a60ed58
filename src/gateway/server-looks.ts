import type { ServerLook } from "../models/reachability.js";

/**
 * What the gateway's setup checks found at each local model's address (keyed by `lookKey`: a look holds for the
 * address it was taken at), and what turns showed since. Checks may overlap (the start's, the 10 s timer's, a
 * reload's; a stuck server holds a look up to 2 s): only the latest one to begin is applied, and a model that
 * answered a turn after it began is kept as answering whatever its look, taken before, found.
 */
export class ServerLooks {
  private readonly looks = new Map<string, ServerLook>();
  private latest = 0;
  private readonly answeredSince = new Set<string>();

  /** What is known now, for the setup problems. */
  get current(): ReadonlyMap<string, ServerLook> {
    return this.looks;
  }

  /** A check begins: its number, for `apply`. */
  begin(): number {
    this.answeredSince.clear();
    return ++this.latest;
  }

  /**
   * A check's looks replace what was known (only the addresses serving now are kept: one taken at an old baseUrl
   * says nothing of the new one) — unless a later check began meanwhile, whose looks are newer. Whether they were applied.
   */
  apply(check: number, found: readonly (readonly [string, ServerLook])[]): boolean {
    if (check !== this.latest) return false;
    this.looks.clear();
    for (const [key, seen] of found) this.looks.set(key, this.answeredSince.has(key) ? { state: "answers" } : seen);
    return true;
  }

  /** A model at this address answered a turn (or a proxied call): it answers. Whether that changed what is known. */
  answered(key: string): boolean {
    this.answeredSince.add(key);
    if (this.looks.get(key)?.state === "answers") return false;
    this.looks.set(key, { state: "answers" });
    return true;
  }
}
