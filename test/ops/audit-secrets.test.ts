// secret-in-config finds every secret hearth masks in its output, not only an `apiKey`: API-key
// headers of any spelling, `api_key`, and credentials in a URL; `${VAR}` references stay silent.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  title: string;
  remediation: string;
}

describe("hearth security audit: secrets written into the config", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  async function audit(name: string, provider: string): Promise<{ findings: Finding[]; stdout: string }> {
    const state = join(temp.dir, `${name}-state`);
    mkdirSync(state, { mode: 0o700 });
    const file = temp.write(`${name}.json5`, `{ agents: { defaults: { model: "gem/gemini-2.5-pro", tools: { allow: ["time"] } } }, models: { mode: "replace", providers: { gem: ${provider} } } }`);
    chmodSync(file, 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state, GEMINI_KEY: "AIzaSyD-from-the-environment-0123456789" } });
    assert.equal(result.code, 0, result.stderr);
    return { findings: (JSON.parse(result.stdout) as { findings: Finding[] }).findings, stdout: result.stdout };
  }

  test("an X-…-Api-Key header, an api_key header and a key= in the baseUrl: each named by its path, never its value", async () => {
    const { findings, stdout } = await audit(
      "written",
      `{ baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai?key=AIzaSyD-written-in-the-url-0123456789", api: "openai-completions",
         headers: { "X-Goog-Api-Key": "AIzaSyD-written-in-a-header-0123456789", "api_key": "sk-proj-written-0123456789", "HTTP-Referer": "https://example.org" },
         models: [{ id: "gemini-2.5-pro" }] }`,
    );
    assert.deepEqual(findings.map((finding) => [finding.id, finding.title]), [
      ["secret-in-config", "models.providers.gem.baseUrl (credentials in the URL) is written into the config file"],
      ["secret-in-config", "models.providers.gem.headers.X-Goog-Api-Key is written into the config file"],
      ["secret-in-config", "models.providers.gem.headers.api_key is written into the config file"],
    ]);
    assert.match(findings[0]?.remediation ?? "", /move the credentials out of models\.providers\.gem\.baseUrl/);
    assert.doesNotMatch(stdout, /AIzaSyD|sk-proj/);
  });

  test("the same from the environment: silent", async () => {
    const { findings } = await audit(
      "referenced",
      `{ baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai?key=\${GEMINI_KEY}", api: "openai-completions", headers: { "X-Goog-Api-Key": "\${GEMINI_KEY}" }, models: [{ id: "gemini-2.5-pro" }] }`,
    );
    assert.deepEqual(findings, []);
  });
});
