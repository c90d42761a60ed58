import { randomInt } from "node:crypto";
import { HearthError } from "../../shared/errors.js";
import { cleanName } from "./inbound.js";
import { isRecord, readJsonFile, writeJsonFile } from "./json-file.js";

export interface PairingRequest {
  code: string;
  number: string;
  name?: string | undefined;
  createdAt: string;
  expiresAt: string;
}

export interface PairingState {
  requests: PairingRequest[];
  /** Numbers the owner approved (E.164), allowed besides `allowFrom`. */
  approved: string[];
}

/** No 0/O, 1/I/L: a code read aloud or typed from a phone is not misread. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 6;
export const PAIRING_TTL_MS = 60 * 60 * 1000;

function isPairingState(value: unknown): value is PairingState {
  return isRecord(value) && Array.isArray(value.requests) && Array.isArray(value.approved);
}

/** Pairing codes in a small file of the state dir, shared by the running channel and `hearth pairing`. */
export class PairingStore {
  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  read(): PairingState {
    const state = readJsonFile<PairingState>(this.file, { requests: [], approved: [] }, isPairingState);
    const at = this.now();
    // Names as request() keeps them, also in a file an older hearth wrote.
    const open = state.requests.filter((request) => Date.parse(request.expiresAt) > at).map(({ name, ...request }) => {
      const clean = cleanName(name);
      return clean ? { ...request, name: clean } : request;
    });
    return { requests: open, approved: state.approved };
  }

  isApproved(number: string): boolean {
    return this.read().approved.includes(number);
  }

  /**
   * The sender's open request, or a new one; `created` says whether the code is new (and so worth
   * sending). The name is the sender's own (their client sets it): kept as one clean line.
   */
  request(number: string, name: string | undefined): { request: PairingRequest; created: boolean } {
    const state = this.read();
    const open = state.requests.find((request) => request.number === number);
    if (open) return { request: open, created: false };
    const taken = new Set(state.requests.map((request) => request.code));
    let code = "";
    do code = Array.from({ length: PAIRING_CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    while (taken.has(code));
    const at = this.now();
    const clean = cleanName(name);
    const request = { code, number, ...(clean ? { name: clean } : {}), createdAt: new Date(at).toISOString(), expiresAt: new Date(at + PAIRING_TTL_MS).toISOString() };
    writeJsonFile(this.file, { requests: [...state.requests, request], approved: state.approved });
    return { request, created: true };
  }

  /** Approves the sender of `code`; a wrong or expired code is a usage error naming the open codes. */
  approve(code: string): PairingRequest {
    const state = this.read();
    const wanted = code.trim().toUpperCase();
    const request = state.requests.find((candidate) => candidate.code === wanted);
    if (!request) {
      const open = state.requests.map((candidate) => candidate.code);
      throw new HearthError("usage", `no pairing request with code "${code}" (codes expire after an hour)`, [
        open.length ? `open codes: ${open.join(", ")}` : "there are no open pairing requests: the sender gets a new code by writing again",
      ]);
    }
    writeJsonFile(this.file, {
      requests: state.requests.filter((candidate) => candidate !== request),
      approved: [...new Set([...state.approved, request.number])],
    });
    return request;
  }
}
