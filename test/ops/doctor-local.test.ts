import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { join } from "node:path";
import { diskFinding } from "../../src/ops/doctor-local.js";
import { buildFlags, totalBillions } from "../../src/ops/build-judgement.js";
import { tempDir } from "../helpers/run-cli.js";

describe("doctor: disk space of the state dir (fs.statfs)", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  test("below the warning threshold: a warning with the free space; below the error threshold: an error", () => {
    const warn = diskFinding(temp.dir, { errorBytes: 0, warnBytes: Number.MAX_SAFE_INTEGER });
    assert.equal(warn.severity, "warn");
    assert.equal(warn.id, "disk-space");
    assert.match(warn.seen, /GiB available|MiB available/);
    assert.match(warn.fix, /HEARTH_STATE_DIR/);
    const error = diskFinding(temp.dir, { errorBytes: Number.MAX_SAFE_INTEGER, warnBytes: Number.MAX_SAFE_INTEGER });
    assert.equal(error.severity, "error");
  });

  test("enough space: silent; a state dir not made yet is judged by its nearest existing parent", () => {
    assert.equal(diskFinding(join(temp.dir, "not", "yet"), { errorBytes: 0, warnBytes: 1 }).severity, "ok");
  });
});

describe("build judgement: the largest full-size build", () => {
  test("a mixture of experts counts its total parameters, from the server's params or from the id", () => {
    assert.equal(totalBillions({ id: "minimax-m2.1", params: "230B-A10B" }), 230);
    assert.equal(totalBillions({ id: "qwen3-30b-a3b-instruct" }), 30);
    assert.deepEqual(buildFlags({ id: "qwen3-30b-a3b-instruct", quantization: "Q4_K_M" }), []);
    assert.deepEqual(buildFlags({ id: "gpt-oss-120b", params: "120B", quantization: "MXFP4", bitsPerWeight: 4.25 }), []);
  });

  test("small and heavily quantized builds are flagged from the server's facts first, the id second", () => {
    assert.deepEqual(buildFlags({ id: "llama-3.1-8b-instruct", parameterCount: 8_030_000_000 }), ["small model (8B parameters in total)"]);
    assert.deepEqual(buildFlags({ id: "big-model", quantization: "IQ2_XS" }), ["heavily quantized (IQ2_XS)"]);
    assert.deepEqual(buildFlags({ id: "qwen2.5-72b-instruct-q3_k_m" }), ["heavily quantized (from its name)"]);
    assert.deepEqual(buildFlags({ id: "phi-mini", params: "3.8B", quantization: "Q8_0", bitsPerWeight: 8 }), ["small model (3.8B parameters in total)"]);
  });
});
