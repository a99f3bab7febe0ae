// Account page: edit username and email, change the password, log out everywhere, delete
// the account.

import { clearToken, getCurrentUser, logout, setToken, updateCurrentUser } from "./auth.js";
import { redirectToLogin, request } from "./api.js";
import { showUser } from "./nav.js";
import { busy, openDialog, setMessage, submitButton } from "./ui.js";

const container = document.getElementById("account");
const loading = document.getElementById("account-loading");
const avatar = document.getElementById("account-avatar");
const nameText = document.getElementById("account-name");
const emailText = document.getElementById("account-email");
const form = document.getElementById("account-form");
const status = document.getElementById("account-status");
const error = document.getElementById("account-error");
const deleteButton = document.getElementById("delete-account-button");
const deleteDialog = document.getElementById("delete-account-dialog");
const deleteForm = document.getElementById("delete-account-form");
const deleteError = document.getElementById("delete-account-error");
const passwordForm = document.getElementById("password-form");
const passwordStatus = document.getElementById("password-status");
const passwordError = document.getElementById("password-error");
const everywhereButton = document.getElementById("logout-everywhere-button");
const sessionsError = document.getElementById("sessions-error");

let user = await getCurrentUser();

function render() {
  avatar.src = user.image_path || "/static/profile_pics/default.jpg";
  nameText.textContent = user.username;
  emailText.textContent = user.email || "";
  form.elements.username.value = user.username;
  form.elements.email.value = user.email || "";
}

if (!user) {
  window.location.replace("/login");
} else {
  render();
  loading.hidden = true;
  container.hidden = false;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(status, "");
    setMessage(error, "");
    const changes = {};
    const username = form.elements.username.value.trim();
    const email = form.elements.email.value.trim();
    if (username !== user.username) {
      changes.username = username;
    }
    if (email.toLowerCase() !== (user.email || "").toLowerCase()) {
      changes.email = email;
    }
    if (Object.keys(changes).length === 0) {
      setMessage(status, "Nothing to save: no changes.");
      return;
    }
    const result = await busy(submitButton(form), () =>
      request(`/api/users/${encodeURIComponent(user.id)}`, {
        method: "PATCH",
        json: changes,
        auth: true,
      }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      setMessage(error, result.message);
      return;
    }
    user = result.data;
    updateCurrentUser(user);
    render();
    showUser(user);
    setMessage(status, "Your account has been updated.");
  });

  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(passwordStatus, "");
    setMessage(passwordError, "");
    const current = passwordForm.elements.current_password.value;
    const next = passwordForm.elements.new_password.value;
    if (next !== passwordForm.elements.confirm_password.value) {
      setMessage(passwordError, "Passwords do not match");
      return;
    }
    const result = await busy(submitButton(passwordForm), () =>
      request("/api/users/me/password", {
        method: "PATCH",
        json: { current_password: current, new_password: next },
        auth: true,
      }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      setMessage(passwordError, result.message);
      return;
    }
    // Every earlier token was revoked; this session continues with the fresh one.
    setToken(result.data.access_token);
    passwordForm.reset();
    setMessage(passwordStatus, "Password changed. Your other sessions were logged out.");
  });

  everywhereButton.addEventListener("click", async () => {
    setMessage(sessionsError, "");
    const result = await busy(everywhereButton, () =>
      request("/api/users/logout-all", { method: "POST", auth: true }),
    );
    if (!result.ok && result.status !== 401) {
      setMessage(sessionsError, result.message);
      return;
    }
    clearToken();
    window.location.assign("/login");
  });

  deleteButton.addEventListener("click", () => openDialog(deleteDialog));

  deleteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(deleteError, "");
    const result = await busy(submitButton(deleteForm), () =>
      request(`/api/users/${encodeURIComponent(user.id)}`, { method: "DELETE", auth: true }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      setMessage(deleteError, result.message);
      return;
    }
    // The account and its tokens are gone already: nothing to revoke.
    logout({ revoke: false });
  });
}
