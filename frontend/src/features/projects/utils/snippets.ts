// What settings hand out to copy: absolute links and the tracker's script tag.

/** An absolute URL on this dashboard's origin for a path the API answered ("/share/obs_…"). */
export function absoluteUrl(path: string, origin = window.location.origin): string {
  return new URL(path, origin).href;
}

/** The <script> tag that loads the public tracker /t.js with an ingestion key (see the
 * README's tracker section: data-no-storage and data-respect-dnt are optional). */
export function trackerSnippet(key: string, origin = window.location.origin): string {
  return `<script src="${new URL("/t.js", origin).href}" data-key="${key}" defer></script>`;
}

/** How a listed key is written in its snippet: the full key was shown once, at creation. */
export function keyPlaceholder(prefix: string): string {
  return `${prefix}…`;
}
