import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isHeavilyQuantized, isSmall, modelSize, parseParameters, parseQuantization } from "../../src/ops/security/model-size.js";

describe("model size and quantization from what the server says, then the id", () => {
  test("parameters: plain, decimal, millions, mixture of experts by total", () => {
    assert.deepEqual(parseParameters("qwen2.5-7b-instruct"), { totalB: 7, activeB: undefined });
    assert.deepEqual(parseParameters("qwen2.5-1.5b"), { totalB: 1.5, activeB: undefined });
    assert.deepEqual(parseParameters("gemma-3-270m-it"), { totalB: 0.27, activeB: undefined });
    assert.deepEqual(parseParameters("qwen3-30b-a3b-instruct"), { totalB: 30, activeB: 3 });
    assert.deepEqual(parseParameters("230B-A10B"), { totalB: 230, activeB: 10 });
    assert.deepEqual(parseParameters("mixtral-8x7b"), { totalB: 56, activeB: undefined });
    assert.deepEqual(parseParameters("mlx-community/model-4bit"), { totalB: undefined, activeB: undefined });
  });

  test("quantization: GGUF names, bit counts, floats", () => {
    assert.deepEqual(parseQuantization("model-Q3_K_M.gguf"), { quantization: "Q3_K_M", bits: 3 });
    assert.deepEqual(parseQuantization("Llama-IQ2_XXS.gguf"), { quantization: "IQ2_XXS", bits: 2 });
    assert.deepEqual(parseQuantization("Q8_0"), { quantization: "Q8_0", bits: 8 });
    assert.deepEqual(parseQuantization("mlx-3bit"), { quantization: "3bit", bits: 3 });
    assert.deepEqual(parseQuantization("BF16"), { quantization: "BF16", bits: 16 });
    assert.deepEqual(parseQuantization("qwen3-32b"), { quantization: undefined, bits: undefined });
  });

  test("the server's word wins over the id; a large MoE is not small; a 'mini' name is", () => {
    const reported = modelSize("my-model-70b", { params: "4B", quantization: "Q8_0" });
    assert.equal(reported.totalB, 4);
    assert.equal(reported.source, "server");
    assert.equal(isSmall(reported), true);
    assert.equal(isSmall(modelSize("qwen3-30b-a3b", {})), false);
    assert.equal(isSmall(modelSize("phi-4-mini-instruct", {})), true);
    assert.equal(isSmall(modelSize("gpt-oss-120b", {})), false);
    assert.equal(isHeavilyQuantized(modelSize("local", { path: "Llama-3.3-70B-Instruct-IQ2_XXS.gguf" })), true);
    assert.equal(isHeavilyQuantized(modelSize("qwen3-32b-q4_k_m", {})), false);
  });
});
