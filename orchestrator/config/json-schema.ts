// The JSON Schema editors use for levitate.yaml and its profiles, generated from the zod schema so the two cannot drift.
import * as z from "zod";
import { configSchema } from "./schema.js";

/** Where the generated schemas live, relative to the package root; `npm run schema` writes them. */
export const CONFIG_SCHEMA_FILE = "config/levitate.schema.json";
export const PROFILE_SCHEMA_FILE = "config/profile.schema.json";

type JsonObject = { [key: string]: unknown };

/** The schema of a whole config, as written (defaults make keys optional). */
export function configJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as JsonObject;
  return {
    $schema: schema["$schema"],
    title: "levitate-docker config (levitate.yaml)",
    description: "What goes into the LevitateOS image. Generated from the zod schema: npm run schema.",
    ...withoutKeys(schema, ["$schema"]),
  };
}

/** A profile is an overlay merged over the config: the same keys and value rules, none of them required. */
export function profileJsonSchema(): JsonObject {
  const schema = withoutRequired(configJsonSchema()) as JsonObject;
  return {
    ...schema,
    title: "levitate-docker profile (profiles/NAME.yaml)",
    description: "An overlay merged over levitate.yaml. Generated from the zod schema: npm run schema.",
  };
}

/** The file text: two-space JSON and a final newline, so the committed file compares byte for byte. */
export function renderJsonSchema(schema: JsonObject): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function withoutRequired(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRequired);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([key]) => key !== "required");
  return Object.fromEntries(entries.map(([key, child]) => [key, withoutRequired(child)]));
}

function withoutKeys(value: JsonObject, keys: readonly string[]): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}
