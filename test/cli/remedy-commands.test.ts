// Never advise a command that does not exist: every hearth command named in a remedy (doctor,
// discover, load, the status problems) must parse with the real CLI, its flags included.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { refusedUrl, type FakeServer } from "../fakes/fake-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import ts from "typescript";
import { repoRoot, runCli, tempDir } from "../helpers/run-cli.js";

interface Mention {
  words: string[];
  flags: string[];
  where: string;
}

/** `hearth models load X --context N` → words [models, load], flags [--context]. */
function mentions(text: string, where: string): Mention[] {
  const found: Mention[] = [];
  for (const match of text.matchAll(/(?:^|[\s(`"'])(?:\S*\/)?hearth ((?:(?! && | or |, |hearth )[^`;)\n])*)/g)) {
    const segment = match[1] ?? "";
    const tokens = segment.split(/\s+/).filter((token) => token !== "");
    const words: string[] = [];
    for (const token of tokens) {
      if (!/^[a-z][a-z-]*$/.test(token)) break;
      words.push(token);
    }
    const flags = tokens.filter((token) => /^--[a-z][a-z-]*$/.test(token));
    if (words.length > 0) found.push({ words, flags, where: `${where}: hearth ${segment}` });
  }
  return found;
}

/**
 * Every command the source can show a user, in any file of src/: the text of each string and template
 * literal (an interpolation read as the word ARG, or as "hearth" where it is the command name in backticks), in which a command is `hearth …` in backticks, a
 * literal that is only `hearth <words>`, or `hearth <words>` followed by a flag or an interpolated
 * argument; and `commandLine(io, "…")`. Comments are not literals, and prose such as "hearth keeps its
 * state in plain files" is none of these.
 */
function sourceMentions(): Mention[] {
  const files = readdirSync(join(repoRoot, "src"), { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".ts")).map((name) => join("src", name));
  const found: Mention[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(join(repoRoot, file), "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node): string => `${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
    const visit = (node: ts.Node): void => {
      let text: string | undefined;
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
      else if (ts.isTemplateExpression(node)) {
        text = node.head.text;
        for (const span of node.templateSpans) text += `${text.endsWith("`") && commandName(span.expression) ? "hearth" : "ARG"}${span.literal.text}`;
      }
      if (text !== undefined) found.push(...literalMentions(text, where(node)));
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "commandLine") {
        const argument = node.arguments[1];
        if (argument && ts.isStringLiteral(argument)) found.push(...mentions(`hearth ${argument.text}`, where(node)));
      }
      if (!ts.isTemplateExpression(node)) ts.forEachChild(node, visit);
      else node.templateSpans.forEach((span) => visit(span.expression));
    };
    visit(source);
  }
  return found;
}

/** `${io.command}`, `${command}`, `${options.loginCommand ?? …}` just after a backtick: how the user runs hearth, standing for "hearth". */
function commandName(expression: ts.Expression): boolean {
  const named = ts.isBinaryExpression(expression) ? expression.left : expression;
  const name = ts.isIdentifier(named) ? named.text : ts.isPropertyAccessExpression(named) ? named.name.text : "";
  return /^(command|[a-z]+Command)$/.test(name);
}

