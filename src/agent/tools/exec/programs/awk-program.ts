/**
 * Reads an awk program far enough to know whether it can start a program or write a file: `system()`,
 * pipes (`print | "cmd"`, `"cmd" | getline`, gawk's `|&`), output redirection in `print`/`printf`
 * (`> "file"`, `>> "file"`), gawk's indirect calls (`@f()`) and `@load`/`@include`. Strings, regular
 * expressions and comments are set aside first, so `/a|b/` or `"x > y"` are not mistaken for them.
 */
export function refusedAwkConstruct(program: string): string | undefined {
  // A backslash at the end of a line joins it to the next, in code and in literals alike.
  const joined = program.replace(/\\\r?\n/g, " ");
  // Whatever the reading below decides about literals, these never appear in a harmless program.
  if (/\bsystem\s*\(/.test(joined)) return "system() runs a shell command";
  if (/\|\s*&|\|\s*getline\b/.test(joined)) return "a pipe runs a shell command";
  const code = codeOnly(joined);
  if (code === undefined) return "an awk program exec cannot read (an unterminated string or regular expression)";
  if (/\bsystem\b/.test(code)) return "system() runs a shell command";
  if (/\|(?!\|)/.test(code.replace(/\|\|/g, "  "))) return "a pipe runs a shell command";
  if (code.includes("@")) return "@ (indirect calls, @load, @include) can reach system() or load code";
  // A print statement goes on past a newline after a comma, && or || (and inside parentheses).
  const statements = withoutParentheses(code).replace(/(,|&&|\|\|)[ \t]*\n/g, "$1 ");
  if (/\b(print|printf)\b[^;\n{}]*>/.test(statements)) return "output redirection in print writes a file (compare inside parentheses: print (a > b))";
  return undefined;
}

/**
 * With no OS sandbox: a construct that makes awk open a file its arguments do not name, where exec
 * cannot check it — `getline < file` (the name can be built at run time: `"/pr" "oc/1/environ"`) and
 * ARGV/ARGC changed in the program (awk reads the files ARGV holds when BEGIN ends).
 */
export function refusedAwkReading(program: string): string | undefined {
  const code = codeOnly(program.replace(/\\\r?\n/g, " "));
  if (code === undefined) return "an awk program exec cannot read (an unterminated string or regular expression)";
  // getline's own statement, up to its end, holding a "<": `getline < f`, `getline line < f`, `(getline l < f) > 0`.
  if (/\bgetline\b[^;\n{}]*</.test(code)) return "getline < file reads a file the arguments do not name, which exec cannot check without the OS sandbox; name the file as an argument";
  if (/\bARG[VC]\b/.test(code)) return "ARGV and ARGC name the files awk reads, set in the program where exec cannot check them without the OS sandbox; name the files as arguments";
  return undefined;
}

/** The program with string and regex literals and comments blanked out; undefined when one never ends. */
function codeOnly(program: string): string | undefined {
  let code = "";
  // The last token before this point: an identifier or keyword, or one character.
  let previous = "";
  let previousCharacter = "";
  // For each open parenthesis: whether it holds the condition of if, while or for (after its ")"
  // a statement starts, so a "/" there begins a regular expression).
  const parentheses: boolean[] = [];
  for (let index = 0; index < program.length; index += 1) {
    const character = program[index] as string;
    if (character === "#") {
      while (index < program.length && program[index] !== "\n") index += 1;
      code += "\n";
      previous = "\n";
      previousCharacter = "\n";
      continue;
    }
    if (character === '"' || (character === "/" && regexMayStart(previous, code))) {
      const end = literalEnd(program, index, character);
      if (end === undefined) return undefined;
      code += " 0 ";
      previous = "0";
      previousCharacter = " ";
      index = end;
      continue;
    }
    code += character;
    if (/\s/.test(character) && character !== "\n") {
      previousCharacter = character;
      continue;
    }
    const word = /[A-Za-z_0-9]/.test(character);
    if (character === "(") parentheses.push(/^(if|while|for)$/.test(previous));
    previous = word && /[A-Za-z_0-9]/.test(previousCharacter) ? previous + character : character === ")" && parentheses.pop() === true ? CONDITION_END : character;
    previousCharacter = character;
  }
  return code;
}

/** The token that closes the condition of if, while or for. */
const CONDITION_END = ")if";

/**
 * A `/` starts a regular expression only after a token that cannot end an operand; after an
 * operand, or where unsure (`x++ / y`), it divides, so the text after it is read as code.
 */
function regexMayStart(previous: string, code: string): boolean {
  if (previous === "" || previous === "\n") return true;
  // Where a statement or an expression starts: after these keywords and after `if (…)`.
  if (/^(print|printf|return|case|else|do|exit|in)$/.test(previous) || previous === CONDITION_END) return true;
  if (/^[A-Za-z_0-9]/.test(previous)) return false;
  if ((previous === "+" || previous === "-") && beforeLast(code) === previous) return false;
  return /^[(,{};!~&|=<>?:*%^+\-[]$/.test(previous);
}

/** The character before the last non-blank one of the code so far (`+` in `x++ `). */
function beforeLast(code: string): string | undefined {
  let index = code.length - 1;
  while (index >= 0 && /[ \t]/.test(code[index] as string)) index -= 1;
  return code[index - 1];
}

function literalEnd(program: string, start: number, quote: string): number | undefined {
  for (let index = start + 1; index < program.length; index += 1) {
    const character = program[index];
    if (character === "\\") index += 1;
    else if (character === quote) return index;
    else if (character === "\n") return undefined;
    else if (quote === "/" && character === "[") {
      // A "/" inside a bracket expression does not end the regex; a "]" first (after any "^") is one
      // of its characters, and [:class:] ends at its own ":]".
      const close = bracketEnd(program, index);
      if (close === undefined) return undefined;
      index = close;
    }
  }
  return undefined;
}

/** The index of the "]" that closes the bracket expression opening at `start`, as POSIX reads it. */
function bracketEnd(program: string, start: number): number | undefined {
  let index = start + 1;
  if (program[index] === "^") index += 1;
  if (program[index] === "]") index += 1;
  for (; index < program.length; index += 1) {
    const character = program[index];
    if (character === "\n") return undefined;
    if (character === "]") return index;
    const kind = program[index + 1];
    if (character === "[" && (kind === ":" || kind === "." || kind === "=")) {
      const close = program.indexOf(`${kind}]`, index + 2);
      if (close === -1) return undefined;
      index = close + 1;
    }
  }
  return undefined;
}

/** Text inside parentheses blanked (newlines too: a statement goes on inside them): `print (a > b)` compares, `print a > b` redirects. */
function withoutParentheses(code: string): string {
  let depth = 0;
  let result = "";
  for (const character of code) {
    if (character === "(") depth += 1;
    if (depth > 0) result += " ";
    else result += character;
    if (character === ")") depth = Math.max(0, depth - 1);
  }
  return result;
}
