// Sessions in Chromium: the account page changes the password (earlier tokens stop working,
// the page keeps going with the fresh one), lists the sessions with this device marked and
// logs one of them out, "Log out everywhere" revokes every token and returns to /login, and
// the navbar's Logout revokes its token on the server too.
//
//   QUILL_BASE_URL=http://127.0.0.1:8000 node --test tests/browser/sessions.test.mjs

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, loginThroughUi, makeUser, registerThroughUi } from "./helpers.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";

/** Logs in from "another device": a token of a session of its own, with its own User-Agent. */
async function loginElsewhere(base, user, userAgent) {
  const response = await fetch(`${base}/api/users/token`, {
    method: "POST",
    headers: { "User-Agent": userAgent },
    body: new URLSearchParams({ username: user.email, password: user.password }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

async function meStatus(base, token) {
  const response = await fetch(`${base}/api/users/me`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

test("passwords change and sessions end from the account page and the navbar", { timeout: 120_000 }, async (t) => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL");
  const base = rawBase.replace(/\/+$/, "");
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const user = makeUser("sessions");
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const session = await Session.open(browser, "sessions", base);
  try {
    const { page } = session;
    await t.test("the navbar's Logout revokes the token on the server", async () => {
      await registerThroughUi(session, user);
      const token = await session.token();
      // Logout goes to "/", where registration already landed: wait for the new page itself.
      await Promise.all([
        page.waitForEvent("load"),
        session.nav().getByRole("button", { name: "Logout" }).click(),
      ]);
      assert.equal(await session.authState(), "out");
      assert.equal(await session.token(), null);
      assert.equal(await meStatus(base, token), 401, "the logged-out token is revoked");
      session.assertClean("logout");
    });

    await t.test("a password change keeps this session and ends the others", async () => {
      await loginThroughUi(session, user);
      const before = await session.token();
      await session.goto("/account");
      await page.locator("#account:not([hidden])").waitFor();
      const form = page.locator("#password-form");
      await form.getByLabel("Current password").fill("not my password");
      await form.getByLabel("New password", { exact: true }).fill("a-brand-new-password");
      await form.getByLabel("Confirm new password").fill("a-brand-new-password");
      session.allow(400, "/api/users/me/password");
      await form.getByRole("button", { name: "Change password" }).click();
      await page.locator("#password-error").filter({ hasText: "Current password is incorrect" }).waitFor();

      await form.getByLabel("Current password").fill(user.password);
      await form.getByRole("button", { name: "Change password" }).click();
      await page.locator("#password-status").filter({ hasText: "Password changed" }).waitFor();
      const after = await session.token();
      assert.notEqual(after, before, "the page now holds the fresh token");
      assert.equal(await meStatus(base, before), 401, "the earlier token is revoked");
      assert.equal(await meStatus(base, after), 200, "the fresh token works");
      user.password = "a-brand-new-password";
      session.assertClean("password change");
    });

    await t.test("the session list marks this device and logs another one out", async () => {
      const elsewhere = await loginElsewhere(base, user, "OtherDevice/1.0 <b>not markup</b>");
      await session.goto("/account");
      const list = page.locator("#session-list");
      const other = list.locator("li", { hasText: "OtherDevice/1.0" });
      await other.waitFor();
      assert.equal(await other.locator("b").count(), 0, "a user agent is shown as text, never markup");
      const mine = list.locator("li", { hasText: "This device" });
      assert.equal(await mine.count(), 1, "exactly one session is this device's");
      await other.getByRole("button", { name: /^Log out/ }).click();
      await page.locator("#sessions-status").filter({ hasText: "logged out" }).waitFor();
      await other.waitFor({ state: "detached" });
      assert.equal(await meStatus(base, elsewhere), 401, "the other device's token is refused");
      assert.equal(await meStatus(base, await session.token()), 200, "this device stays logged in");
      session.assertClean("ending one session");
    });

    await t.test("Log out everywhere revokes every token and returns to the login page", async () => {
      const current = await session.token();
      await page.getByRole("button", { name: "Log out everywhere" }).click();
      await session.waitForPath("/login");
      assert.equal(await session.token(), null);
      assert.equal(await meStatus(base, current), 401);
      await loginThroughUi(session, user);
      assert.equal(await meStatus(base, await session.token()), 200, "a later login works");
      session.assertClean("log out everywhere");
    });
  } finally {
    await session.close().catch(() => {});
    await browser.close();
  }
});
