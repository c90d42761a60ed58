import { SECRET_NAME, SecretRedactor, urlSecrets } from "../shared/secret-redactor.js";
import { clipDetail } from "./classify-failure.js";
import type { ModelSpec } from "./model-spec.js";
import type { Failure } from "./types.js";

/** A header value that looks like a key whatever the header's name: one word, 16+ characters, letters and digits, not a URL. */
const KEY_LIKE = /^(?!https?:\/\/)(?=\S*[A-Za-z])(?=\S*\d)\S{16,}$/i;

/** A header value that is a URL: secret only for the credentials it carries (urlSecrets). */
const URL_VALUE = /^https?:\/\//i;

/**
 * What a call to this model sends that is secret: its key, its secret header values, credentials in its URLs.
 * A header is secret by its name (`Authorization`, `X-Api-Key`, `X-Auth-Token`, `Cookie`, …) or by its value
 * looking like a key (one word of 16+ characters mixing letters and digits); OpenRouter's `X-Title: My
 * Personal Assistant` or an `HTTP-Referer` URL are not, and masking them hid the user's own words in answers.
 */
export function modelSecrets(model: Pick<ModelSpec, "apiKey" | "headers" | "baseUrl" | "replicas">): string[] {
  const headers = Object.entries(model.headers)
    .flatMap(([name, value]) => (SECRET_NAME.test(name) ? [value] : URL_VALUE.test(value) ? urlSecrets(value) : KEY_LIKE.test(value) ? [value] : []));
  return [model.apiKey, ...headers, ...[model.baseUrl, ...model.replicas].flatMap(urlSecrets)].filter((value): value is string => value !== undefined);
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
