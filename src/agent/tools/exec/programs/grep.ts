import { refused, RUNS_PROGRAMS, table } from "../option-table.js";
import { parseOptions, type ParsedArgument } from "../parse-options.js";
import { FOLLOWS_LINKS, getoptProgram, operands, pathArguments, refusingUnsandboxed, type ProgramDescription } from "../program.js";

const GREP_OPTIONS = table({
    flags: "EFGPiyvwxcoqsbHhnTZzUrRLlaI",
    values: "emABCdD",
    pathValues: "f",
    numericShort: true,
    longFlags: [
      "help", "version", "extended-regexp", "fixed-strings", "basic-regexp", "perl-regexp", "ignore-case", "no-ignore-case", "invert-match", "word-regexp", "line-regexp", "count",
      "only-matching", "quiet", "silent", "no-messages", "byte-offset", "with-filename", "no-filename", "line-number", "initial-tab", "null", "null-data", "binary", "recursive",
      "dereference-recursive", "files-with-matches", "files-without-match", "text", "line-buffered",
    ],
    longValues: ["regexp", "max-count", "after-context", "before-context", "context", "label", "binary-files", "devices", "directories", "exclude", "exclude-dir", "include"],
    longPathValues: ["file", "exclude-from"],
    longOptional: ["color", "colour"],
});

/** GNU grep: searching never starts another program or writes; with no sandbox, `-R` (links followed) is refused. */
export const grep: ProgramDescription = {
  ...refusingUnsandboxed(getoptProgram(["grep", "egrep", "fgrep", "ggrep"], GREP_OPTIONS), GREP_OPTIONS, { "-R": FOLLOWS_LINKS, "--dereference-recursive": FOLLOWS_LINKS }),
  // The pattern (the first operand, unless -e or -f gave it) is text; the files searched and -f's file are paths.
  paths(args) {
    const result = parseOptions(args, GREP_OPTIONS);
    return result.ok ? pathArguments(result.parsed, patternGiven(result.parsed) ? 0 : 1) : [];
  },
  // -r follows only the links named on the command line; -R every one met.
  walkFollowsLinks(args) {
    const result = parseOptions(args, GREP_OPTIONS);
    return !result.ok || result.parsed.some((item) => item.kind === "option" && (item.name === "-R" || item.name === "--dereference-recursive"));
  },
  // Recursive with no file named: grep searches the working directory.
  walksWorkingDirectory(args) {
    const result = parseOptions(args, GREP_OPTIONS);
    if (!result.ok) return false;
    const recursive = result.parsed.some((item) => item.kind === "option" && (["-r", "-R", "--recursive", "--dereference-recursive"].includes(item.name) || ((item.name === "-d" || item.name === "--directories") && item.value === "recurse")));
    return recursive && searchedPaths(result.parsed).length === 0;
  },
};

/** The operands naming what to search: all of them when a pattern came with an option (`-e`, `-f`), else all but the first (the pattern). */
function searchedPaths(parsed: readonly ParsedArgument[]): string[] {
  return patternGiven(parsed) ? operands(parsed) : operands(parsed).slice(1);
}

function patternGiven(parsed: readonly ParsedArgument[]): boolean {
  return parsed.some((item) => item.kind === "option" && ["-e", "-f", "--regexp", "--file"].includes(item.name));
}

const RG_OPTIONS = table({
    abbreviations: false,
    flags: "iSsFwxvclnNHIpqLaoPuU0.bh",
    values: "egtTmABCjMrEd",
    pathValues: "f",
    short: { z: refused(RUNS_PROGRAMS, "none") },
    longFlags: [
      "help", "version", "ignore-case", "case-sensitive", "smart-case", "fixed-strings", "word-regexp", "line-regexp", "invert-match", "count", "count-matches", "files",
      "files-with-matches", "files-without-match", "line-number", "no-line-number", "with-filename", "no-filename", "no-heading", "heading", "hidden", "no-ignore", "no-ignore-vcs",
      "no-ignore-dot", "no-ignore-parent", "no-ignore-global", "follow", "json", "multiline", "multiline-dotall", "only-matching", "pcre2", "null", "null-data", "quiet", "text",
      "type-list", "vimgrep", "column", "no-column", "stats", "trim", "unrestricted", "no-messages", "byte-offset", "passthru", "crlf", "glob-case-insensitive", "one-file-system",
      "no-config", "binary", "no-binary", "no-search-zip", "sort-files", "debug", "trace", "max-columns-preview", "no-require-git",
    ],
    longValues: [
      "regexp", "glob", "iglob", "type", "type-not", "type-add", "type-clear", "max-count", "after-context", "before-context", "context", "threads", "max-columns",
      "max-depth", "max-filesize", "replace", "sort", "sortr", "encoding", "color", "colors", "path-separator", "engine", "field-match-separator", "field-context-separator",
      "context-separator", "hyperlink-format", "dfa-size-limit", "regex-size-limit",
    ],
    longPathValues: ["file", "ignore-file"],
    long: { pre: refused(RUNS_PROGRAMS), "pre-glob": refused(RUNS_PROGRAMS), "search-zip": refused(RUNS_PROGRAMS, "none") },
});

/** ripgrep: its parser takes no abbreviations; `--pre` and `-z` start other programs; with no sandbox, `-L` (links followed) is refused. */
export const rg: ProgramDescription = {
  ...refusingUnsandboxed(getoptProgram(["rg"], RG_OPTIONS), RG_OPTIONS, { "-L": FOLLOWS_LINKS, "--follow": FOLLOWS_LINKS }),
  // As grep's; with --files or --type-list no pattern is read, and every operand is a path.
  paths(args) {
    const result = parseOptions(args, RG_OPTIONS);
    if (!result.ok) return [];
    return pathArguments(result.parsed, listsOnly(result.parsed) || patternGiven(result.parsed) ? 0 : 1);
  },
  // rg follows no link met on its walk, unless -L.
  walkFollowsLinks(args) {
    const result = parseOptions(args, RG_OPTIONS);
    return !result.ok || result.parsed.some((item) => item.kind === "option" && (item.name === "-L" || item.name === "--follow"));
  },
  // With no path named, rg searches the working directory.
  walksWorkingDirectory(args) {
    const result = parseOptions(args, RG_OPTIONS);
    if (!result.ok) return false;
    return (listsOnly(result.parsed) ? operands(result.parsed) : searchedPaths(result.parsed)).length === 0;
  },
};

function listsOnly(parsed: readonly ParsedArgument[]): boolean {
  return parsed.some((item) => item.kind === "option" && (item.name === "--files" || item.name === "--type-list"));
}
