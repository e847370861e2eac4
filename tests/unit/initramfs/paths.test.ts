// comparePaths is the one order of image paths: it must agree with comparing the UTF-8 bytes, for every string.
import { describe, expect, it } from "vitest";
import { comparePaths, pathProblem } from "../../../orchestrator/initramfs/paths.js";

const byBytes = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));

/** Strings from a small alphabet with the awkward cases: ASCII, Latin-1, BMP above the surrogates, astral pairs, lone surrogates. */
function samples(): string[] {
  const alphabet = ["a", "b", "/", "-", "z", "é", "ü", "\u00ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\ud83d\ude00", "\ud800\udc00", "\udbff\udfff", "\ud83d", "\ude00"];
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0);
  const out = ["", "a", "a/b", "ab", "a/", "\ud83d", "\ud83d\ude00", "\ud83d\ude01", "\uffff", "\ue000"];
  for (let i = 0; i < 400; i++) {
    let s = "";
    for (let n = next() % 5; n > 0; n--) s += alphabet[next() % alphabet.length];
    out.push(s);
  }
  return out;
}

describe("comparePaths", () => {
  it("orders every pair as their UTF-8 bytes do", () => {
    const all = samples();
    const disagreements: string[] = [];
    for (const a of all) for (const b of all) if (Math.sign(comparePaths(a, b)) !== byBytes(a, b)) disagreements.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    expect(disagreements).toEqual([]);
  });

  it("puts a parent before its children and before a sibling that extends its name", () => {
    const sorted = ["etc/init.d", "etc", "etc-old", "etc/a"].sort(comparePaths);
    expect(sorted).toEqual(["etc", "etc-old", "etc/a", "etc/init.d"]);
  });
});

describe("pathProblem", () => {
  it("counts bytes, not characters, against NAME_MAX", () => {
    expect(pathProblem("é".repeat(127))).toBeNull();
    expect(pathProblem("é".repeat(128))).toBe("a path component of 256 bytes (at most 255)");
  });
});
