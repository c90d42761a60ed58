/**
 * Reads an awk program far enough to know whether it can start a program or write a file: `system()`,
 * pipes (`print | "cmd"`, `"cmd" | getline`, gawk's `|&`), output redirection in `print`/`printf`
 * (`> "file"`, `>> "file"`), gawk's indirect calls (`@f()`) and `@load`/`@include`. Strings, regular
 * expressions and comments are set aside first, so `/a|b/` or `"x > y"` are not mistaken for them.
 */
export function refusedAwkConstruct(program: string): string | undefined {
  const code = codeOnly(program);
  if (code === undefined) return "an awk program exec cannot read (an unterminated string or regular expression)";
  if (/\bsystem\b/.test(code)) return "system() runs a shell command";
  if (/\|(?!\|)/.test(code.replace(/\|\|/g, "  "))) return "a pipe runs a shell command";
  if (code.includes("@")) return "@ (indirect calls, @load, @include) can reach system() or load code";
  if (/\b(print|printf)\b[^;\n{}]*>/.test(withoutParentheses(code))) return "output redirection in print writes a file (compare inside parentheses: print (a > b))";
  return undefined;
}

/** The program with string and regex literals and comments blanked out; undefined when one never ends. */
function codeOnly(program: string): string | undefined {
  let code = "";
  let previous = "";
  for (let index = 0; index < program.length; index += 1) {
    const character = program[index] as string;
    if (character === "#") {
      while (index < program.length && program[index] !== "\n") index += 1;
      code += "\n";
      continue;
    }
    const regexHere = character === "/" && regexMayStart(previous);
    if (character === '"' || regexHere) {
      const end = literalEnd(program, index, character);
      if (end === undefined) return undefined;
      code += " 0 ";
      previous = "0";
      index = end;
      continue;
    }
    code += character;
    if (!/\s/.test(character)) previous = code.trimEnd().match(/[A-Za-z_][A-Za-z_0-9]*$|[^\s]$/)?.[0] ?? character;
  }
  return code;
}

/** A `/` starts a regular expression after an operator or at the start; after an operand it divides. */
function regexMayStart(previous: string): boolean {
  if (previous === "") return true;
  if (/^(print|printf|return|case|in|getline)$/.test(previous)) return previous !== "getline";
  return !/^[A-Za-z_0-9.)\]$]/.test(previous);
}

function literalEnd(program: string, start: number, quote: string): number | undefined {
  for (let index = start + 1; index < program.length; index += 1) {
    const character = program[index];
    if (character === "\\") index += 1;
    else if (character === quote) return index;
    else if (character === "\n") return undefined;
    else if (quote === "/" && character === "[") {
      // A "/" inside a bracket expression does not end the regex.
      const close = program.indexOf("]", index + 2);
      if (close === -1) return undefined;
      index = close;
    }
  }
  return undefined;
}

/** Text inside parentheses blanked: `print (a > b)` compares, `print a > b` redirects. */
function withoutParentheses(code: string): string {
  let depth = 0;
  let result = "";
  for (const character of code) {
    if (character === "(") depth += 1;
    if (depth > 0) result += character === "\n" ? "\n" : " ";
    else result += character;
    if (character === ")") depth = Math.max(0, depth - 1);
  }
  return result;
}
