// Registration page: create the account, then log in.

import { setToken } from "./auth.js";
import { request, requestToken } from "./api.js";
import { busy, setMessage, submitButton } from "./ui.js";

const form = document.getElementById("register-form");
const error = document.getElementById("register-error");

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(error, "");
    const fields = form.elements;
    const username = fields.username.value.trim();
    const email = fields.email.value.trim();
    const password = fields.password.value;
    if (password !== fields.confirm_password.value) {
      setMessage(error, "Passwords do not match");
      fields.confirm_password.focus();
      return;
    }
    const button = submitButton(form);
    await busy(button, async () => {
      const created = await request("/api/users", {
        method: "POST",
        json: { username, email, password },
      });
      if (!created.ok) {
        setMessage(error, created.message);
        return;
      }
      const token = await requestToken(email, password);
      if (token.ok && token.data && token.data.access_token) {
        setToken(token.data.access_token);
        window.location.assign("/");
      } else {
        window.location.assign("/login");
      }
    });
  });
}
