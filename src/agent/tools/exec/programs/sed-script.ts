/**
 * Reads a sed script the way GNU sed does, far enough to know every command in it: `e` runs a shell
 * command, `r`/`R`/`w`/`W` read or write a named file, and the `s` flags `e` and `w` do the same.
 * Only commands this reader knows pass; anything it cannot read is refused.
 */
export function refusedSedCommand(script: string): string | undefined {
  const reader = new ScriptReader(script);
  while (!reader.done()) {
    reader.skip(/[\s;]/);
    if (reader.done()) break;
    if (reader.peek() === "#") {
      reader.untilLineEnd();
      continue;
    }
    if (reader.peek() === "}") {
      reader.advance();
      continue;
    }
    const address = readAddresses(reader);
    if (address) return address;
    reader.skip(/[ \t!]/);
    const command = reader.advance();
    switch (command) {
      case "{":
      case "=": case "d": case "D": case "g": case "G": case "h": case "H": case "n": case "N": case "p": case "P": case "x": case "z": case "F":
        break;
      case "b": case "t": case "T": case ":": case "v":
        // A label (or a version) runs to the end of the line or a ";".
        reader.untilOneOf(/[;\n]/);
        break;
      case "l": case "q": case "Q": case "L":
        reader.skip(/[ \t]/);
        reader.skip(/\d/);
        break;
      case "a": case "i": case "c":
        readText(reader);
        break;
      case "y": {
        const delimiter = reader.advance();
        if (!delimiter || delimiter === "\n" || delimiter === "\\") return "a y command sed cannot read";
        if (reader.delimited(delimiter) === undefined || reader.delimited(delimiter) === undefined) return "an unterminated y command";
        break;
      }
      case "s": {
        const refused = readSubstitution(reader);
        if (refused) return refused;
        break;
      }
      case "e":
        return "the e command runs a shell command";
      case "r": case "R": case "w": case "W":
        return `the ${command} command ${command.toLowerCase() === "r" ? "reads" : "writes"} a named file`;
      default:
        return command === undefined ? "an address without a command" : `"${command}" is not a sed command exec allows`;
    }
  }
  return undefined;
}

function readSubstitution(reader: ScriptReader): string | undefined {
  const delimiter = reader.advance();
  if (!delimiter || delimiter === "\n" || delimiter === "\\") return "an s command sed cannot read";
  if (reader.delimited(delimiter, { brackets: true }) === undefined || reader.delimited(delimiter) === undefined) return "an unterminated s command";
  for (;;) {
    const next = reader.peek();
    if (next === undefined || /[;\n}#\s]/.test(next)) return undefined;
    reader.advance();
    if (next === "e") return "the s flag e runs the pattern space as a shell command";
    if (next === "w") return "the s flag w writes a named file";
    if (!/[gpiImM0-9]/.test(next)) return `"${next}" is not an s flag exec allows`;
  }
}

function readAddresses(reader: ScriptReader): string | undefined {
  for (let count = 0; count < 2; count += 1) {
    const start = reader.peek();
    if (start === "/" || start === "\\") {
      reader.advance();
      const delimiter = start === "/" ? "/" : reader.advance();
      if (!delimiter || reader.delimited(delimiter, { brackets: true }) === undefined) return "an unterminated address";
      reader.skip(/[IM]/);
    } else if (start !== undefined && /[\d$+~]/.test(start)) {
      reader.skip(/[\d$+~]/);
    } else if (count === 0) {
      return undefined;
    }
    reader.skip(/[ \t]/);
    if (reader.peek() !== ",") return undefined;
    reader.advance();
    reader.skip(/[ \t]/);
  }
  return undefined;
}

/** The text of a, i, c: to the end of the line, a backslash at the end continuing it. */
function readText(reader: ScriptReader): void {
  for (;;) {
    const next = reader.advance();
    if (next === undefined || next === "\n") return;
    if (next === "\\") reader.advance();
  }
}

class ScriptReader {
  private position = 0;
  constructor(private readonly text: string) {}
  done(): boolean {
    return this.position >= this.text.length;
  }
  peek(): string | undefined {
    return this.text[this.position];
  }
  advance(): string | undefined {
    const character = this.text[this.position];
    this.position += 1;
    return character;
  }
  skip(pattern: RegExp): void {
    while (!this.done() && pattern.test(this.text[this.position] as string)) this.position += 1;
  }
  untilLineEnd(): void {
    this.untilOneOf(/\n/);
  }
  untilOneOf(pattern: RegExp): void {
    while (!this.done() && !pattern.test(this.text[this.position] as string)) this.position += 1;
  }
  /**
   * Up to the next unescaped delimiter (consumed); undefined when there is none. In a regular
   * expression, as GNU sed reads it, the delimiter inside a bracket expression (`s/[/]/x/`) is literal.
   */
  delimited(delimiter: string, options: { brackets?: boolean } = {}): string | undefined {
    const start = this.position;
    while (!this.done()) {
      const character = this.advance();
      if (character === "\\") this.advance();
      else if (character === "[" && options.brackets) this.bracketExpression();
      else if (character === delimiter) return this.text.slice(start, this.position - 1);
      else if (character === "\n" && delimiter !== "\n") return undefined;
    }
    return undefined;
  }
  /** After `[`: `^` and a leading `]` belong to the set; `[:class:]`, `[.x.]`, `[=x=]` are skipped whole. */
  private bracketExpression(): void {
    if (this.peek() === "^") this.advance();
    if (this.peek() === "]") this.advance();
    while (!this.done()) {
      const character = this.advance();
      if (character === "]" || character === "\n") return;
      const kind = this.peek();
      if (character === "[" && (kind === ":" || kind === "." || kind === "=")) {
        const close = this.text.indexOf(`${kind}]`, this.position + 1);
        if (close !== -1) this.position = close + 2;
      }
    }
  }
}
