import { PairingStore } from "../../channels/whatsapp/pairing-store.js";
import { whatsappPaths } from "../../channels/whatsapp/state-paths.js";
import { stateDir } from "../../config/paths.js";
import { formatTable, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { localTime } from "../../shared/local-time.js";
import { singleLine } from "../../shared/text.js";

function store(io: CliIo): PairingStore {
  return new PairingStore(whatsappPaths(stateDir({ env: io.env, cwd: io.cwd })).pairing);
}

/** A sender's name as a row shows it: one line, no escape sequences (a file written before names were cleaned may hold any). */
function shownName(name: string | undefined): string {
  return singleLine(name ?? "");
}

/** `hearth pairing list [--json]`: the codes unknown WhatsApp senders were given, not yet approved or expired. */
export function pairingList(io: CliIo, options: GlobalOptions): number {
  const { requests, approved } = store(io).read();
  if (options.json) {
    writeJson(io, { requests, approved });
    return 0;
  }
  if (requests.length === 0) writeLine(io.stdout, "No pairing requests waiting (with channels.whatsapp.dmPolicy \"pairing\", an unknown sender gets a code).");
  else for (const line of formatTable(["CODE", "NUMBER", "NAME", "EXPIRES"], requests.map((request) => [request.code, request.number, shownName(request.name), localTime(request.expiresAt)]))) writeLine(io.stdout, line);
  if (approved.length > 0) writeLine(io.stdout, `Approved: ${approved.join(", ")}`);
  return 0;
}

/** `hearth pairing approve CODE`: the sender of that code may talk to the assistant from now on. */
export function pairingApprove(io: CliIo, options: GlobalOptions, code: string): number {
  const request = store(io).approve(code);
  if (options.json) writeJson(io, { approved: request.number, code: request.code });
  else writeLine(io.stdout, `Approved ${request.number}${shownName(request.name) ? ` (${shownName(request.name)})` : ""}: their next WhatsApp message is answered.`);
  return 0;
}
