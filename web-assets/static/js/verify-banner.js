// The banner for a signed-in user whose email is not verified yet, with a button that mails
// the link again. Loaded by every page; shows nothing while verification is off, for visitors
// who are not signed in, and once the email is verified.

import { getCurrentUser } from "./auth.js";
import { request } from "./api.js";
import { busy, setMessage, showMessage } from "./ui.js";

async function initBanner() {
  const banner = document.getElementById("verify-banner");
  if (!banner || document.documentElement.dataset.emailVerification === "off") {
    return;
  }
  // The page's one check of the stored token comes first: a token it finds dead is cleared
  // there, and nothing more is asked with it.
  if (!(await getCurrentUser())) {
    return;
  }
  const security = await request("/api/users/me/security", { auth: true });
  if (!security.ok || !security.data || security.data.email_verified) {
    return;
  }
  const button = document.getElementById("verify-banner-send");
  const status = document.getElementById("verify-banner-status");
  banner.hidden = false;
  button.addEventListener("click", async () => {
    setMessage(status, "");
    const result = await busy(button, () =>
      request("/api/users/me/verification-email", { method: "POST", auth: true }),
    );
    showMessage(status, result.ok ? result.data.message : result.message);
  });
}

initBanner();
