import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeSignedReasoning, encodeSignedReasoning } from "../../src/channels/http/openai/signed-reasoning.js";

test("signed reasoning round-trips with its model and protocol; anything hearth did not issue decodes to nothing", () => {
  const signed = { model: "anthropic/claude-opus-4-5", api: "anthropic-messages", parts: [{ type: "reasoning", text: "first I…", signature: "sig-1", redacted: undefined }] } as const;
  const encoded = encodeSignedReasoning(signed);
  assert.match(encoded, /^hearth1\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeSignedReasoning(encoded), { model: signed.model, api: signed.api, parts: [{ type: "reasoning", text: "first I…", signature: "sig-1", redacted: undefined }] });
  const forged = (value: unknown): string => `hearth1.${Buffer.from(JSON.stringify(value)).toString("base64url")}`;
  for (const other of ["gAAAAABo-openai-encrypted", "hearth1.not-base64-json!", forged({ m: "x/y", a: "carrier-pigeon", p: [] }), forged({ m: "no-slash", a: "anthropic-messages", p: [] }), forged([1, 2]), 42, undefined]) {
    assert.equal(decodeSignedReasoning(other), undefined, String(other));
  }
});
