// Account page: upload or remove the profile picture, edit username and email, change the
// password, list the sessions and log out of one or all of them, delete the account. A new
// email and the deletion ask for the current password when the server says the sign-in is
// too old for them (403 "Recent authentication required").

import { clearToken, getCurrentUser, logout, setToken, updateCurrentUser } from "./auth.js";
import { redirectToLogin, request } from "./api.js";
import { showUser } from "./nav.js";
import { busy, openDialog, setMessage, showMessage, submitButton } from "./ui.js";

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
const deleteConfirm = document.getElementById("delete-account-confirm");
const accountConfirm = document.getElementById("account-confirm");
const passwordForm = document.getElementById("password-form");
const passwordStatus = document.getElementById("password-status");
const passwordError = document.getElementById("password-error");
const everywhereButton = document.getElementById("logout-everywhere-button");
const sessionsError = document.getElementById("sessions-error");
const sessionsStatus = document.getElementById("sessions-status");
const sessionsLoading = document.getElementById("sessions-loading");
const sessionList = document.getElementById("session-list");
const picture = document.getElementById("account-picture");
const pictureForm = document.getElementById("picture-form");
const pictureInput = document.getElementById("picture-file");
const picturePreview = document.getElementById("picture-preview");
const uploadButton = document.getElementById("picture-upload");
const removeButton = document.getElementById("picture-remove");
const pictureStatus = document.getElementById("picture-status");
const pictureError = document.getElementById("picture-error");

const DEFAULT_PICTURE = "/static/profile_pics/default.jpg";
// The server's default limit. It checks again, and its own answer is shown if it differs.
const MAX_PICTURE_BYTES = 5 * 1024 * 1024;
const TOO_LARGE = "File too large. Maximum size is 5MB";
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const RECENT_AUTHENTICATION_REQUIRED = "Recent authentication required";

let user = await getCurrentUser();
let previewUrl = null;
let pictureWorking = false;

function chosenFile() {
  return (pictureInput.files && pictureInput.files[0]) || null;
}

function updatePictureControls() {
  const file = chosenFile();
  uploadButton.disabled = pictureWorking || !file || file.size > MAX_PICTURE_BYTES;
  removeButton.disabled = pictureWorking;
  pictureInput.disabled = pictureWorking;
  pictureForm.setAttribute("aria-busy", String(pictureWorking));
}

function renderPicture() {
  const src = user.image_path || DEFAULT_PICTURE;
  avatar.src = src;
  picture.src = src;
  picture.alt = `Profile picture of ${user.username}`;
  // Nothing to remove while the default picture is shown.
  removeButton.hidden = !user.image_file;
  updatePictureControls();
}

function clearPreview() {
  // Each object URL pins its file in memory until it is revoked.
  if (previewUrl) {
    URL.revokeObjectURL(previewUrl);
    previewUrl = null;
  }
  picturePreview.hidden = true;
  picturePreview.removeAttribute("src");
}

function pictureProblem(result) {
  // The only 422 here is a request without the file: say so plainly, not "file: Field required".
  if (result.status === 422) {
    return "Please choose a picture to upload.";
  }
  // A proxy in front of the server may refuse a large body before the server sees it.
  if (result.status === 413) {
    return TOO_LARGE;
  }
  return result.message;
}

/** Runs `task` with the picture controls disabled, so an upload and a removal never overlap. */
async function pictureTask(task) {
  pictureWorking = true;
  updatePictureControls();
  try {
    return await task();
  } finally {
    pictureWorking = false;
    updatePictureControls();
  }
}

/** Whether the server refused a change until the current password confirms it. */
function needsPassword(result) {
  return result.status === 403 && result.message === RECENT_AUTHENTICATION_REQUIRED;
}

/**
 * The password field of `confirm` (a hidden field until the server asks for it): shown and
 * required, or hidden, emptied and optional again.
 */
function askForPassword(confirm, asked) {
  const input = confirm.querySelector("input");
  confirm.hidden = !asked;
  input.required = asked;
  if (!asked) {
    input.value = "";
  }
  return input;
}

/** The current password typed into `confirm`, if the field is shown. */
function typedPassword(confirm) {
  return confirm.hidden ? undefined : confirm.querySelector("input").value;
}

