// Mirror site URLs: which base URLs are accepted (and why not), and how a file name is appended.
import { describe, expect, it } from "vitest";
import { mirrorSiteProblem } from "../../../orchestrator/config/mirror-sites.js";
import { mirrorSiteUrl } from "../../../orchestrator/sources/mirror-site.js";

describe("mirrorSiteProblem", () => {
  it.each(["http://127.0.0.1:8080", "https://mirror.example.org/levitate/", "http://[::1]:9000/sources"])("accepts %s", (site) => {
    expect(mirrorSiteProblem(site)).toBeNull();
  });

  it.each([
    ["mirror.example.org/levitate", "expected an http:// or https:// base URL"],
    ["ftp://mirror.example.org/", "expected an http:// or https:// base URL, not ftp://"],
    ["file:///srv/mirror", "expected an http:// or https:// base URL, not file://"],
    ["https://user:secret@mirror.example.org/", "expected a base URL without user:password (put credentials in a proxy, not in the URL)"],
    ["https://mirror.example.org/?token=1", "expected a base URL without ?query or #fragment (file names are appended to it)"],
    ["https://mirror.example.org/#top", "expected a base URL without ?query or #fragment (file names are appended to it)"],
  ])("refuses %s", (site, message) => {
    expect(mirrorSiteProblem(site)).toBe(message);
  });
});

describe("mirrorSiteUrl", () => {
  it("appends the file name as one path segment, with or without a trailing slash on the site", () => {
    expect(mirrorSiteUrl("http://127.0.0.1:8080", "openrc-0.54.tar.gz")).toBe("http://127.0.0.1:8080/openrc-0.54.tar.gz");
    expect(mirrorSiteUrl("https://m.example.org/pub/levitate", "a.tar.xz")).toBe("https://m.example.org/pub/levitate/a.tar.xz");
    expect(mirrorSiteUrl("https://m.example.org/pub/levitate/", "a.tar.xz")).toBe("https://m.example.org/pub/levitate/a.tar.xz");
  });

  it("escapes characters that would change the URL's meaning", () => {
    expect(mirrorSiteUrl("http://127.0.0.1/m/", "x?y#z.tar")).toBe("http://127.0.0.1/m/x%3Fy%23z.tar");
  });
});
