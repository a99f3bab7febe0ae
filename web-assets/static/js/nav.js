// Loaded by every page: navigation bar state, theme toggle, New Post dialog.

import { getCurrentUser, logout } from "./auth.js";
import { redirectToLogin, request } from "./api.js";
import { busy, openDialog, setMessage, submitButton, wireDialogClosers } from "./ui.js";

const root = document.documentElement;

/** Shows the navigation for `user`, or the logged-out links when null. */
export function showUser(user) {
  const loggedOut = document.getElementById("nav-logged-out");
  const loggedIn = document.getElementById("nav-logged-in");
  const name = document.getElementById("nav-username");
  if (user) {
    name.textContent = user.username;
    name.href = `/users/${encodeURIComponent(user.id)}/posts`;
    loggedOut.hidden = true;
    loggedIn.hidden = false;
    root.dataset.auth = "in";
  } else {
    loggedIn.hidden = true;
    loggedOut.hidden = false;
    root.dataset.auth = "out";
  }
}

function initTheme() {
  const button = document.getElementById("theme-toggle");
  if (!button) {
    return;
  }
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const current = () => root.dataset.theme || (media.matches ? "dark" : "light");
  const label = () => {
    const next = current() === "dark" ? "light" : "dark";
    button.textContent = `Switch to ${next} theme`;
  };
  button.addEventListener("click", () => {
    const next = current() === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    try {
      window.localStorage.setItem("theme", next);
    } catch {
      // The choice lasts for this page only.
    }
    label();
  });
  media.addEventListener("change", label);
  label();
}

function initNewPost() {
  const openButton = document.getElementById("new-post-button");
  const dialog = document.getElementById("new-post-dialog");
  const form = document.getElementById("new-post-form");
  const error = document.getElementById("new-post-error");
  if (!openButton || !dialog || !form) {
    return;
  }
  openButton.addEventListener("click", () => openDialog(dialog));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(error, "");
    const title = form.elements.title.value.trim();
    const content = form.elements.content.value;
    if (!title || !content.trim()) {
      setMessage(error, "Please enter a title and some content.");
      return;
    }
    const result = await busy(submitButton(form), () =>
      request("/api/posts", { method: "POST", json: { title, content }, auth: true }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      setMessage(error, result.message);
      return;
    }
    form.reset();
    dialog.close();
    window.location.assign(`/posts/${encodeURIComponent(result.data.id)}`);
  });
}

function initLogout() {
  const button = document.getElementById("logout-button");
  if (button) {
    button.addEventListener("click", () => logout());
  }
}

wireDialogClosers();
initTheme();
initNewPost();
initLogout();
getCurrentUser().then(showUser);
