// Mirror sites: HTTP(S) base URLs serving source tarballs by file name (like Buildroot's primary site).

/** `<site>/<file>`: the file name appended to the site's path as one segment. */
export function mirrorSiteUrl(site: string, file: string): string {
  const url = new URL(site);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return new URL(encodeURIComponent(file), url).href;
}
