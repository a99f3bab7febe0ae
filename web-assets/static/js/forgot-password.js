// Forgot-password page: ask for a reset link by email.

import { requestPasswordReset } from "./api.js";
import { busy, setMessage, showMessage, submitButton } from "./ui.js";

const form = document.getElementById("forgot-form");
const status = document.getElementById("forgot-status");
const error = document.getElementById("forgot-error");

// What the server says; used only if its answer carries no message.
const SENT = "If an account with that email exists, a password reset link has been sent.";

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(status, "");
    setMessage(error, "");
    const email = form.elements.email.value.trim();
    const result = await busy(submitButton(form), () => requestPasswordReset(email));
    if (result.ok) {
      // The answer is the same whether or not the account exists, so the page cannot tell
      // either; the form stays for a corrected address.
      showMessage(status, (result.data && result.data.message) || SENT);
      return;
    }
    // 429 (too many requests) and 422 (not an email) both come with a readable detail.
    showMessage(error, result.message);
  });
}
