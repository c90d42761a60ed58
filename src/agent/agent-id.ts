/**
 * The agent id a user's `wanted` names, matched as model aliases and refs are: the id as written, else the
 * one id equal to it in any case (`Work` for `work`). Undefined when no id is, or when two ids differ only
 * in case and neither is written exactly ({@link caseTwins} names them, for the error).
 */
export function matchAgentId(wanted: string, ids: readonly string[]): string | undefined {
  if (ids.includes(wanted)) return wanted;
  const twins = caseTwins(wanted, ids);
  return twins.length === 1 ? twins[0] : undefined;
}

/** The ids equal to `wanted` in any case. */
export function caseTwins(wanted: string, ids: readonly string[]): string[] {
  const lower = wanted.toLowerCase();
  return ids.filter((id) => id.toLowerCase() === lower);
}

/** Why no agent is `wanted`, when ids that differ only in case make it ambiguous: " (agents "Work" and "work" differ only in case: write the one meant exactly)"; else "". */
export function ambiguityNote(wanted: string, ids: readonly string[]): string {
  const twins = caseTwins(wanted, ids);
  return twins.length > 1 ? ` (agents ${twins.map((id) => `"${id}"`).join(" and ")} differ only in case: write the one meant exactly)` : "";
}