function literalMentions(text: string, where: string): Mention[] {
  const commands = [
    ...[...text.matchAll(/`hearth ([^`]*)/g)].map((match) => `hearth ${match[1] ?? ""}`),
    ...(/^hearth [a-z][a-z -]*$/.test(text) ? [text] : []),
    ...[...text.matchAll(/(?:^|[\s(])hearth ((?:[a-z][a-z-]* ){1,3}(?:--[a-z]|ARG)[^`;)\n]*)/g)].map((match) => `hearth ${match[1] ?? ""}`),
  ];
  return commands.flatMap((command) => mentions(command, where));
}

async function checkParses(all: readonly Mention[]): Promise<void> {
  const byCommand = new Map<string, Set<string>>();
  const where = new Map<string, string>();
  for (const mention of all) {
    const key = mention.words.join(" ");
    const flags = byCommand.get(key) ?? new Set<string>();
    for (const flag of mention.flags) {
      flags.add(flag);
      where.set(`${key} ${flag}`, mention.where);
    }
    byCommand.set(key, flags);
    where.set(key, mention.where);
  }
  for (const [command, flags] of byCommand) {
    const help = await commandHelp(command.split(" "));
    assert.ok(help, `${where.get(command)}: "hearth ${command}" is not a command (nor a command and the arguments it takes)`);
    for (const flag of flags) assert.ok(help.includes(`${flag} `) || help.includes(`${flag}\n`), `${where.get(`${command} ${flag}`)}: hearth ${command} has no ${flag}`);
  }
}

/**
 * The help of the command `words` name: the longest prefix that is a command, the words after it
 * being its positional arguments (`hearth channels login whatsapp` is `channels login <channel>`);
 * undefined when no prefix is a command taking that many arguments.
 */
async function commandHelp(words: readonly string[]): Promise<string | undefined> {
  for (let length = words.length; length > 0; length--) {
    const command = words.slice(0, length).join(" ");
    const help = await runCli([...words.slice(0, length), "--help"]);
    const usage = new RegExp(`^Usage: \\S+ ${command.replace(/[-]/g, "\\-")} (.*)$`, "m").exec(help.stdout);
    if (help.code !== 0 || !usage) continue;
    const positional = (usage[1] ?? "").match(/<[^>]+>|\[(?!options\]|command\])[^\]]+\]/g) ?? [];
    return words.length - length <= positional.length ? help.stdout : undefined;
  }
  return undefined;
}

describe("every command named in a remedy exists", () => {
  let lmstudio: FakeServer;
  const temp = tempDir();
  before(async () => {
    lmstudio = await startLmStudio({ models: [{ id: "clamped-70b", loaded: true, loadedContextLength: 4096, maxContextLength: 131072 }, { id: "cold-4b", loaded: false, maxContextLength: 8192, quantization: "Q3_K_S" }] });
  });
  after(async () => {
    await lmstudio.close();
    temp.cleanup();
  });

  test("the mention finder sees commands and their flags, and stops at arguments", () => {
    assert.deepEqual(mentions("fix: reload (hearth models unload lmstudio/x && hearth models load lmstudio/x --context 5) or lower", "t").map((m) => [m.words, m.flags]), [
      [["models", "unload"], []],
      [["models", "load"], ["--context"]],
    ]);
  });

  test("in the source, every file of it: doctor, the audit, discover, load, init, the status problems, and every message that names a command", async () => {
    const found = sourceMentions();
    const commands = new Set(found.map((mention) => mention.words.join(" ")));
    for (const expected of ["doctor", "models load", "models unload", "models discover", "models status", "init", "config validate", "channels login whatsapp", "security audit", "gateway", "pairing approve"]) assert.ok(commands.has(expected), `${expected} is found`);
    await checkParses(found);
  });

  test("in the README and docs/: every `hearth …` in a code span (fixes the docs name, usage lines)", async () => {
    const files = ["README.md", ...readdirSync(join(repoRoot, "docs")).filter((name) => name.endsWith(".md")).map((name) => join("docs", name))];
    const found = files.flatMap((file) => [...readFileSync(join(repoRoot, file), "utf8").matchAll(/`hearth ([^`]*)`/g)].flatMap((match) => mentions(`hearth ${(match[1] ?? "").replace(/\\\|/g, "|")}`, file)));
    assert.ok(found.length >= 50, `${found.length} mentions`);
    await checkParses(found);
  });

  test("in what doctor, models status, discover and load print", async () => {
    const refused = await refusedUrl();
    const dir = temp.dir;
    const file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "lmstudio/clamped-70b", fallbacks: ["lmstudio/cold-4b", "lmstudio/absent", "anthropic/claude-sonnet-4-5"] }, compaction: { enabled: false } } },
         models: { providers: { lmstudio: { baseUrl: "${lmstudio.baseUrl}", api: "openai-responses", models: [{ id: "clamped-70b", contextWindow: 65536 }, { id: "cold-4b", contextWindow: 8192 }, { id: "absent", contextWindow: 8192 }] },
           down: { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "x", contextWindow: 8192 }] } } },
         gateway: { bind: "0.0.0.0" }, channels: { whatsapp: { enabled: true } } }`,
    );
    const env = { HEARTH_STATE_DIR: dir, HEARTH_GATEWAY_URL: refused };
    const doctor = await runCli(["doctor", "--config", file], { env });
    const status = await runCli(["models", "status", "--probe", "--config", file], { env });
    const discover = await runCli(["models", "discover", "--url", lmstudio.url]);
    const discoverMissing = await runCli(["models", "discover", "--url", lmstudio.url, "--write", "--config", join(dir, "none.json5")]);
    const load = await runCli(["models", "load", "nothing-here", "--url", lmstudio.url]);
    const missingConfig = await runCli(["doctor"], { env: { HOME: join(dir, "home"), HEARTH_GATEWAY_URL: refused } });
    const outputs = [doctor, status, discover, discoverMissing, load, missingConfig].map((result) => result.stdout + result.stderr);
    const fixLines = outputs.flatMap((output) => output.split("\n").filter((line) => /fix:|run `|with `/.test(line)));
    const found = fixLines.flatMap((line) => mentions(line, "output"));
    assert.ok(found.length >= 5, `remedies found: ${found.map((m) => m.where).join("; ")}`);
    await checkParses(found);
  });
});
