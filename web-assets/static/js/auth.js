// Login state: the access token in localStorage and the current user.

const TOKEN_KEY = "access_token";

// undefined: not asked yet; null: nobody is logged in; object: the user.
let currentUser;
let pending = null;

export function getToken() {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  try {
    window.localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Nothing else can be done when storage is unavailable.
  }
  currentUser = undefined;
}

export function clearToken() {
  try {
    window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Ignore: storage unavailable.
  }
}

/** Adds the bearer token (when there is one) to a fetch call. */
export function authFetch(url, options = {}) {
  const headers = new Headers(options.headers || {});
  const token = getToken();
  if (token) {
    headers.set("Authorization", `Bearer ${token}`);
  }
  return fetch(url, { ...options, headers });
}

/**
 * The logged-in user (`/api/users/me`), or null. Asks the server at most once
 * per page load; concurrent callers share the same request.
 */
export function getCurrentUser() {
  if (currentUser !== undefined) {
    return Promise.resolve(currentUser);
  }
  if (pending) {
    return pending;
  }
  const token = getToken();
  if (!token) {
    currentUser = null;
    return Promise.resolve(null);
  }
  pending = fetch("/api/users/me", {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
  })
    .then(async (response) => {
      if (response.status === 401) {
        clearToken();
        return null;
      }
      if (!response.ok) {
        return null;
      }
      return response.json();
    })
    .catch(() => null)
    .then((user) => {
      currentUser = user;
      pending = null;
      return user;
    });
  return pending;
}

/** Replaces the cached user after the account has been changed. */
export function updateCurrentUser(user) {
  currentUser = user;
}

export async function logout({ revoke = true } = {}) {
  const token = getToken();
  if (token && revoke) {
    // Revoke the token on the server too, so a copy of it is useless. Best effort: the
    // local token goes whatever the answer (it may already be invalid).
    try {
      await fetch("/api/users/logout", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        keepalive: true,
      });
    } catch {
      // Offline: forgetting the token locally is all that can be done.
    }
  }
  clearToken();
  currentUser = null;
  pending = null;
  window.location.assign("/");
}
