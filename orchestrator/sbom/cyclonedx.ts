// Builds the ISO's SBOM as CycloneDX 1.5 JSON from plain facts (pure: the same facts give the same bytes).
import { createHash } from "node:crypto";
import type { PackagePin } from "../lock/package-lock-file.js";
import { KNOWN_SOURCES, MUSL, cpeFor } from "./known-sources.js";
import type { SourceIdentity } from "./known-sources.js";

export interface SbomSource {
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly sha256: string;
  readonly urls: readonly string[];
}

export interface SbomFacts {
  /** Distribution name (config `name`). */
  readonly name: string;
  readonly flavour: "openrc" | "minimal";
  readonly iso: { readonly file: string; readonly sha256: string };
  readonly kernelRelease: string | null;
  /** The sources this flavour builds (minimal has no OpenRC). */
  readonly sources: readonly SbomSource[];
  /** BusyBox's applets as installed paths ("bin/ls"). */
  readonly applets: readonly string[];
  /** OpenRC services per runlevel, in order; null for the minimal flavour. */
  readonly services: Readonly<Record<string, readonly string[]>> | null;
  readonly toolVersion: string;
  readonly toolchain: {
    readonly flavour: "alpine" | "debian";
    readonly base: string;
    readonly tag: string;
    readonly imageId: string | null;
    readonly lockPath: string;
    readonly lockSha256: string;
    /** Empty when the lock is unresolved. */
    readonly packages: readonly PackagePin[];
  };
}

type Json = Record<string, unknown>;

const ISO_REF = "levitate-iso";
const PROPERTY = "levitate-docker";

/** A UUID derived from the ISO's digest, so rebuilding the same ISO gives the same SBOM bytes. */
function serialNumber(isoSha256: string): string {
  const h = createHash("sha256").update(`levitate-docker sbom ${isoSha256}`).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function licenses(identity: SourceIdentity | undefined): Json[] | undefined {
  if (identity === undefined) return undefined;
  return identity.license.includes(" ") ? [{ expression: identity.license }] : [{ license: { id: identity.license } }];
}

function packageUrl(flavour: "alpine" | "debian", pin: PackagePin): string {
  return flavour === "debian" ? `pkg:deb/debian/${pin.name}@${encodeURIComponent(pin.version)}` : `pkg:apk/alpine/${pin.name}@${encodeURIComponent(pin.version)}`;
}

function sourceComponent(source: SbomSource, facts: SbomFacts): Json {
  const identity = KNOWN_SOURCES[source.name];
  const properties: Json[] = [{ name: `${PROPERTY}:source-file`, value: source.file }];
  if (source.urls.length === 0) properties.push({ name: `${PROPERTY}:download`, value: "no URL pinned: taken from a local mirror by file name and sha256" });
  if (source.name === "linux" && facts.kernelRelease !== null) properties.push({ name: `${PROPERTY}:kernel-release`, value: facts.kernelRelease });
  if (source.name === "busybox") for (const applet of facts.applets) properties.push({ name: `${PROPERTY}:busybox-applet`, value: applet });
  if (source.name === "openrc" && facts.services !== null) {
    for (const [runlevel, services] of Object.entries(facts.services)) for (const service of services) properties.push({ name: `${PROPERTY}:openrc-service`, value: `${runlevel}/${service}` });
  }
  const cpe = identity === undefined ? undefined : cpeFor(identity, source.version);
  const lic = licenses(identity);
  return {
    type: identity?.type ?? "application",
    "bom-ref": `source:${source.name}`,
    name: source.name,
    version: source.version,
    ...(identity === undefined ? {} : { description: identity.description }),
    hashes: [{ alg: "SHA-256", content: source.sha256 }],
    ...(lic === undefined ? {} : { licenses: lic }),
    ...(cpe === undefined ? {} : { cpe }),
    purl: `pkg:generic/${source.name}@${encodeURIComponent(source.version)}?download_url=${encodeURIComponent(source.urls[0] ?? source.file)}`,
    ...(source.urls.length === 0 ? {} : { externalReferences: source.urls.map((url) => ({ type: "distribution", url })) }),
    properties,
  };
}

function muslComponent(facts: SbomFacts): Json {
  const pin = facts.toolchain.packages.find((p) => p.name === "musl-dev") ?? facts.toolchain.packages.find((p) => p.name === "musl");
  return {
    type: MUSL.type,
    "bom-ref": "library:musl",
    name: "musl",
    ...(pin === undefined ? {} : { version: pin.version }),
    description: MUSL.description,
    licenses: licenses(MUSL),
    ...(pin === undefined ? {} : { purl: packageUrl(facts.toolchain.flavour, pin) }),
    properties: [{ name: `${PROPERTY}:from`, value: pin === undefined ? `the ${facts.toolchain.flavour} toolchain image (its lock is unresolved, so the version is not recorded)` : `${facts.toolchain.lockPath}: ${pin.name}=${pin.version}` }],
  };
}

function toolComponents(facts: SbomFacts): Json[] {
  const t = facts.toolchain;
  const image: Json = {
    type: "container",
    "bom-ref": "tool:toolchain-image",
    name: t.tag,
    description: `the ${t.flavour} toolchain image every stage ran in (base ${t.base})`,
    ...(t.imageId === null ? {} : { hashes: [{ alg: "SHA-256", content: t.imageId.replace(/^sha256:/, "") }] }),
    properties: [
      { name: `${PROPERTY}:lock`, value: t.lockPath },
      { name: `${PROPERTY}:lock-sha256`, value: t.lockSha256 },
      ...(t.packages.length === 0 ? [{ name: `${PROPERTY}:lock-status`, value: "unresolved: package versions not pinned" }] : []),
    ],
  };
  const packages = t.packages.map((pin) => ({
    type: "application",
    "bom-ref": `tool:package:${pin.name}`,
    name: pin.name,
    version: pin.version,
    purl: packageUrl(t.flavour, pin),
  }));
  return [{ type: "application", "bom-ref": "tool:levitate-docker", name: "levitate-docker", version: facts.toolVersion }, image, ...packages];
}

export function makeSbom(facts: SbomFacts): Json {
  const sources = facts.sources.map((s) => sourceComponent(s, facts));
  const components = [...sources, muslComponent(facts)];
  const refs = components.map((c) => String(c["bom-ref"]));
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: serialNumber(facts.iso.sha256),
    version: 1,
    metadata: {
      lifecycles: [{ phase: "build" }],
      tools: { components: toolComponents(facts) },
      component: {
        type: "operating-system",
        "bom-ref": ISO_REF,
        name: facts.name,
        description: `${facts.name} (${facts.flavour} flavour) as the bootable ISO ${facts.iso.file}`,
        hashes: [{ alg: "SHA-256", content: facts.iso.sha256 }],
        properties: [{ name: `${PROPERTY}:flavour`, value: facts.flavour }],
      },
    },
    components,
    dependencies: [{ ref: ISO_REF, dependsOn: refs }, ...refs.map((ref) => ({ ref, dependsOn: ref === "library:musl" ? [] : ref === "source:linux" ? [] : ["library:musl"] }))],
  };
}
