/**
 * Markdown as models write it → WhatsApp's own formatting: *bold*, _italic_, ~strike~, ```code```,
 * `inline`, bullets as "•". Code is left exactly as written.
 */
/** A private-use character marks pieces already converted (or code), so later rules leave them alone. */
const MARK = "\uE000";
const KEPT = /\uE000(\d+)\uE000/g;

export function toWhatsAppFormatting(markdown: string): string {
  const kept: string[] = [];
  const keep = (text: string): string => `${MARK}${kept.push(text) - 1}${MARK}`;
  let text = markdown
    // Fenced code: WhatsApp shows ```…``` as monospace; the language name is not shown.
    .replace(/```[^\n`]*\n([\s\S]*?)```/g, (_whole, body: string) => keep(`\`\`\`${body.replace(/\n$/, "")}\`\`\``))
    .replace(/`[^`\n]+`/g, (code) => keep(code));
  text = text
    .replace(/^#{1,6}\s+(.+?)\s*#*\s*$/gm, (_whole, title: string) => keep(`*${title.replace(/\*\*/g, "")}*`))
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*|__(?=\S)([^_\n]+?)__/g, (_whole, a?: string, b?: string) => keep(`*${a ?? b ?? ""}*`))
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]+?)\*(?!\w)/g, (_whole, before: string, body: string) => `${before}${keep(`_${body}_`)}`)
    .replace(/~~(?=\S)([^~\n]+?)~~/g, (_whole, body: string) => keep(`~${body}~`))
    .replace(/^(\s*)[-*+]\s+/gm, (_whole, indent: string) => `${indent}• `)
    .replace(/!?\[([^\]\n]+)\]\((\S+?)\)/g, (_whole, label: string, url: string) => (label === url ? url : `${label} (${url})`));
  // Restore inner-most first: a kept piece may hold another's placeholder.
  for (let round = 0; round < 3 && text.includes(MARK); round++) text = text.replace(KEPT, (_whole, index: string) => kept[Number(index)] ?? "");
  return text;
}
