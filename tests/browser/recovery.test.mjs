// Password reset by email in Chromium: "Forgot password?" on the login page asks for a link,
// the link arrives in the mail the server writes to its mail folder, the reset page takes the
// token from the fragment (and drops it from the address bar), refuses mismatched passwords
// without asking the server, sets the new password and sends the user to log in with it.
//
//   QUILL_BASE_URL=http://127.0.0.1:8000 QUILL_MAIL_DIR=mail node --test tests/browser/recovery.test.mjs
//
// QUILL_MAIL_DIR is the folder where the server under test writes each mail as an .eml file
// (its MAIL_DIR, with no SMTP_HOST); the server's PUBLIC_BASE_URL must be QUILL_BASE_URL.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, loginThroughUi, makeUser } from "./helpers.mjs";
import { linkMailedTo } from "./mail.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";
const SENT = "If an account with that email exists, a password reset link has been sent.";
// Quotes and angle brackets end the link too, in case the mail has an HTML part.
const RESET_LINK = /(https?:\/\/[^\s"'<>]+\/reset-password#token=[A-Za-z0-9_-]+)/;

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

async function tokenStatus(base, email, password) {
  const response = await fetch(`${base}/api/users/token`, {
    method: "POST",
    body: new URLSearchParams({ username: email, password }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Waits for the mail with the reset link for `email`; delivery happens after the answer. */
function resetLinkFor(dir, email) {
  return linkMailedTo(dir, email, RESET_LINK);
}

test("a forgotten password is reset through the emailed link", { timeout: 120_000 }, async (t) => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL");
  const base = rawBase.replace(/\/+$/, "");
  const mailDir = process.env.QUILL_MAIL_DIR;
  assert.ok(
    mailDir,
    "QUILL_MAIL_DIR must be set to the folder where the server under test writes its mails (.eml files)",
  );
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const user = makeUser("recovery");
  const oldPassword = user.password;
  const newPassword = `${oldPassword}-reset`;
  await register(base, user);

  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const session = await Session.open(browser, "recovery", base);
  // Each step needs the one before (the mail needs the request, the reset needs the link):
  // after a failure the rest are skipped rather than failing for the same reason.
  let failed = false;
  const step = (name, fn) =>
    t.test(name, { skip: failed ? "an earlier step failed" : false }, async () => {
      try {
        await fn();
        session.assertClean(name);
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  try {
    const { page } = session;
    const form = page.locator("#reset-form");
    let link;

    await step("the reset page without a token says the link is incomplete", async () => {
      await session.goto("/reset-password");
      await page.getByText("This password reset link is incomplete").waitFor();
      assert.ok(await form.isHidden(), "no form without a token");
      const again = page.getByRole("link", { name: "Request a new reset link", exact: true });
      assert.equal(await again.getAttribute("href"), "/forgot-password");
    });

    await step("the login page links to the forgot-password page, which sends the link", async () => {
      await session.goto("/login");
      assert.equal(await session.authState(), "out");
      await page.getByRole("link", { name: "Forgot password?", exact: true }).click();
      await session.waitForPath("/forgot-password");
      await page.getByLabel("Email", { exact: true }).fill(user.email);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await page.getByRole("status").filter({ hasText: SENT }).waitFor();
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert.equal(focused, "forgot-status", "focus moves to the answer");
    });

    await step("the mail carries a link to the reset page on the public base URL", async () => {
      link = await resetLinkFor(mailDir, user.email);
      const url = new URL(link);
      assert.equal(url.origin, new URL(base).origin, `the link ${link} is on ${base}`);
      assert.equal(url.pathname, "/reset-password");
    });

    await step("mismatched passwords are refused without asking the server", async () => {
      await session.goto(link);
      await page.getByLabel("New password", { exact: true }).waitFor();
      assert.equal(new URL(page.url()).hash, "", "the token is removed from the address bar");
      await page.getByLabel("New password", { exact: true }).fill(newPassword);
      await page.getByLabel("Confirm new password").fill(`${newPassword}-typo`);
      const mark = session.requests.length;
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByRole("alert").filter({ hasText: "Passwords do not match." }).waitFor();
      await page.waitForTimeout(300);
      assert.deepEqual(session.apiRequestsSince(mark), [], "mismatched passwords must not reach the API");
    });

    await step("the new password is set, and the user logs in with it", async () => {
      await page.getByLabel("Confirm new password").fill(newPassword);
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByRole("status").filter({ hasText: "Password has been reset successfully" }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), "reset-status");
      assert.ok(await form.isHidden(), "the form is gone after the reset");
      assert.equal(await session.token(), null, "a reset does not log in");

      await page.getByRole("link", { name: "Log in", exact: true }).click();
      await session.waitForPath("/login");
      assert.equal(await session.authState(), "out");
      user.password = newPassword;
      await loginThroughUi(session, user);
      await session.nav().getByRole("link", { name: user.username, exact: true }).waitFor();
      assert.equal(await tokenStatus(base, user.email, oldPassword), 401, "the old password is refused");
    });

    await step("the link works once: a second use asks for a new one", async () => {
      await session.goto(link);
      await page.getByLabel("New password", { exact: true }).fill(`${newPassword}-again`);
      await page.getByLabel("Confirm new password").fill(`${newPassword}-again`);
      session.allow(400, "/api/users/reset-password");
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.getByRole("alert").filter({ hasText: "Invalid or expired reset token" }).waitFor();
      assert.ok(await form.isHidden(), "no retry with a dead token");
      const again = page.getByRole("link", { name: "Request a new reset link", exact: true });
      assert.equal(await again.getAttribute("href"), "/forgot-password");
      assert.equal(await tokenStatus(base, user.email, newPassword), 200, "the new password still works");
    });
  } finally {
    await session.close().catch(() => {});
    await browser.close();
  }
});
