// The strict shape of levitate.yaml: every key, its type and format. Unknown keys are errors.
import * as z from "zod";
import { REPOSITORY_FORMAT, checkRepository } from "../util/repository-reference.js";
import { mirrorSiteProblem } from "./mirror-sites.js";
import { VM_MEMORY_FORMAT, VM_MEMORY_PATTERN } from "../util/vm-memory.js";

// Custom messages start with "expected": the issue formatter appends ", got <value>".
const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const DISTRO_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const CONSOLE = /^(?:tty[A-Za-z]*[0-9]+|hvc[0-9]+|xvc[0-9]+)$/;
const SHA256 = /^[0-9a-f]{64}$/;
const FILE_NAME = /^(?!\.\.?$)[^/\\\0]+$/;
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REGISTRY = "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)?";
const IMAGE_REF = new RegExp(
  `^${REGISTRY}${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

const path = z.string().min(1, "expected a path");
const mirrorSite = z
  .string()
  .superRefine((text, context) => {
    const problem = mirrorSiteProblem(text);
    if (problem !== null) context.addIssue({ code: "custom", message: problem });
  })
  .meta({ pattern: "^https?://[^/?#\\s@]+(/[^?#\\s]*)?$" });
const sourceName = z.string().regex(SOURCE_NAME, "expected a source name (lower-case letters, digits, '_', '-')");
const serviceName = z
  .string()
  .regex(SERVICE_NAME, "expected a service name (lower-case letters, digits, '.', '_', '-'; starting with a letter or digit)");
const services = z.array(serviceName).default([]);

export const sourcePinSchema = z.strictObject({
  version: z.string().regex(/^\S+$/, "expected a version without spaces"),
  file: z.string().regex(FILE_NAME, "expected a plain file name (no slashes)"),
  sha256: z.string().regex(SHA256, "expected a sha256: 64 lower-case hex digits"),
  // The pattern is for the JSON Schema (editors); isHttpUrl is the real check.
  urls: z.array(z.string().refine(isHttpUrl, "expected an http:// or https:// URL").meta({ pattern: "^https?://[^/?#\\s]" })),
});

export const runlevelsSchema = z.strictObject({
  sysinit: services,
  boot: services,
  default: services,
  shutdown: services,
});

export const configSchema = z.strictObject({
  name: z.string().regex(DISTRO_NAME, "expected a name of up to 32 lower-case letters, digits and '-'"),
  hostname: z.string().regex(HOSTNAME, "expected a host name (RFC 1123 label: letters, digits, '-', at most 63)"),
  toolchain: z.strictObject({
    flavour: z.enum(["alpine", "debian"]),
    base: z.string().regex(IMAGE_REF, "expected a Docker image reference like alpine:3.22 or name:tag@sha256:<64 hex>"),
  }),
  kernel: z.strictObject({
    source: sourceName,
    fragment: path,
    patches: z.array(path).default([]),
    cmdline: z.string().regex(/^[^\0-\x1f\x7f]*$/, "expected a one-line kernel command line").default(""),
  }),
  busybox: z.strictObject({
    source: sourceName,
    config: path,
  }),
  openrc: z.strictObject({
    source: sourceName,
    runlevels: runlevelsSchema.prefault({}),
    cgroups: z
      .boolean()
      .default(false)
      .meta({
        description:
          "Ship OpenRC's cgroup support (lib/rc/sh/rc-cgroup.sh), which openrc-run loads for every service. Needs a kernel with CONFIG_CGROUPS (LevitateOS's fragment has none); without it each service start runs two greps and a subshell fewer.",
      }),
  }),
  init: z.strictObject({
    console: z.string().regex(CONSOLE, "expected a console device like ttyS0, tty1 or hvc0 (without /dev/)"),
    login: z.enum(["shell", "autologin"]).default("shell"),
  }),
  files: path.meta({ description: "Directory copied into the image last (its files win); relative to this file." }),
  vm: z
    .strictObject({
      memory: z.string().regex(VM_MEMORY_PATTERN, `expected ${VM_MEMORY_FORMAT}`).default("256M"),
      cpus: z
        .int("expected a whole number of CPUs from 1 to 64")
        .min(1, "expected at least 1 CPU")
        .max(64, "expected at most 64 CPUs")
        .default(1),
    })
    .prefault({}),
  /** A shared build cache in an OCI registry (see docs/cache.md). */
  cache: z
    .strictObject({
      registry: z.string().refine((text) => checkRepository(text) === null, `expected ${REPOSITORY_FORMAT}`).nullable().default(null),
      push: z.boolean().default(false),
    })
    .prefault({}),
  build: z
    .strictObject({
      memory: z
        .string()
        .regex(VM_MEMORY_PATTERN, "expected a memory size like 4G or 512M")
        .default("4G")
        .meta({ description: "Memory limit of each stage container, without swap beyond it (the kernel needs about 1G per make job)." }),
      pids: z
        .int("expected a whole number of processes from 64 to 65536")
        .min(64, "expected at least 64 processes")
        .max(65536, "expected at most 65536 processes")
        .default(4096)
        .meta({ description: "Most processes a stage container may run at once." }),
      parallel: z
        .int("expected a whole number of stages from 1 to 8")
        .min(1, "expected at least 1 stage")
        .max(8, "expected at most 8 stages")
        .default(2)
        .meta({ description: "Most stages running at once, each as soon as the stages it needs are built (1: one after another). Each gets the build's make jobs and its own memory limit." }),
      keep_warm: z
        .int("expected a whole number of seconds from 0 to 86400")
        .min(0, "expected 0 (off) or more seconds")
        .max(86400, "expected at most 86400 seconds (a day)")
        .default(300)
        .meta({
          description:
            "Seconds the iso stage's container stays running after a build, for the next build to run the stage in it instead of starting a new container (0: a new container every build, none left running).",
        }),
    })
    .prefault({}),
  /** Offline mirror directory (files by name), searched before downloading. */
  mirror: path.nullable().default(null).meta({ description: "Offline mirror directory (files by name), searched before downloading." }),
  mirror_sites: z
    .array(mirrorSite)
    .default([])
    .meta({ description: "HTTP(S) mirror base URLs serving the source files by name (<site>/<file>), tried before each source's own URLs." }),
  sources: z
    .record(sourceName, sourcePinSchema)
    .meta({ description: "The lock: each source's version, file name, sha256 and download URLs." }),
});

/** The config document after the schema: types checked, defaults filled, paths still as written. */
export type ConfigDocument = z.output<typeof configSchema>;
export type SourcePinDocument = z.output<typeof sourcePinSchema>;
