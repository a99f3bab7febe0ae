// Helpers for the browser test: a tracked browser context per user, form
// filling, screenshots.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh user with names that do not collide with earlier runs. */
export function makeUser(prefix) {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  return {
    username: `${prefix}_${id}`,
    email: `${prefix}_${id}@example.com`,
    password: `pw-${id}-Secret!`,
  };
}

/**
 * One browser context with one page, recording console errors, page errors
 * and every request so that each step can assert nothing unexpected happened.
 * HTTP error statuses the test provokes on purpose are declared with allow().
 */
export class Session {
  constructor(label, baseUrl, context, page) {
    this.label = label;
    this.baseUrl = baseUrl;
    this.context = context;
    this.page = page;
    this.consoleErrors = [];
    this.offOrigin = [];
    this.requests = [];
    this.allowed = [];
  }

  static async open(browser, label, baseUrl) {
    const context = await browser.newContext({
      baseURL: baseUrl,
      viewport: { width: 1100, height: 800 },
      colorScheme: "light",
      serviceWorkers: "block",
    });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(20_000);
    const page = await context.newPage();
    const session = new Session(label, baseUrl, context, page);
    context.on("request", (request) => {
      const url = request.url();
      session.requests.push({ method: request.method(), url });
      if (!session.sameOrigin(url)) {
        session.offOrigin.push(url);
      }
    });
    page.on("console", (message) => {
      if (message.type() === "error") {
        session.consoleErrors.push({ text: message.text(), url: message.location().url || "" });
      }
    });
    page.on("pageerror", (error) => {
      session.consoleErrors.push({ text: `uncaught: ${error.message}`, url: "", uncaught: true });
    });
    return session;
  }

  sameOrigin(url) {
    return url === this.baseUrl || url.startsWith(`${this.baseUrl}/`);
  }

  /** The browser logs "Failed to load resource" for a deliberate 4xx: allow it. */
  allow(status, pathname) {
    this.allowed.push({ status, url: `${this.baseUrl}${pathname}` });
  }

  isAllowed(entry) {
    if (entry.uncaught) {
      return false;
    }
    const match = /status of (\d{3})/.exec(entry.text);
    if (!match) {
      return false;
    }
    const status = Number(match[1]);
    const url = entry.url.split("?")[0];
    return this.allowed.some((a) => a.status === status && a.url === url);
  }

  /** Requests made since `mark` (an index from requests.length) to an API path. */
  apiRequestsSince(mark) {
    return this.requests
      .slice(mark)
      .filter((r) => new URL(r.url).pathname.startsWith("/api/"));
  }

  /** Fails on unexpected console errors or off-origin requests, then resets. */
  assertClean(where) {
    const unexpected = this.consoleErrors.filter((e) => !this.isAllowed(e));
    assert.deepEqual(
      unexpected,
      [],
      `${this.label}: unexpected console errors during "${where}"`,
    );
    assert.deepEqual(
      this.offOrigin,
      [],
      `${this.label}: requests left ${this.baseUrl} during "${where}"`,
    );
    this.consoleErrors = [];
    this.allowed = [];
  }

  nav() {
    return this.page.getByRole("navigation", { name: "Main" });
  }

  /** Waits until nav.js has decided the login state; returns "in" or "out". */
  async authState() {
    const html = this.page.locator('html[data-auth="in"], html[data-auth="out"]');
    await html.waitFor({ state: "attached" });
    return html.getAttribute("data-auth");
  }

  async token() {
    return this.page.evaluate(() => window.localStorage.getItem("access_token"));
  }

  async goto(pathname) {
    return this.page.goto(pathname, { waitUntil: "load" });
  }

  async waitForPath(pathname) {
    await this.page.waitForURL((url) => url.pathname === pathname);
  }

  async close() {
    await this.context.close();
  }
}

/** Fills the register form (the page must be open). */
export async function fillRegisterForm(page, { username, email, password, confirm }) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(confirm ?? password);
}

/** Registers through the UI; registration logs in and lands on `/`. */
export async function registerThroughUi(session, user) {
  await session.goto("/register");
  await fillRegisterForm(session.page, user);
  await session.page.getByRole("button", { name: "Sign up" }).click();
  await session.waitForPath("/");
  assert.equal(await session.authState(), "in", `${session.label}: logged in after registering`);
}

/** Logs in through the UI and lands on `/`. */
export async function loginThroughUi(session, user) {
  await session.goto("/login");
  await session.page.getByLabel("Email", { exact: true }).fill(user.email);
  await session.page.getByLabel("Password").fill(user.password);
  await session.page.getByRole("button", { name: "Log in" }).click();
  await session.waitForPath("/");
  assert.equal(await session.authState(), "in", `${session.label}: logged in`);
}

/**
 * Full-page screenshots of the current page in the light and dark themes
 * (`<dir>/<name>-light.png`, `<dir>/<name>-dark.png`). `ready` waits for
 * anything the page fills in after load.
 */
export async function screenshotThemes(session, dir, name, ready = async () => {}) {
  const { page } = session;
  const seen = {};
  for (const theme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: theme });
    await page.evaluate((t) => window.localStorage.setItem("theme", t), theme);
    await page.reload({ waitUntil: "load" });
    await session.authState();
    await ready();
    const applied = await page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      background: getComputedStyle(document.body).backgroundColor,
    }));
    assert.equal(applied.theme, theme, `${name}: data-theme applied from localStorage`);
    seen[theme] = applied.background;
    await page.screenshot({ path: path.join(dir, `${name}-${theme}.png`), fullPage: true });
  }
  assert.notEqual(seen.light, seen.dark, `${name}: light and dark backgrounds differ`);
  await page.evaluate(() => window.localStorage.removeItem("theme"));
  await page.emulateMedia({ colorScheme: "light" });
  await page.reload({ waitUntil: "load" });
  await session.authState();
  await ready();
}
