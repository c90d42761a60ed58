import { ownValue } from "./own-key.js";
/** Elements whose content is never text a reader sees. */
const DROPPED = ["script", "style", "noscript", "head", "template", "svg", "iframe", "object", "canvas"];
/** Tags that start a paragraph (a blank line) and tags that only break the line. */
const PARAGRAPH_TAGS = "address|article|aside|blockquote|details|dl|fieldset|figure|footer|form|h[1-6]|header|hr|main|nav|ol|p|pre|section|table|ul";
const LINE_TAGS = "br|caption|dd|div|dt|figcaption|summary|tbody|thead|tr";
/** Stands for a paragraph break until whitespace is collapsed. */
const PARAGRAPH = "\u2029";

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  copy: "©",
  reg: "®",
  trade: "™",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  deg: "°",
  times: "×",
  shy: "",
  zwj: "",
  zwnj: "",
};

/** The readable text of an HTML page: title first, then the body's text with blocks on their own lines. */
export function htmlToText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1];
  let text = html.replace(/<!--[\s\S]*?(?:-->|$)/g, " ");
  for (const tag of DROPPED) text = text.replace(new RegExp(`<${tag}\\b[\\s\\S]*?(?:<\\/${tag}\\s*>|$)`, "gi"), " ");
  // Line breaks in HTML source are plain spaces; only tags make lines.
  text = text
    .replace(/\s+/g, " ")
    .replace(/<li\b[^>]*>/gi, "\n- ")
    .replace(/<\/li\s*>/gi, "")
    .replace(/<\/?t[dh]\b[^>]*>/gi, " ")
    .replace(new RegExp(`<\\/?(?:${PARAGRAPH_TAGS})\\b[^>]*>`, "gi"), PARAGRAPH)
    .replace(new RegExp(`<\\/?(?:${LINE_TAGS})\\b[^>]*>`, "gi"), "\n")
    .replace(/<[^>]*>/g, "");
  const body = collapseWhitespace(decodeEntities(text));
  const heading = title ? collapseWhitespace(decodeEntities(title.replace(/<[^>]*>/g, ""))) : "";
  return heading && !body.startsWith(heading) ? `${heading}\n\n${body}` : body;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ownValue(ENTITIES, name.toLowerCase()) ?? accented(name) ?? whole;
  });
}

/** Combining marks behind the accented-letter entities: `&eacute;` is e + U+0301, `&Uuml;` is U + U+0308. */
const ACCENTS: Record<string, string> = { acute: "\u0301", grave: "\u0300", circ: "\u0302", uml: "\u0308", tilde: "\u0303", ring: "\u030a", cedil: "\u0327" };

function accented(name: string): string | undefined {
  if (name === "szlig") return "ß";
  const match = /^([a-zA-Z])(acute|grave|circ|uml|tilde|ring|cedil)$/.exec(name);
  return match?.[1] && match[2] ? (match[1] + ACCENTS[match[2]]).normalize("NFC") : undefined;
}

function collapseWhitespace(text: string): string {
  return text
    .replace(/[\s\u2029]+/g, (run) => (run.includes(PARAGRAPH) ? "\n\n" : run.includes("\n") ? "\n" : " "))
    .trim();
}
