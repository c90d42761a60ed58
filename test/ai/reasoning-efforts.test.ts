// What servers' refusals of a reasoning effort teach (the efforts each says it takes), and which effort
// goes instead: the wordings of OpenAI, vLLM (pydantic), Ollama's /v1 and a gateway that lists values bare.
import assert from "node:assert/strict";
import { test } from "node:test";
import { effortsFromRefusal, nearestEffort } from "../../src/ai/reasoning-efforts.js";

test("a refusal of an effort teaches the efforts it names, else low, medium and high; words about anything else teach nothing", () => {
  const cases: [string, Parameters<typeof effortsFromRefusal>[1], string[] | undefined][] = [
    ["Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'.", "minimal", ["none", "low", "medium", "high", "xhigh"]],
    ["Unsupported value: 'reasoning.effort' does not support 'max' with this model.", "max", ["low", "medium", "high"]],
    ["[{'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': \"Input should be 'low', 'medium' or 'high'\", 'input': 'xhigh'}]", "xhigh", ["low", "medium", "high"]],
    [`invalid reasoning value: 'minimal' (must be "high", "medium", "low", or "none")`, "minimal", ["none", "low", "medium", "high"]],
    ['output_config.effort "max" is not supported by model claude-opus-4.6; supported values: [low medium high]', "max", ["low", "medium", "high"]],
    ['think value "high" is not supported for this model', "high", []],
    ["Unsupported parameter: 'reasoning_effort' is not supported with this model.", "low", undefined],
    ["max_tokens is too large: 200000. This model supports at most 128000 completion tokens", "high", undefined],
  ];
  for (const [words, refused, taken] of cases) assert.deepEqual(effortsFromRefusal(words, refused), taken, words);
});

test("the nearest effort a server takes; of two as near, the one toward medium", () => {
  assert.equal(nearestEffort("minimal", ["none", "low", "medium", "high"]), "low");
  assert.equal(nearestEffort("none", ["low", "medium", "high"]), "low");
  assert.equal(nearestEffort("xhigh", ["low", "medium", "high", "max"]), "high");
  assert.equal(nearestEffort("max", ["none", "low", "medium", "high", "xhigh"]), "xhigh");
});
