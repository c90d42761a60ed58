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

/**
 * Splits a reply into messages of at most `limit` characters: at paragraph boundaries first, then at
 * line ends, then between words; a single word longer than the limit is cut.
 */
export function splitMessage(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let current = "";
  const push = (piece: string, separator: string): void => {
    if (current === "") current = piece;
    else if (current.length + separator.length + piece.length <= limit) current += separator + piece;
    else {
      chunks.push(current);
      current = piece;
    }
  };
  for (const paragraph of text.split(/\n{2,}/)) {
    if (paragraph.length <= limit) push(paragraph, "\n\n");
    else for (const [index, piece] of splitLong(paragraph, limit).entries()) push(piece, index === 0 ? "\n\n" : "\n");
  }
  if (current !== "") chunks.push(current);
  return chunks.filter((chunk) => chunk.trim() !== "");
}

function splitLong(paragraph: string, limit: number): string[] {
  const pieces: string[] = [];
  for (const line of paragraph.split("\n")) {
    if (line.length <= limit) {
      pieces.push(line);
      continue;
    }
    let rest = line;
    while (rest.length > limit) {
      const space = rest.lastIndexOf(" ", limit);
      const cut = space > limit / 2 ? space : limit;
      pieces.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
    if (rest) pieces.push(rest);
  }
  return pieces;
}
