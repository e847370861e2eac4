// What an SBOM says about each kind of source: its license (SPDX expression), component type and CPE for vulnerability matching.
export interface SourceIdentity {
  /** SPDX license expression of the upstream project. */
  readonly license: string;
  readonly type: "operating-system" | "application" | "library";
  /** CPE 2.3 vendor:product used by vulnerability databases (NVD). */
  readonly cpe: { readonly part: "a" | "o"; readonly vendor: string; readonly product: string } | null;
  readonly description: string;
}

/** Keyed by the source's name in `sources:`; an unknown name gets no license claim rather than a guess. */
export const KNOWN_SOURCES: Readonly<Record<string, SourceIdentity>> = {
  linux: {
    license: "GPL-2.0-only WITH Linux-syscall-note",
    type: "operating-system",
    cpe: { part: "o", vendor: "linux", product: "linux_kernel" },
    description: "the Linux kernel (bzImage)",
  },
  busybox: {
    license: "GPL-2.0-only",
    type: "application",
    cpe: { part: "a", vendor: "busybox", product: "busybox" },
    description: "BusyBox, statically linked against musl",
  },
  openrc: {
    license: "BSD-2-Clause",
    type: "application",
    cpe: { part: "a", vendor: "gentoo", product: "openrc" },
    description: "OpenRC, statically linked against musl",
  },
};

/** musl is not a pinned source: it comes from the toolchain image and is linked into every static binary. */
export const MUSL: SourceIdentity = {
  license: "MIT",
  type: "library",
  cpe: { part: "a", vendor: "musl-libc", product: "musl" },
  description: "musl libc, statically linked into BusyBox and OpenRC (from the toolchain image's package)",
};

export function cpeFor(identity: SourceIdentity, version: string): string | undefined {
  if (identity.cpe === null) return undefined;
  const escaped = version.replace(/([^A-Za-z0-9._-])/g, "\\$1");
  return `cpe:2.3:${identity.cpe.part}:${identity.cpe.vendor}:${identity.cpe.product}:${escaped}:*:*:*:*:*:*:*`;
}
