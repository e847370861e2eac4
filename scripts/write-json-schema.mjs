// Writes config/levitate.schema.json and config/profile.schema.json from the compiled zod schema (npm run schema).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CONFIG_SCHEMA_FILE,
  PROFILE_SCHEMA_FILE,
  configJsonSchema,
  profileJsonSchema,
  renderJsonSchema,
} from "../dist/config/json-schema.js";

const root = fileURLToPath(new URL("../", import.meta.url));
for (const [file, schema] of [
  [CONFIG_SCHEMA_FILE, configJsonSchema()],
  [PROFILE_SCHEMA_FILE, profileJsonSchema()],
]) {
  await writeFile(join(root, file), renderJsonSchema(schema));
  console.log(`wrote ${file}`);
}
