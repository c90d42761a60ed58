/** Byte values as a string, one character each (latin1): any number of them (a spread into `String.fromCharCode` overflows the stack past ~64k). */
export function latin1(codes: readonly number[]): string {
  const CHUNK = 8192;
  if (codes.length <= CHUNK) return String.fromCharCode(...codes);
  let text = "";
  for (let at = 0; at < codes.length; at += CHUNK) text += String.fromCharCode(...codes.slice(at, at + CHUNK));
  return text;
}
