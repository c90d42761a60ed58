import * as z from "zod";

/**
 * The two kinds of key a map of the config has. Every map's key is one of these (test/config/secret-paths.test.ts
 * walks the schema for any that is not), because whether a key can mark its value secret depends on it:
 * - a key that names its value, as a field name does (a header's name, a request parameter's):
 *   `Authorization`, `X-Api-Key`, `api_key` say the value is a secret;
 * - a name the user chose for a thing (a model ref, a provider id): `local/secret` is a model, and says
 *   nothing of the values under it.
 */
export const valueNameKey = z.string();

/** A model ref as a map's key ("provider/model"): chosen by the user. */
export const modelRefKey = z.string().min(1);

/** A provider's id, as its map's key: chosen by the user. */
export const providerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: "a provider id uses letters, digits, '.', '_' and '-' only (no '/')" });

/** The keys that name their values (see above). */
export const VALUE_NAMING_KEYS: ReadonlySet<z.ZodType> = new Set([valueNameKey]);

/** The keys the user chooses as names of things (see above). */
export const CHOSEN_NAME_KEYS: ReadonlySet<z.ZodType> = new Set([modelRefKey, providerIdSchema]);
