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
    // Where the variable goes: gateway.env, which the service reads, as every other key fix says (t18 #12: "export" alone).
    assert.match(findings[1]?.remediation ?? "", /and set NAME=… in ~\/\.hearth\/gateway\.env \(the gateway's service and every command read it\) or in the environment$/);
    assert.doesNotMatch(stdout, /AIzaSyD|sk-proj/);
  });

  test("a gateway token written into the config: the fix is the gateway token's own (gateway.env, the config naming it)", async () => {
    const state = join(temp.dir, "token-state");
    mkdirSync(state, { mode: 0o700 });
    const file = temp.write("token.json5", `{ agents: { defaults: { tools: { allow: ["time"] } } }, gateway: { auth: { token: "a-token-written-right-into-the-config-0123" } } }`);
    chmodSync(file, 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state } });
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
    const token = findings.find((finding) => finding.id === "secret-in-config");
    assert.equal(token?.title, "gateway.auth.token is written into the config file");
    assert.match(token?.remediation ?? "", /^write a token: \(umask 077; .*~\/\.hearth\/gateway\.env.*set gateway\.auth\.token to "\$\{HEARTH_GATEWAY_TOKEN\}"/);
    assert.doesNotMatch(result.stdout, /a-token-written-right-into-the-config/);
  });

  test("the same from the environment: silent", async () => {
    const { findings } = await audit(
      "referenced",
      `{ baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai?key=\${GEMINI_KEY}", api: "openai-completions", headers: { "X-Goog-Api-Key": "\${GEMINI_KEY}" }, models: [{ id: "gemini-2.5-pro" }] }`,
    );
    assert.deepEqual(findings, []);
  });

  test("the placeholder keys local servers document are no secret: audit is silent, config show shows them, a real key beside them is named", async () => {
    const placeholders = ["llamacpp", "LLAMA.CPP", "lmstudio", "EMPTY", "sk-no-key-required", "vllm", "placeholder", "nokey", "local", " none "];
    const providers = placeholders.map((key, index) => `p${index}: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", apiKey: ${JSON.stringify(key)}, models: [{ id: "m" }] }`);
    providers.push('real: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", apiKey: "short123", models: [{ id: "m" }] }');
    const state = join(temp.dir, "placeholders-state");
    mkdirSync(state, { mode: 0o700 });
    const file = temp.write("placeholders.json5", `{ agents: { defaults: { model: "p0/m", tools: { allow: ["time"] } } }, models: { mode: "replace", providers: { ${providers.join(", ")} } } }`);
    chmodSync(file, 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.id === "secret-in-config");
    assert.deepEqual(findings.map((finding) => finding.title), ["models.providers.real.apiKey is written into the config file"]);
    const show = await runCli(["config", "show", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { models: { providers: Record<string, { apiKey?: string }> } };
    placeholders.forEach((key, index) => assert.equal(shown.models.providers[`p${index}`]?.apiKey, key.trim(), `p${index}`));
    assert.equal(shown.models.providers.real?.apiKey, "***");
  });

  test("a made-up key for a server on this machine (sk-local, changeme, 1234) is no secret; the same word for a hosted server, and a real-looking key for a local one, are", async () => {
    const local = ["sk-local", "changeme", "1234", "my-local-key"];
    const providers = local.map((key, index) => `l${index}: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", apiKey: ${JSON.stringify(key)}, models: [{ id: "m" }] }`);
    providers.push('hosted: { baseUrl: "https://api.example.com/v1", api: "openai-completions", apiKey: "sk-local", models: [{ id: "m" }] }');
    providers.push('realLocal: { baseUrl: "http://localhost:8097/v1", api: "openai-completions", apiKey: "sk-proj-Q7vX2mN9pL4kR8tY1wZ5", models: [{ id: "m" }] }');
    const state = join(temp.dir, "local-words-state");
    mkdirSync(state, { mode: 0o700 });
    const file = temp.write("local-words.json5", `{ agents: { defaults: { model: "l0/m", tools: { allow: ["time"] } } }, models: { mode: "replace", providers: { ${providers.join(", ")} } } }`);
    chmodSync(file, 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.id === "secret-in-config");
    assert.deepEqual(findings.map((finding) => finding.title), ["models.providers.hosted.apiKey is written into the config file", "models.providers.realLocal.apiKey is written into the config file"]);
  });

  test("names the user chose (a model ref ending in secret or token, a provider id) are no secret's name: audit is silent of them, config show shows the alias; a secret beneath them is still found", async () => {
    const state = join(temp.dir, "chosen-names-state");
    mkdirSync(state, { mode: 0o700 });
    const file = temp.write(
      "chosen-names.json5",
      `{ agents: { defaults: { model: "token-box/secret", tools: { allow: ["time"] },
           models: { "token-box/secret": { alias: "Secret" }, "token-box/api-token": { alias: "Token", params: { api_key: "sk-proj-param-written-0123456789" } } } } },
         models: { mode: "replace", providers: { "token-box": { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions",
           headers: { Authorization: "Bearer written-in-a-header-0123456789" }, models: [{ id: "secret" }, { id: "api-token" }] } } } }`,
    );
    chmodSync(file, 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.id === "secret-in-config");
    assert.deepEqual(findings.map((finding) => finding.title), [
      "agents.defaults.models.token-box/api-token.params.api_key is written into the config file",
      "models.providers.token-box.headers.Authorization is written into the config file",
    ]);
    const show = await runCli(["config", "show", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { agents: { defaults: { models: Record<string, { alias?: string; params?: Record<string, string> }> } }; models: { providers: Record<string, { headers?: Record<string, string> }> } };
    assert.equal(shown.agents.defaults.models["token-box/secret"]?.alias, "Secret");
    assert.equal(shown.agents.defaults.models["token-box/api-token"]?.alias, "Token");
    assert.equal(shown.agents.defaults.models["token-box/api-token"]?.params?.api_key, "***");
    assert.equal(shown.models.providers["token-box"]?.headers?.Authorization, "***");
  });
});
