// Each form of a key a trial found unmasked, as a server or tool writes it (separated hex, wrapped
// base64, percent- and JSON-escaped, spaced out): for the redactor's tests and the real paths'.

export const hexOf = (text: string): string => Buffer.from(text).toString("hex");
export const pairs = (hex: string): string[] => hex.match(/../g) ?? [];
export const wrap = (text: string, width: number, lineBreak: string): string => (text.match(new RegExp(`.{1,${width}}`, "g")) ?? []).join(lineBreak);

const printable = (byte: number): string => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".");

/** `text` as `hexdump -C` prints it (offset, sixteen hex pairs in two groups of eight, `|characters|`), the closing offset line left out. */
export function hexdumpC(text: string): string {
  const bytes = Buffer.from(text);
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = [...bytes.subarray(at, at + 16)];
    const hex = row.map((byte, index) => `${byte.toString(16).padStart(2, "0")} ${index === 7 ? " " : ""}`).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(49)} |${row.map(printable).join("")}|`);
  }
  return lines.join("\n");
}

/** `text` as `xxd` prints it (offset, eight groups of four hex digits, the characters). */
export function xxd(text: string): string {
  const bytes = Buffer.from(text);
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = [...bytes.subarray(at, at + 16)];
    const hex = (row.map((byte) => byte.toString(16).padStart(2, "0")).join("").match(/.{1,4}/g) ?? []).join(" ");
    lines.push(`${at.toString(16).padStart(8, "0")}: ${hex.padEnd(39)}  ${row.map(printable).join("")}`);
  }
  return lines.join("\n");
}

/**
 * `text` as `xxd -c <columns> -g <group> [-u]` prints it: an offset, the bytes in hex in groups of
 * `group` bytes, padded to the width of a full line, two spaces, the characters.
 */
export function xxdLayout(text: string, options: { columns: number; group: number; upper?: boolean }): string {
  const { columns, group } = options;
  const bytes = Buffer.from(text);
  const width = columns * 2 + Math.ceil(columns / group) - 1;
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += columns) {
    const row = [...bytes.subarray(at, at + columns)];
    const groups: string[] = [];
    for (let index = 0; index < row.length; index += group) groups.push(row.slice(index, index + group).map((byte) => byte.toString(16).padStart(2, "0")).join(""));
    const hex = options.upper === true ? groups.join(" ").toUpperCase() : groups.join(" ");
    lines.push(`${at.toString(16).padStart(8, "0")}: ${hex.padEnd(width)}  ${row.map(printable).join("")}`);
  }
  return lines.join("\n");
}

/** Each form of `key` a trial found unmasked, by name. */
export function keyForms(key: string): Record<string, string> {
  const hex = hexOf(key);
  const base64 = Buffer.from(`user:${key}`).toString("base64");
  const long = Buffer.from(`${key}\n`.repeat(4)).toString("base64");
  return {
    "hex with colons": pairs(hex).join(":"),
    "hex with spaces, upper case": pairs(hex.toUpperCase()).join(" "),
    "hex as \\x escapes": pairs(hex).map((pair) => `\\x${pair}`).join(""),
    "hex as \\x escapes, upper-case digits": pairs(hex.toUpperCase()).map((pair) => `\\x${pair}`).join(""),
    "hex in groups of four (xxd)": (hex.match(/.{1,4}/g) ?? []).join(" "),
    "base64 wrapped by fold -w 8": wrap(base64, 8, "\n"),
    "base64 wrapped at 76 (MIME, CRLF)": wrap(long, 76, "\r\n"),
    "base64 wrapped at 64 (PEM), indented": wrap(long, 64, "\n    "),
    "base64 wrapped, as a JSON string": JSON.stringify(wrap(long, 64, "\n")),
    "base64 wrapped, as a JSON string inside a JSON string": JSON.stringify(JSON.stringify(wrap(long, 64, "\n"))),
    "every character percent-encoded": [...key].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`).join(""),
    "percent-encoded, lower-case hex, only the dashes": key.replaceAll("-", "%2d"),
    "a URL query carrying it": `https://example.test/cb?state=1&token=${encodeURIComponent(`${key} x`)}`,
    "JSON \\u escapes for the dashes": key.replaceAll("-", "\\u002d"),
    "every character \\u-escaped": [...key].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
    "spaced out (sed 's/./& /g')": key.replace(/./g, "$& "),
    "spaced out upper case with colons": [...key.toUpperCase()].join(":"),
    "spaced out two at a time": key.replace(/../g, "$& "),
    "spaced out over line breaks": [...key].join("\n"),
    "HTML references, decimal and hex by turns": [...key].map((char, index) => (index % 2 === 0 ? `&#${char.charCodeAt(0)};` : `&#x${char.charCodeAt(0).toString(16)};`)).join(""),
    "HTML references escaped twice, only the dashes": key.replaceAll("-", "&amp;#45;"),
    "percent-encoded twice": [...key].map((char) => `%25${char.charCodeAt(0).toString(16).toUpperCase()}`).join(""),
    "\\x escapes with their backslash escaped": pairs(hex).map((pair) => `\\\\x${pair}`).join(""),
    "joined by dashes": [...key].join("-"),
    "joined by dots": [...key].join("."),
    "joined by underscores": [...key].join("_"),
    "zero-width spaces between": [...key].join("\u200b"),
    "word joiners and zero-width non-joiners between": [...key].map((char, index) => `${char}${index % 2 === 0 ? "\u2060" : "\u200c"}`).join(""),
    "hex pairs joined by dashes": pairs(hex).join("-"),
    "hex groups of four joined by dots": (hex.match(/.{1,4}/g) ?? []).join("."),
    "a C byte list": pairs(hex).map((pair) => `0x${pair}`).join(", "),
    "a C byte list, upper case, no spaces": pairs(hex.toUpperCase()).map((pair) => `0X${pair}`).join(","),
    "hexdump -C": `\n${hexdumpC(`user:${key}`)}`,
    "xxd": `\n${xxd(`x${key}`)}`,
    "base64 wrapped by fold -w 4": wrap(base64, 4, "\n"),
    "base64 wrapped every 6, CRLF": wrap(base64, 6, "\r\n"),
  };
}

