// Small helpers around fetch for the JSON API.

import { authFetch, clearToken } from "./auth.js";

const LOCATION_PREFIXES = new Set(["body", "query", "path", "header", "cookie"]);

function describeItem(item) {
  if (item === null || typeof item !== "object") {
    return String(item);
  }
  const msg = typeof item.msg === "string" ? item.msg : "Invalid value";
  const loc = Array.isArray(item.loc) ? item.loc.slice() : [];
  if (loc.length > 1 && LOCATION_PREFIXES.has(loc[0])) {
    loc.shift();
  } else if (loc.length === 1 && LOCATION_PREFIXES.has(loc[0])) {
    loc.shift();
  }
  return loc.length ? `${loc.join(".")}: ${msg}` : msg;
}

/**
 * Turns an API error body into one readable message. Handles
 * `{"detail": "text"}` and the validation shape
 * `{"detail": [{"loc": [...], "msg": "..."}, ...]}`.
 */
export function errorMessage(body, fallback = "Something went wrong. Please try again.") {
  if (body === null || body === undefined) {
    return fallback;
  }
  if (typeof body === "string") {
    return body || fallback;
  }
  const detail = body.detail;
  if (typeof detail === "string" && detail) {
    return detail;
  }
  if (Array.isArray(detail) && detail.length) {
    return detail.map(describeItem).join("\n");
  }
  if (detail && typeof detail === "object") {
    return describeItem(detail);
  }
  return fallback;
}

/**
 * Sends a request and reads the reply. Never throws: the result is
 * `{ok, status, data, message}`; `message` is set when `ok` is false.
 * Options: `method`, `json` (sent as JSON), `form` (sent urlencoded),
 * `multipart` (a FormData, sent as multipart/form-data), `auth` (adds the bearer token).
 */
export async function request(url, { method = "GET", json, form, multipart, auth = false } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  } else if (multipart !== undefined) {
    // No Content-Type here: the browser writes it, with the boundary it chose.
    body = multipart;
  }
  const send = auth ? authFetch : fetch;
  let response;
  try {
    response = await send(url, { method, headers, body });
  } catch {
    return {
      ok: false,
      status: 0,
      data: null,
      message: "Could not reach the server. Check your connection and try again.",
    };
  }
  let data = null;
  if (response.status !== 204) {
    try {
      const text = await response.text();
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
  }
  return {
    ok: response.ok,
    status: response.status,
    data,
    message: response.ok ? "" : errorMessage(data, `Request failed (HTTP ${response.status}).`),
  };
}

/** Exchanges an email and password for a token (OAuth2 password form). */
export function requestToken(email, password) {
  return request("/api/users/token", {
    method: "POST",
    form: { username: email, password },
  });
}

/** Asks for a password reset link by email; the answer is the same for unknown emails. */
export function requestPasswordReset(email) {
  return request("/api/users/forgot-password", { method: "POST", json: { email } });
}

/** Sets a new password with the token from a reset link. Returns no access token. */
export function resetPassword(token, newPassword) {
  return request("/api/users/reset-password", {
    method: "POST",
    json: { token, new_password: newPassword },
  });
}

/** Verifies an email with the token from a verification link. Returns no access token. */
export function verifyEmail(token) {
  return request("/api/users/verify-email", { method: "POST", json: { token } });
}

/** For a 401 on an authenticated call: the session is gone, log in again. */
export function redirectToLogin() {
  clearToken();
  window.location.assign("/login");
}