function render() {
  renderPicture();
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

  const pictureUrl = `/api/users/${encodeURIComponent(user.id)}/picture`;

  pictureInput.addEventListener("change", () => {
    setMessage(pictureStatus, "");
    setMessage(pictureError, "");
    clearPreview();
    const file = chosenFile();
    if (file && file.size > MAX_PICTURE_BYTES) {
      // Refused here rather than after sending megabytes for the server to refuse.
      setMessage(pictureError, TOO_LARGE);
    } else if (file) {
      previewUrl = URL.createObjectURL(file);
      picturePreview.src = previewUrl;
      picturePreview.hidden = false;
    }
    updatePictureControls();
  });

  // A file the browser cannot show gets no broken preview; the server says what is wrong.
  picturePreview.addEventListener("error", () => {
    picturePreview.hidden = true;
  });

  pictureForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(pictureStatus, "");
    setMessage(pictureError, "");
    const file = chosenFile();
    if (!file) {
      setMessage(pictureError, "Please choose a picture to upload.");
      return;
    }
    if (file.size > MAX_PICTURE_BYTES) {
      setMessage(pictureError, TOO_LARGE);
      return;
    }
    const body = new FormData();
    body.append("file", file, file.name);
    const result = await pictureTask(() =>
      request(pictureUrl, { method: "PATCH", multipart: body, auth: true }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      showMessage(pictureError, pictureProblem(result));
      return;
    }
    user = result.data;
    updateCurrentUser(user);
    pictureForm.reset();
    clearPreview();
    renderPicture();
    // The Upload button is disabled again: move focus to the answer instead.
    showMessage(pictureStatus, "Profile picture updated.");
  });

  removeButton.addEventListener("click", async () => {
    setMessage(pictureStatus, "");
    setMessage(pictureError, "");
    const result = await pictureTask(() => request(pictureUrl, { method: "DELETE", auth: true }));
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      showMessage(pictureError, result.message);
      return;
    }
    user = result.data;
    updateCurrentUser(user);
    renderPicture();
    // The Remove button is hidden now: move focus to the answer instead.
    showMessage(pictureStatus, "Profile picture removed.");
  });

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
    const password = typedPassword(accountConfirm);
    if (password !== undefined) {
      changes.current_password = password;
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
    if (needsPassword(result)) {
      askForPassword(accountConfirm, true).focus();
      setMessage(error, "Please enter your current password to change your email.");
      return;
    }
    if (!result.ok) {
      setMessage(error, result.message);
      return;
    }
    askForPassword(accountConfirm, false);
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

  loadSessions();

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
    const password = typedPassword(deleteConfirm);
    const confirmation = password === undefined ? undefined : { current_password: password };
    const result = await busy(submitButton(deleteForm), () =>
      request(`/api/users/${encodeURIComponent(user.id)}`, {
        method: "DELETE",
        json: confirmation,
        auth: true,
      }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (needsPassword(result)) {
      askForPassword(deleteConfirm, true).focus();
      setMessage(deleteError, "Please enter your current password to delete your account.");
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

/** One row of the session list. The user agent is the client's own text: set as text only. */
function sessionRow(session) {
  const row = document.createElement("li");
  row.className = "session";
  row.dataset.sessionId = session.id;
  const about = document.createElement("div");
  const device = document.createElement("p");
  device.className = "session-device";
  device.textContent = session.user_agent || "Unknown device";
  if (session.current) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "This device";
    device.append(" ", badge);
  }
  const times = document.createElement("p");
  times.className = "muted session-times";
  times.textContent =
    `Logged in ${when.format(new Date(session.created_at))}` +
    ` \u00b7 last active ${when.format(new Date(session.last_used_at))}`;
  about.append(device, times);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-ghost";
  button.textContent = "Log out";
  button.setAttribute("aria-label", `Log out ${device.textContent}`);
  button.addEventListener("click", () => endSession(session, button, row));
  row.append(about, button);
  return row;
}

async function loadSessions() {
  const result = await request("/api/users/me/sessions", { auth: true });
  sessionsLoading.hidden = true;
  if (result.status === 401) {
    redirectToLogin();
    return;
  }
  if (!result.ok) {
    setMessage(sessionsError, result.message);
    return;
  }
  sessionList.replaceChildren(...result.data.map(sessionRow));
}

async function endSession(session, button, row) {
  setMessage(sessionsStatus, "");
  setMessage(sessionsError, "");
  const result = await busy(button, () =>
    request(`/api/users/me/sessions/${encodeURIComponent(session.id)}`, {
      method: "DELETE",
      auth: true,
    }),
  );
  if (session.current && (result.ok || result.status === 401)) {
    // This device's own session is over: its token no longer works.
    clearToken();
    window.location.assign("/login");
    return;
  }
  if (result.status === 401) {
    redirectToLogin();
    return;
  }
  // 404: it had ended already (expired, or logged out elsewhere); either way it is gone.
  if (!result.ok && result.status !== 404) {
    setMessage(sessionsError, result.message);
    return;
  }
  row.remove();
  setMessage(sessionsStatus, "That session was logged out.");
}
