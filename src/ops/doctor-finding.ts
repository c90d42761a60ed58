/** One doctor check's result. `ok` checks are kept (JSON shows them) but the text output only counts them. */
export interface Finding {
  id: string;
  severity: "ok" | "info" | "warn" | "error";
  /** "config", "models", "chain", "agent", "gateway", "whatsapp", "files", "cooldowns", "disk". */
  group: string;
  title: string;
  /** What was seen, with numbers. */
  seen: string;
  /** Why it matters, where the title does not say (a file others can read: what it holds); absent: the title does. */
  why?: string;
  /** The exact edit or command; empty for ok checks. */
  fix: string;
  /** Set when --fix applied the remedy. */
  fixed?: boolean;
}

export const ok = (group: string, id: string, seen: string): Finding => ({ id, severity: "ok", group, title: seen, seen, fix: "" });
