// The channel contract (contract.ts) for WhatsApp, through the Baileys stand-in.
import assert from "node:assert/strict";
import { test } from "node:test";
import { channelContract } from "./contract.js";
import { whatsAppDriver } from "./whatsapp-driver.js";

// Clause 2 is only as strict as this: a final-text channel is checked for no reasoning anywhere it shows.
test("WhatsApp is held to the final-text rule: no reasoning shown at all, not even apart", () => {
  assert.equal(whatsAppDriver().showsReasoning, false);
});

channelContract(whatsAppDriver);
