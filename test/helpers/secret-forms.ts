// Each form of a key a trial found unmasked, as a server or tool writes it (separated hex, wrapped
// base64, percent- and JSON-escaped, spaced out): for the redactor's tests and the real paths'.

export const hexOf = (text: string): string => Buffer.from(text).toString("hex");
export const pairs = (hex: string): string[] => hex.match(/../g) ?? [];
export const wrap = (text: string, width: number, lineBreak: string): string => (text.match(new RegExp(`.{1,${width}}`, "g")) ?? []).join(lineBreak);

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
    "every character percent-encoded": [...key].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`).join(""),
    "percent-encoded, lower-case hex, only the dashes": key.replaceAll("-", "%2d"),
    "a URL query carrying it": `https://example.test/cb?state=1&token=${encodeURIComponent(`${key} x`)}`,
    "JSON \\u escapes for the dashes": key.replaceAll("-", "\\u002d"),
    "every character \\u-escaped": [...key].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
    "spaced out (sed 's/./& /g')": key.replace(/./g, "$& "),
    "spaced out upper case with colons": [...key.toUpperCase()].join(":"),
    "spaced out two at a time": key.replace(/../g, "$& "),
    "spaced out over line breaks": [...key].join("\n"),
  };
}

