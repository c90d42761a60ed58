// t18 #12: doctor told a user whose gateway ran (WhatsApp enabled, not linked) to log in and then restart the
// gateway, while the running gateway's page shows the QR code to scan and links without a restart.
import assert from "node:assert/strict";
import { test } from "node:test";
import { whatsappFindings } from "../../src/ops/doctor-whatsapp.js";
import { whatsappSectionSchema } from "../../src/config/schema/channels-section.js";
import { tempDir } from "../helpers/run-cli.js";

test("not linked: with the gateway running, the fix is the QR code on its page; without, the login command and a start", () => {
  const temp = tempDir("hearth-doctor-wa-link-");
  try {
    const section = whatsappSectionSchema.parse({ enabled: true, allowFrom: ["+15551234567"] });
    const running = whatsappFindings(section, { stateDir: temp.dir, gateway: { running: true, url: "http://127.0.0.1:18150" } }).find((finding) => finding.id === "whatsapp-not-linked");
    assert.equal(running?.fix, "scan the QR code on the web chat's status panel (http://127.0.0.1:18150/) with your phone (WhatsApp → Settings → Linked devices): the running gateway links it then, no restart needed");
    const stopped = whatsappFindings(section, { stateDir: temp.dir, gateway: { running: false, url: "http://127.0.0.1:18150" } }).find((finding) => finding.id === "whatsapp-not-linked");
    assert.match(stopped?.fix ?? "", /^`hearth channels login whatsapp` and scan the QR code .*, then start the gateway: `hearth gateway`/);
  } finally {
    temp.cleanup();
  }
});
