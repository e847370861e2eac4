// Validates an SBOM with the CycloneDX project's own library and its bundled 1.5 JSON schema (strict: SPDX license ids included).
import * as CDX from "@cyclonedx/cyclonedx-library";

/** null when valid, else the schema errors. */
export async function cyclonedxProblems(json: string): Promise<unknown> {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot5);
  return validator.validate(json);
}
