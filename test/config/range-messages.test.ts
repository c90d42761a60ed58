import assert from "node:assert/strict";
import { test } from "node:test";
import * as z from "zod";
import { schemaIssuesToProblems } from "../../src/config/format-schema-issues.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

/** The message the config loader gives for `value` against `schema`, at the key path `path`. */
function messageFor(schema: z.ZodType, value: unknown, path = "field"): string {
  const wrapped = z.object({ [path]: schema });
  const parsed = wrapped.safeParse({ [path]: value }, { reportInput: true }); // as the loader parses
  assert.equal(parsed.success, false, `${JSON.stringify(value)} should be refused`);
  const problems = schemaIssuesToProblems(parsed.error?.issues ?? [], wrapped);
  assert.equal(problems.length, 1);
  return problems[0]?.message ?? "";
}

test("every length and range message says the rule the schema holds, and what was got", () => {
  const cases: [z.ZodType, unknown, string][] = [
    [z.string().min(1), "", "must not be empty"],
    [z.string().min(16), "abcdefghij", "must be at least 16 characters, got 10 characters"],
    [z.string().min(16), "", "must be at least 16 characters"],
    [z.string().max(3), "abcd", "must be at most 3 characters, got 4 characters"],
    [z.string().length(4), "ab", "must be exactly 4 characters, got 2 characters"],
    [z.array(z.string()).min(2), ["a"], "must list at least 2 items, got 1 item"],
    [z.array(z.string()).max(1), ["a", "b"], "must list at most 1 item, got 2 items"],
    [z.int().min(200), 5, "must be at least 200, got 5"],
    [z.int().max(100), 500, "must be at most 100, got 500"],
    [z.number().nonnegative(), -1, "must be 0 or more, got -1"],
    [z.number().positive(), 0, "must be greater than 0, got 0"],
    [z.number().gt(5), 5, "must be greater than 5, got 5"],
    [z.number().lt(3), 3, "must be less than 3, got 3"],
  ];
  for (const [schema, value, expected] of cases) assert.equal(messageFor(schema, value), expected, JSON.stringify(value));
  assert.equal(messageFor(z.int().min(1).max(600), 0, "timeoutSeconds"), "must be at least 1 seconds, got 0");
});

test("config validate: a gateway token of 5 or 10 characters is refused with the 16-character rule and how to make one", async () => {
  const temp = tempDir();
  try {
    for (const token of ["short", "abcdefghij"]) {
      const file = temp.write("hearth.json5", `{ gateway: { auth: { token: "${token}" } } }`);
      const result = await runCli(["config", "validate", "--config", file]);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`gateway\\.auth\\.token: must be at least 16 characters, got ${token.length} characters; make one with: openssl rand -hex 24`));
      assert.doesNotMatch(result.stderr, /must not be empty/);
      assert.doesNotMatch(result.stderr, new RegExp(token), "the token itself is not echoed");
    }
  } finally {
    temp.cleanup();
  }
});
