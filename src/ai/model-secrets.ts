import { SecretRedactor, urlSecrets } from "../shared/secret-redactor.js";
import { clipDetail } from "./classify-failure.js";
import type { ModelSpec } from "./model-spec.js";
import type { Failure } from "./types.js";

/** What a call to this model sends that is secret: its key, its extra header values, credentials in its URLs. */
export function modelSecrets(model: Pick<ModelSpec, "apiKey" | "headers" | "baseUrl" | "replicas">): string[] {
  return [model.apiKey, ...Object.values(model.headers), ...[model.baseUrl, ...model.replicas].flatMap(urlSecrets)].filter(
    (value): value is string => value !== undefined,
  );
}

/**
 * A failure without the request's own secrets: servers echo the key they refused ("Incorrect API key
 * provided: sk-…", as OpenAI does), and every layer above (router attempts, cooldowns, session files,
 * the terminal) takes the failure's words as they are.
 */
export function redactFailure(failure: Failure, model: Pick<ModelSpec, "apiKey" | "headers" | "baseUrl" | "replicas">): Failure {
  const redactor = new SecretRedactor(modelSecrets(model));
  const detail = failure.detail === undefined ? undefined : redactor.redact(failure.detail);
  let message = failure.message;
  // The message quotes the server's words clipped, before any redactor saw them: a cut inside a key (or
  // one of its forms) would leave its first part, too short to be known. Clipped again, from the words masked whole.
  const clipped = failure.detail === undefined ? undefined : clipDetail(failure.detail);
  if (detail !== undefined && clipped !== undefined && clipped !== failure.detail && message.includes(clipped)) message = message.replace(clipped, () => clipDetail(detail));
  message = redactor.redact(message);
  return { ...failure, message, ...(detail === undefined ? {} : { detail }) };
}
