// Reset-password page. The token comes in the link's fragment (#token=...), which no server
// log or Referer ever sees; the page takes it, drops it from the address bar and history,
// and sends it with the new password. A reset does not log in: the user logs in afterwards.

import { resetPassword } from "./api.js";
import { onLinkPasted, takeLinkToken } from "./link-token.js";
import { busy, setMessage, showMessage, submitButton } from "./ui.js";

const form = document.getElementById("reset-form");
const error = document.getElementById("reset-error");
const status = document.getElementById("reset-status");
const done = document.getElementById("reset-done");
const again = document.getElementById("reset-again");
const incomplete = document.getElementById("reset-incomplete");

let token = null;

/** Takes the token from the address bar and shows the form, or says the link is incomplete. */
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
    const fields = form.elements;
    const password = fields.new_password.value;
    if (password !== fields.confirm_password.value) {
      setMessage(error, "Passwords do not match.");
      fields.confirm_password.focus();
      return;
    }
    const result = await busy(submitButton(form), () => resetPassword(token, password));
    if (result.ok) {
      // The token is used up: forget it, and the typed passwords.
      token = null;
      form.reset();
      form.hidden = true;
      done.hidden = false;
      showMessage(status, (result.data && result.data.message) || "Password has been reset successfully");
      return;
    }
    if (result.status === 400) {
      // Expired, used or unknown: no new password will help, only a new link.
      form.reset();
      form.hidden = true;
      again.hidden = false;
    }
    showMessage(error, result.message);
  });
}
