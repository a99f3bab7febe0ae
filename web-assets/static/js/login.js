// Login page.

import { setToken } from "./auth.js";
import { requestToken } from "./api.js";
import { busy, setMessage, submitButton } from "./ui.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(error, "");
    const email = form.elements.username.value.trim();
    const password = form.elements.password.value;
    const result = await busy(submitButton(form), () => requestToken(email, password));
    if (result.ok && result.data && result.data.access_token) {
      setToken(result.data.access_token);
      window.location.assign("/");
      return;
    }
    setMessage(error, result.message || "Login failed. Please try again.");
    form.elements.password.focus();
  });
}
