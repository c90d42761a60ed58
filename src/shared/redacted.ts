/** What stands in the text where a secret was. */
export const REDACTED = "***";
