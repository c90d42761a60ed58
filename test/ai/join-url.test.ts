import assert from "node:assert/strict";
import { test } from "node:test";
import { joinUrl } from "../../src/ai/http/join-url.js";
import { modelListingUrl } from "../../src/ai/model-listing.js";

test("a path joins a base URL before its query, trailing slashes and fragments aside", () => {
  assert.equal(joinUrl("http://127.0.0.1:1234/v1", "/chat/completions"), "http://127.0.0.1:1234/v1/chat/completions");
  assert.equal(joinUrl("http://127.0.0.1:1234/v1//", "/models"), "http://127.0.0.1:1234/v1/models");
  assert.equal(joinUrl("https://x.example/openai/v1?api-version=2024-10-21", "/chat/completions"), "https://x.example/openai/v1/chat/completions?api-version=2024-10-21");
  assert.equal(joinUrl("https://x.example/v1/?api-version=X#frag", "/models?limit=5"), "https://x.example/v1/models?api-version=X&limit=5");
});

test("model listings keep the query, Ollama's root and Anthropic's /v1 included", () => {
  assert.equal(modelListingUrl("openai-completions", "http://h/v1?api-version=X"), "http://h/v1/models?api-version=X");
  assert.equal(modelListingUrl("ollama", "http://h:11434/v1/?k=1"), "http://h:11434/api/tags?k=1");
  assert.equal(modelListingUrl("anthropic-messages", "https://h?beta=1"), "https://h/v1/models?beta=1");
  assert.equal(modelListingUrl("anthropic-messages", "https://h/v1?beta=1"), "https://h/v1/models?beta=1");
});
