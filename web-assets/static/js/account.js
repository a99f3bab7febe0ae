// Account page: edit username and email, delete the account.

import { getCurrentUser, logout, updateCurrentUser } from "./auth.js";
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
    logout();
  });
}
