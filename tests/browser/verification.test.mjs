// Email verification in Chromium, against a server that requires it: a new account cannot
// sign in (403 Email not verified), the link mailed at registration opens the verify page,
// which verifies nothing until its button is pressed, and once pressed the account signs in.
//
//   QUILL_REQUIRED_BASE_URL=http://127.0.0.1:8001 QUILL_REQUIRED_MAIL_DIR=mail \
//     node --test tests/browser/verification.test.mjs
//
// The server at QUILL_REQUIRED_BASE_URL runs with EMAIL_VERIFICATION=required and writes each
// mail as an .eml file into QUILL_REQUIRED_MAIL_DIR; its PUBLIC_BASE_URL is that base URL.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, makeUser } from "./helpers.mjs";
import { linkMailedTo } from "./mail.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";
// Quotes and angle brackets end the link too, in case the mail has an HTML part.
const VERIFY_LINK = /(https?:\/\/[^\s"'<>]+\/verify-email#token=[A-Za-z0-9_-]+)/;

async function tokenAnswer(base, email, password) {
  const response = await fetch(`${base}/api/users/token`, {
    method: "POST",
    body: new URLSearchParams({ username: email, password }),
  });
  return { status: response.status, body: await response.json() };
}

test("a required email is verified by a click on the mailed link, then the account signs in", { timeout: 120_000 }, async (t) => {
  const rawBase = process.env.QUILL_REQUIRED_BASE_URL;
  assert.ok(rawBase, "QUILL_REQUIRED_BASE_URL must be set to a server with EMAIL_VERIFICATION=required");
  const base = rawBase.replace(/\/+$/, "");
  const mailDir = process.env.QUILL_REQUIRED_MAIL_DIR;
  assert.ok(mailDir, "QUILL_REQUIRED_MAIL_DIR must be set to that server's mail folder");
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const user = makeUser("verify");
  const registered = await fetch(`${base}/api/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(user),
  });
  assert.equal(registered.status, 201, await registered.text());

  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const session = await Session.open(browser, "verify", base);
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
    let link;
    await step("before verifying, the right password is answered 403 Email not verified", async () => {
      const answer = await tokenAnswer(base, user.email, user.password);
      assert.equal(answer.status, 403);
      assert.deepEqual(answer.body, { detail: "Email not verified" });
      link = await linkMailedTo(mailDir, user.email, VERIFY_LINK);
    });
    await step("opening the link verifies nothing until the button is pressed", async () => {
      const { page } = session;
      await page.goto(link);
      await page.getByRole("button", { name: "Confirm my email address" }).waitFor();
      const url = new URL(page.url());
      assert.equal(url.hash, "", "the token is dropped from the address bar");
      const answer = await tokenAnswer(base, user.email, user.password);
      assert.equal(answer.status, 403, "opening the page alone verified the email");
    });
    await step("pressing the button verifies the email, and the account signs in", async () => {
      const { page } = session;
      await page.getByRole("button", { name: "Confirm my email address" }).click();
      await page.locator("#verify-status").filter({ hasText: "Email verified" }).waitFor();
      await page.locator("#verify-done").waitFor();
      const answer = await tokenAnswer(base, user.email, user.password);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.token_type, "bearer");
    });
  } finally {
    await session.close();
    await browser.close();
  }
});
