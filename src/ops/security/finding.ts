/** How much a finding matters: "high" deserves attention before the assistant faces anyone else. */
export type Severity = "high" | "medium" | "low";

/** One thing the audit saw: stable id, what it means, and the exact change that removes it. */
export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  remediation: string;
}

export const SEVERITY_ORDER: readonly Severity[] = ["high", "medium", "low"];

export function bySeverity(left: Finding, right: Finding): number {
  return SEVERITY_ORDER.indexOf(left.severity) - SEVERITY_ORDER.indexOf(right.severity);
}
