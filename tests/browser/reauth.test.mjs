// Recent authentication in Chromium: with a sign-in too old for it (a token that does not
// say when its account authenticated, as the original's), a new email on the account page
// asks for the current password and goes through with it, and so does deleting the account.
//
//   QUILL_BASE_URL=http://127.0.0.1:8000 QUILL_SECRET_KEY=... node --test tests/browser/reauth.test.mjs

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, makeUser } from "./helpers.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";

function base64url(value) {
  return Buffer.from(value).toString("base64url");
}

/** A token as the original service issued them: `sub` and `exp` only, signed with the key. */
function originalToken(userId, key) {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const exp = Math.floor(Date.now() / 1000) + 600;
  const claims = base64url(JSON.stringify({ sub: String(userId), exp }));
  const signature = createHmac("sha256", key).update(`${header}.${claims}`).digest("base64url");
  return `${header}.${claims}.${signature}`;
}

async function register(base, user) {
  const response = await fetch(`${base}/api/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: user.username, email: user.email, password: user.password }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).id;
}

test("an old sign-in confirms a new email and the deletion with the password", { timeout: 120_000 }, async (t) => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL");
  const key = process.env.QUILL_SECRET_KEY;
  assert.ok(key, "QUILL_SECRET_KEY must be set to the server's SECRET_KEY");
  const base = rawBase.replace(/\/+$/, "");
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const user = makeUser("reauth");
  const id = await register(base, user);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const session = await Session.open(browser, "reauth", base);
  try {
    const { page } = session;
    await session.goto("/");
    await page.evaluate((token) => window.localStorage.setItem("access_token", token), originalToken(id, key));

    await t.test("a new email asks for the current password, then goes through", async () => {
      await session.goto("/account");
      await page.locator("#account:not([hidden])").waitFor();
      const form = page.locator("#account-form");
      const password = form.getByLabel("Current password");
      assert.equal(await password.isVisible(), false, "no password asked before the server wants one");
      const moved = `moved_${user.email}`;
      await form.getByLabel("Email", { exact: true }).fill(moved);
      session.allow(403, `/api/users/${id}`);
      await form.getByRole("button", { name: "Save changes" }).click();
      await page.locator("#account-error").filter({ hasText: "current password" }).waitFor();
      await password.waitFor();
      assert.equal(await password.evaluate((input) => input === document.activeElement), true);

      session.allow(400, `/api/users/${id}`);
      await password.fill("not-the-password");
      await form.getByRole("button", { name: "Save changes" }).click();
      await page.locator("#account-error").filter({ hasText: "Current password is incorrect" }).waitFor();

      await password.fill(user.password);
      await form.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("status").filter({ hasText: "Your account has been updated." }).waitFor();
      await page.locator("#account-email").filter({ hasText: moved }).waitFor();
      assert.equal(await password.isVisible(), false, "the field goes once it has done its work");
      session.assertClean("email change");
    });

    await t.test("deleting the account asks for the current password, then goes through", async () => {
      await page.getByRole("button", { name: "Delete account" }).click();
      const dialog = page.getByRole("dialog");
      const password = dialog.getByLabel("Current password");
      assert.equal(await password.isVisible(), false);
      session.allow(403, `/api/users/${id}`);
      await dialog.getByRole("button", { name: "Delete my account" }).click();
      await dialog.locator("#delete-account-error").filter({ hasText: "current password" }).waitFor();
      await password.waitFor();
      await password.fill(user.password);
      await dialog.getByRole("button", { name: "Delete my account" }).click();
      await session.waitForPath("/");
      assert.equal(await session.authState(), "out");
      const gone = await fetch(`${base}/api/users/${id}`);
      await gone.arrayBuffer();
      assert.equal(gone.status, 404, "the account is gone");
      session.allow(404, `/api/users/${id}`);
      session.assertClean("deletion");
    });
  } finally {
    await session.close().catch(() => {});
    await browser.close();
  }
});
