// A manifest with every kind of entry and the awkward cases (odd sizes, special mode bits, long and non-ASCII names).
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";

const encoder = new TextEncoder();

/** Bytes that are the same on every run: a small linear congruential sequence. */
export function fixedBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

export const LONG_TARGET = `${"x".repeat(250)}/${"y".repeat(250)}`;
export const DEEP_PATH = `deep/${"d".repeat(200)}/${"e".repeat(200)}`;

/** Every entry of the sample, in a deliberately unsorted order. */
export function sampleManifest(): ManifestEntry[] {
  return [
    { kind: "dir", path: "usr", mode: 0o755 },
    { kind: "file", path: "bin/busybox", mode: 0o4755, data: fixedBytes(1001, 1) },
    { kind: "dir", path: "bin", mode: 0o755 },
    { kind: "symlink", path: "bin/sh", target: "busybox" },
    { kind: "dir", path: "usr/bin", mode: 0o755 },
    { kind: "symlink", path: "usr/bin/env", target: "../../bin/busybox" },
    { kind: "symlink", path: "init", target: "/sbin/init" },
    { kind: "symlink", path: "long-link", target: LONG_TARGET },
    { kind: "dir", path: "dev", mode: 0o755 },
    { kind: "device", path: "dev/console", mode: 0o600, type: "char", major: 5, minor: 1 },
    { kind: "device", path: "dev/null", mode: 0o666, type: "char", major: 1, minor: 3 },
    { kind: "device", path: "dev/sda1", mode: 0o660, type: "block", major: 8, minor: 1 },
    { kind: "device", path: "dev/big", mode: 0o600, type: "char", major: 4095, minor: 1_048_575 },
    { kind: "dir", path: "tmp", mode: 0o1777 },
    { kind: "dir", path: "root", mode: 0o700 },
    { kind: "dir", path: "etc", mode: 0o755 },
    { kind: "file", path: "etc/empty", mode: 0o644, data: new Uint8Array(0) },
    { kind: "dir", path: "etc/init.d", mode: 0o755 },
    { kind: "file", path: "etc/init.d/rcS", mode: 0o755, data: encoder.encode("#!/bin/sh\necho up\n") },
    { kind: "hardlink", path: "usr/bin/rcS-link", target: "etc/init.d/rcS" },
    { kind: "hardlink", path: "etc/rcS-link", target: "etc/init.d/rcS" },
    { kind: "file", path: "etc/shadow", mode: 0o600, data: encoder.encode("root:*:::::::\n") },
    { kind: "file", path: "etc/setgid-sticky", mode: 0o3750, data: fixedBytes(3, 2) },
    { kind: "file", path: "etc/größe ü.txt", mode: 0o644, data: encoder.encode("non-ASCII name\n") },
    { kind: "dir", path: "deep", mode: 0o755 },
    { kind: "dir", path: `deep/${"d".repeat(200)}`, mode: 0o755 },
    { kind: "file", path: DEEP_PATH, mode: 0o644, data: fixedBytes(4096, 3) },
  ];
}

/** What GNU `cpio -itv` prints in its first column for each sample path. */
export const SAMPLE_MODES: Readonly<Record<string, string>> = {
  "bin": "drwxr-xr-x",
  "bin/busybox": "-rwsr-xr-x",
  "bin/sh": "lrwxrwxrwx",
  "deep": "drwxr-xr-x",
  [`deep/${"d".repeat(200)}`]: "drwxr-xr-x",
  [DEEP_PATH]: "-rw-r--r--",
  "dev": "drwxr-xr-x",
  "dev/big": "crw-------",
  "dev/console": "crw-------",
  "dev/null": "crw-rw-rw-",
  "dev/sda1": "brw-rw----",
  "etc": "drwxr-xr-x",
  "etc/empty": "-rw-r--r--",
  "etc/größe ü.txt": "-rw-r--r--",
  "etc/init.d": "drwxr-xr-x",
  "etc/init.d/rcS": "-rwxr-xr-x",
  "etc/rcS-link": "-rwxr-xr-x",
  "etc/setgid-sticky": "-rwxr-s--T",
  "etc/shadow": "-rw-------",
  "init": "lrwxrwxrwx",
  "long-link": "lrwxrwxrwx",
  "root": "drwx------",
  "tmp": "drwxrwxrwt",
  "usr": "drwxr-xr-x",
  "usr/bin": "drwxr-xr-x",
  "usr/bin/env": "lrwxrwxrwx",
  "usr/bin/rcS-link": "-rwxr-xr-x",
};
