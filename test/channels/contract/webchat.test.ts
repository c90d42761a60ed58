// The channel contract (contract.ts) for the web chat, through the page's HTTP API and event stream on
// the real `bin/hearth gateway` process.
import assert from "node:assert/strict";
import { test } from "node:test";
import { channelContract } from "./contract.js";
import { webChatDriver } from "./webchat-driver.js";

// Clause 2 checks a channel that may show reasoning for keeping it apart from the answer (and the answer exact).
test("the web chat may show reasoning, kept apart from the answer", () => {
  assert.equal(webChatDriver().showsReasoning, true);
});

channelContract(webChatDriver);
