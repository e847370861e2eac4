// Mirror sites in effect (--mirror-site flags, else LEVITATE_MIRROR_SITES, else `mirror_sites:`) and which base URLs are acceptable.
import type { PathProblem } from "./problems.js";

export interface MirrorSiteSettings {
  /** Every --mirror-site given (null or empty: none). */
  readonly flags: readonly string[] | null;
  /** LEVITATE_MIRROR_SITES: URLs separated by spaces or commas. */
  readonly env: string | null;
  /** `mirror_sites:` after the schema (already checked there). */
  readonly document: readonly string[] | undefined;
}

export function effectiveMirrorSites(settings: MirrorSiteSettings): { sites: string[]; problems: PathProblem[] } {
  if (settings.flags !== null && settings.flags.length > 0) return checked(settings.flags, "--mirror-site");
  if (settings.env !== null) {
    return checked(settings.env.split(/[\s,]+/).filter((site) => site !== ""), "LEVITATE_MIRROR_SITES");
  }
  return { sites: [...(settings.document ?? [])], problems: [] };
}

function checked(sites: readonly string[], setting: string): { sites: string[]; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  for (const site of sites) {
    const problem = mirrorSiteProblem(site);
    if (problem !== null) problems.push({ path: [], setting, message: `${problem}, got ${JSON.stringify(site)}` });
  }
  return { sites: [...sites], problems };
}

/** Why `text` cannot be a mirror site ("expected ..."), or null when it can. */
export function mirrorSiteProblem(text: string): string | null {
  if (!URL.canParse(text)) return "expected an http:// or https:// base URL";
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `expected an http:// or https:// base URL, not ${url.protocol}//`;
  }
  if (url.hostname === "") return "expected an http:// or https:// base URL with a host";
  if (url.username !== "" || url.password !== "") {
    return "expected a base URL without user:password (put credentials in a proxy, not in the URL)";
  }
  if (url.search !== "" || url.hash !== "") {
    return "expected a base URL without ?query or #fragment (file names are appended to it)";
  }
  return null;
}
