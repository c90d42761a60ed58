// Listings judged as the real servers answer them, through the real CLI against fakes with their shapes:
// Ollama with no model pulled answers /v1/models `{"object":"list","data":null}` (a Go nil slice): a server
// without the model ("pull it"), not the wrong server; Ollama's tagged ids (`llama3.2:latest`) list a model
// configured as `llama3.2`; llama.cpp's 404 "File Not Found" for a path it lacks is a wrong baseUrl, not a
// missing model.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startOllama } from "../fakes/ollama-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Problem {
  id: string;
  title: string;
  fix: string;
}
interface ChainEntry {
  ref: string;
  reachable?: boolean;
  listed?: boolean | null;
  problems: Problem[];
}

describe("Ollama's and llama.cpp's listings, judged by what they say", () => {
  const temp = tempDir();
  let empty: FakeServer;
  let pulled: FakeServer;
  let llama: FakeServer;

  const probe = async (name: string, provider: string, model: string): Promise<ChainEntry> => {
    const file = temp.write(
      `${name}.json5`,
      `{ agents: { defaults: { model: "local/${model}" } }, models: { mode: "replace", providers: { local: { ${provider}, models: [{ id: "${model}", contextWindow: 8192, maxTokens: 1024 }] } } } }`,
    );
    const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
    const [entry] = (JSON.parse(result.stdout) as { chain: ChainEntry[] }).chain;
    assert.ok(entry, result.stdout + result.stderr);
    return entry;
  };

  before(async () => {
    empty = await startOllama([]);
    pulled = await startOllama([{ name: "llama3.2:latest", parameterSize: "3.2B", quantization: "Q4_K_M", contextLength: 131072 }]);
    llama = await startLlamaCpp({ alias: "stories260k" });
  });
  after(async () => {
    await empty.close();
    await pulled.close();
    await llama.close();
    temp.cleanup();
  });

  test("Ollama with no model pulled (data: null): the model is not listed, and the fix is to pull it", async () => {
    const entry = await probe("ollama-empty", `baseUrl: "${empty.baseUrl}", api: "openai-completions"`, "llama3.2");
    assert.equal(entry.reachable, true);
    assert.equal(entry.listed, false);
    assert.deepEqual(entry.problems.map((problem) => problem.id), ["model-not-listed"], JSON.stringify(entry.problems));
    assert.equal(entry.problems[0]?.title, `the server does not list "llama3.2"`);
    assert.match(entry.problems[0]?.fix ?? "", /^pull it \(`ollama pull llama3\.2`\), or correct the id in models\.providers\.local\.models/);
  });

  test("Ollama's /v1/models lists `llama3.2:latest`: a model configured as `llama3.2` is listed", async () => {
    const entry = await probe("ollama-tagged", `baseUrl: "${pulled.baseUrl}", api: "openai-completions"`, "llama3.2");
    assert.equal(entry.listed, true, JSON.stringify(entry));
    assert.deepEqual(entry.problems.filter((problem) => /listed|listing/.test(problem.id)), [], JSON.stringify(entry.problems));
    const other = await probe("ollama-other-tag", `baseUrl: "${pulled.baseUrl}", api: "openai-completions"`, "llama3.2:1b");
    assert.equal(other.listed, false, "another tag is another model");
  });

  test("llama.cpp with a baseUrl ending in /chat/completions: its 404 File Not Found names the baseUrl to write, not the model", async () => {
    const entry = await probe("llamacpp-trailing", `baseUrl: "${llama.baseUrl}/chat/completions", api: "openai-completions"`, "stories260k");
    const listing = entry.problems.find((problem) => problem.id === "no-model-listing");
    assert.ok(listing, JSON.stringify(entry.problems));
    assert.match(listing.title, /answered GET \/v1\/chat\/completions\/models with an error \(404\): File Not Found; the baseUrl's path is probably wrong/);
    assert.equal(listing.fix, `set models.providers.local.baseUrl to "${llama.baseUrl}"`);
  });
});
