// The token a mailed link carries in its fragment (#token=...), which no server log or Referer
// ever sees: taken once by the page the link opens, and dropped from the address bar and the
// history at once. Shared by every page a mailed link opens.

/** The token from `#token=...`, or null; the fragment is removed either way. */
export function takeLinkToken() {
  const hash = window.location.hash;
  if (!hash) {
    return null;
  }
  const token = new URLSearchParams(hash.slice(1)).get("token");
  // Replace (not push) the entry, so Back and the history list never hold the token.
  window.history.replaceState(
    window.history.state,
    "",
    window.location.pathname + window.location.search,
  );
  return token ? token.trim() || null : null;
}

/**
 * Calls `start` again when a whole link is pasted over an incomplete one: that changes only
 * the fragment, with no new page load.
 */
export function onLinkPasted(start) {
  window.addEventListener("hashchange", () => {
    if (window.location.hash) {
      start();
    }
  });
}
