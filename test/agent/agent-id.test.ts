import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ambiguityNote, matchAgentId } from "../../src/agent/agent-id.js";

describe("an agent named by the user", () => {
  test("matches its id as written, else in any case", () => {
    assert.equal(matchAgentId("helper", ["main", "helper"]), "helper");
    assert.equal(matchAgentId("Helper", ["main", "helper"]), "helper");
    assert.equal(matchAgentId("MAIN", ["main", "helper"]), "main");
    assert.equal(matchAgentId("nobody", ["main", "helper"]), undefined);
  });

  test("two ids that differ only in case: the exact one, else none, and the error says why", () => {
    const ids = ["main", "Work", "work"];
    assert.equal(matchAgentId("Work", ids), "Work");
    assert.equal(matchAgentId("work", ids), "work");
    assert.equal(matchAgentId("WORK", ids), undefined);
    assert.equal(ambiguityNote("WORK", ids), ' (agents "Work" and "work" differ only in case: write the one meant exactly)');
    assert.equal(ambiguityNote("Helper", ["main", "helper"]), "");
  });
});
