// The interactive API docs at /docs in Chromium: Swagger UI served by quill itself logs in
// through its Authorize dialog with a real account (email and password, OAuth2 password
// flow against /api/users/token) and then runs GET /api/users/me from the page.
//
//   QUILL_BASE_URL=http://127.0.0.1:8000 node --test tests/browser/docs.test.mjs
//
// No request may leave the server's origin and the page may log no error (a Content-Security-
// Policy violation would be one).

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, makeUser } from "./helpers.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";

async function register(base, user) {
  const response = await fetch(`${base}/api/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(user),
  });
  const text = await response.text();
  assert.equal(response.status, 201, `registering ${user.email}: ${text}`);
  return JSON.parse(text);
}

test("the /docs page authorizes with a real account and calls GET /api/users/me", { timeout: 120_000 }, async () => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL");
  const base = rawBase.replace(/\/+$/, "");
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const user = makeUser("docs");
  const account = await register(base, user);

  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const session = await Session.open(browser, "docs", base);
  try {
    const { page } = session;
    await session.goto("/docs");
    await page.locator(".swagger-ui .info .title").filter({ hasText: "quill" }).waitFor();
    // Both tags and the protected route are listed from the document.
    await page.locator("#operations-tag-users").waitFor();
    await page.locator("#operations-tag-posts").waitFor();
    const me = page.locator("#operations-users-read_me");
    await me.waitFor();

    // Authorize: the dialog offers the password flow against the token route.
    await page.locator(".auth-wrapper button.authorize").click();
    const dialog = page.locator(".dialog-ux .modal-ux");
    await dialog.waitFor();
    await dialog.getByText("/api/users/token").first().waitFor();
    await dialog.locator("#oauth_username").fill(user.email);
    await dialog.locator("#oauth_password").fill(user.password);
    const tokenResponse = page.waitForResponse(
      (r) => r.url() === `${base}/api/users/token` && r.request().method() === "POST",
    );
    // Swagger UI names this button "Apply given OAuth2 credentials" for assistive tech.
    await dialog.locator(".auth-btn-wrapper button.authorize").click();
    const login = await tokenResponse;
    assert.equal(login.status(), 200, "the Authorize dialog logs in");
    const sent = new URLSearchParams(login.request().postData() || "");
    assert.equal(sent.get("grant_type"), "password");
    assert.equal(sent.get("username"), user.email);
    await dialog.locator(".auth-btn-wrapper button", { hasText: "Logout" }).waitFor();
    await dialog.locator(".auth-btn-wrapper button.btn-done").click();
    await dialog.waitFor({ state: "detached" });

    // Try GET /api/users/me from the page.
    await me.locator(".opblock-summary-control").click();
    await me.getByRole("button", { name: "Try it out" }).click();
    const meResponse = page.waitForResponse(
      (r) => r.url() === `${base}/api/users/me` && r.request().method() === "GET",
    );
    await me.getByRole("button", { name: "Execute" }).click();
    const called = await meResponse;
    assert.equal(called.status(), 200);
    const authorization = await called.request().headerValue("authorization");
    assert.match(authorization || "", /^Bearer \S+$/, "the call carries the token");
    const body = await called.json();
    assert.equal(body.id, account.id);
    assert.equal(body.email, user.email);

    // And the page shows it.
    const live = me.locator(".live-responses-table");
    await live.locator(".response-col_status").filter({ hasText: "200" }).waitFor();
    await live.getByText(user.email).first().waitFor();

    session.assertClean("authorize and try GET /api/users/me");
    assert.ok(
      session.requests.some((r) => r.url === `${base}/openapi.json`),
      "the page loads quill's own document",
    );
  } finally {
    await session.close().catch(() => {});
    await browser.close();
  }
});
