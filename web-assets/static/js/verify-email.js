// Verify-email page. The token comes in the link's fragment (#token=...), which no server log
// or Referer ever sees; the page takes it, drops it from the address bar and history, and
// sends it only when the button is pressed, so a mail scanner that opens the link verifies
// nothing. Verifying does not log in.

import { verifyEmail } from "./api.js";
import { onLinkPasted, takeLinkToken } from "./link-token.js";
import { busy, setMessage, showMessage, submitButton } from "./ui.js";

const form = document.getElementById("verify-form");
const error = document.getElementById("verify-error");
const status = document.getElementById("verify-status");
const done = document.getElementById("verify-done");
const again = document.getElementById("verify-again");
const incomplete = document.getElementById("verify-incomplete");

let token = null;

/** Takes the token from the address bar and shows the button, or says the link is incomplete. */
function start() {
  token = takeLinkToken();
  form.hidden = !token;
  incomplete.hidden = Boolean(token);
  done.hidden = true;
  again.hidden = true;
  setMessage(error, "");
  setMessage(status, "");
}

if (form) {
  start();
  onLinkPasted(start);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(error, "");
    setMessage(status, "");
    const result = await busy(submitButton(form), () => verifyEmail(token));
    if (result.ok) {
      token = null;
      form.hidden = true;
      done.hidden = false;
      showMessage(status, (result.data && result.data.message) || "Email verified");
      return;
    }
    if (result.status === 400) {
      // Expired, used, unknown or for an old address: only a new link helps.
      form.hidden = true;
      again.hidden = false;
    }
    showMessage(error, result.message);
  });
}
