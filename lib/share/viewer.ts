/** Where the viewer of a received share lives, inside the extension. */

/** Extension-relative path of the viewer page for `shareId` (for `runtime.getURL`). */
export function viewerPath(shareId: string): `/viewer.html?share=${string}` {
  return `/viewer.html?share=${encodeURIComponent(shareId)}`;
}
