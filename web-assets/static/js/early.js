// Runs before the page is painted (a classic, blocking script) so that the
// remembered theme applies immediately and a logged-in visitor does not see
// the logged-out navigation flash before nav.js has checked the token.
(function () {
  var root = document.documentElement;
  try {
    var theme = window.localStorage.getItem("theme");
    if (theme === "light" || theme === "dark") {
      root.setAttribute("data-theme", theme);
    }
    if (window.localStorage.getItem("access_token")) {
      root.setAttribute("data-auth", "pending");
    }
  } catch (e) {
    // Storage can be unavailable (privacy settings); defaults apply.
  }
})();
