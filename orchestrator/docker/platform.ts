// LevitateOS is x86_64: every image build and container asks for linux/amd64, and doctor says what that costs elsewhere.

/** The platform of every image the tool builds and every container it creates. */
export const PLATFORM = "linux/amd64";

const AMD64_NAMES: readonly string[] = ["x86_64", "amd64"];

/**
 * What doctor says about an engine's architecture (Docker's `Architecture`, e.g. "x86_64",
 * "aarch64"): null when it is amd64, else what running linux/amd64 there means.
 */
export function foreignArchitectureNote(architecture: string): string[] | null {
  if (AMD64_NAMES.includes(architecture.toLowerCase())) return null;
  return [
    `the engine is ${architecture || "of an unknown architecture"}, not x86_64: images and containers run as ${PLATFORM} under emulation`,
    "(Docker Desktop on Apple Silicon: Rosetta or QEMU user mode; elsewhere binfmt_misc with qemu-user-static must be set up)",
    "expect a cold build several times slower than on an x86_64 machine (the kernel alone can take an hour or more),",
    "and the VM runs under TCG emulation inside an emulated QEMU (no KVM): boots take tens of seconds instead of ~2 s",
  ];
}
