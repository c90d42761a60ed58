/**
 * Cuts text to `limit` characters with a note saying how much went. The last line is kept when it is
 * short, so an untrusted block keeps its closing marker.
 */
export function truncateOutput(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const lastBreak = text.lastIndexOf("\n");
  const lastLine = lastBreak >= 0 && text.length - lastBreak <= 300 ? text.slice(lastBreak) : "";
  const headLength = Math.max(0, limit - lastLine.length);
  const cut = text.length - headLength - lastLine.length;
  return `${text.slice(0, headLength)}\n[… ${cut.toLocaleString("en-US")} characters cut: the output was ${text.length.toLocaleString("en-US")} characters, the limit is ${limit.toLocaleString("en-US")}]${lastLine}`;
}

