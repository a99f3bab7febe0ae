// End-to-end test of the quill pages in Chromium.
//
//   npm ci --prefix tests/browser
//   QUILL_BASE_URL=http://127.0.0.1:8000 node --test tests/browser/
//
// The server must be running with a database this test may write to.
// Screenshots go to <repo>/target/browser-screenshots/.

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import {
  CHROMIUM_ARGS,
  Session,
  fillRegisterForm,
  loginThroughUi,
  makeUser,
  registerThroughUi,
  screenshotThemes,
} from "./helpers.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCREENSHOT_DIR = path.resolve(HERE, "..", "..", "target", "browser-screenshots");
const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";

test("quill pages work end to end in a real browser", { timeout: 240_000 }, async (t) => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL, e.g. http://127.0.0.1:8000");
  const base = rawBase.replace(/\/+$/, "");
  assert.match(base, /^https?:\/\/[^/]+$/, "QUILL_BASE_URL must be scheme://host:port with no path");
  assert.ok(
    existsSync(CHROMIUM_PATH),
    `Chromium not found at ${CHROMIUM_PATH} (install it: apt-get install -y chromium)`,
  );
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const sessions = [];
  let failed = false;

  // Runs one step as a subtest; after a failure the rest are skipped (the
  // parent test still fails). Every step ends with no unexpected console
  // error and no request off the server's origin, in every open session.
  const step = (name, fn) =>
    t.test(name, { skip: failed ? "an earlier step failed" : false }, async () => {
      try {
        await fn();
        for (const session of sessions) {
          session.assertClean(name);
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  try {
    const alice = makeUser("alice");
    const bob = makeUser("bob");
    const a = await Session.open(browser, "user A", base);
    sessions.push(a);
    let b;
    let postId;
    const title = `A first post ${alice.username.slice(-6)}`;
    const editedTitle = `${title} (edited)`;
    const content = 'First line\n<b>not bold</b> & "quoted"\n\n  indented last line';

    await step("register page: password mismatch, common password, registration, duplicate email", async () => {
      const { page } = a;
      await a.goto("/register");
      assert.equal(await a.authState(), "out");
      await fillRegisterForm(page, { ...alice, confirm: `${alice.password}-typo` });
      const mark = a.requests.length;
      await page.getByRole("button", { name: "Sign up" }).click();
      await page.getByRole("alert").filter({ hasText: "Passwords do not match" }).waitFor();
      await page.waitForTimeout(300);
      assert.deepEqual(a.apiRequestsSince(mark), [], "mismatched passwords must not reach the API");

      a.allow(422, "/api/users");
      await fillRegisterForm(page, { ...alice, password: "Password1!", confirm: "Password1!" });
      await page.getByRole("button", { name: "Sign up" }).click();
      await page
        .getByRole("alert")
        .filter({ hasText: "password: This password is too common. Choose a less predictable one" })
        .waitFor();
      assert.equal(new URL(page.url()).pathname, "/register");

      await fillRegisterForm(page, alice);
      await page.getByRole("button", { name: "Sign up" }).click();
      await a.waitForPath("/");
      assert.equal(await a.authState(), "in");
      assert.ok(await a.token(), "registration logs in and stores the token");

      await a.goto("/register");
      a.allow(400, "/api/users");
      await fillRegisterForm(page, { ...alice, username: `${alice.username}_2` });
      await page.getByRole("button", { name: "Sign up" }).click();
      await page.getByRole("alert").filter({ hasText: "Email already registered" }).waitFor();
      assert.equal(new URL(page.url()).pathname, "/register");
    });

    await step("login: wrong password is reported, then the navbar switches", async () => {
      const { page } = a;
      await a.nav().getByRole("button", { name: "Logout" }).click();
      await a.waitForPath("/");
      assert.equal(await a.authState(), "out");
      assert.equal(await a.token(), null);

      await a.goto("/login");
      a.allow(401, "/api/users/token");
      await page.getByLabel("Email", { exact: true }).fill(alice.email);
      await page.getByLabel("Password").fill("definitely-wrong");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("alert").filter({ hasText: "Incorrect email or password" }).waitFor();
      assert.equal(await a.token(), null);

      await loginThroughUi(a, alice);
      const nav = a.nav();
      await nav.getByRole("link", { name: alice.username, exact: true }).waitFor();
      await nav.getByRole("button", { name: "New Post" }).waitFor();
      await nav.getByRole("link", { name: "Account", exact: true }).waitFor();
      await nav.getByRole("button", { name: "Logout" }).waitFor();
      assert.equal(await nav.getByRole("link", { name: "Login", exact: true }).count(), 0);
      assert.equal(await nav.getByRole("link", { name: "Register", exact: true }).count(), 0);
      const href = await nav.getByRole("link", { name: alice.username, exact: true }).getAttribute("href");
      assert.match(href, /^\/users\/\d+\/posts$/);
    });

    await step("theme toggle and keyboard use of the New Post dialog", async () => {
      const { page } = a;
      await page.emulateMedia({ colorScheme: "dark" });
      await page.reload();
      await a.authState();
      const themeOf = () =>
        page.evaluate(() => ({
          attr: document.documentElement.dataset.theme || null,
          stored: window.localStorage.getItem("theme"),
          background: getComputedStyle(document.body).backgroundColor,
        }));
      const systemDark = await themeOf();
      assert.equal(systemDark.attr, null, "no explicit theme by default");
      const toggle = page.getByRole("contentinfo").getByRole("button", { name: "Switch to light theme" });
      await toggle.click();
      const light = await themeOf();
      assert.equal(light.attr, "light");
      assert.equal(light.stored, "light");
      assert.notEqual(light.background, systemDark.background, "toggle changes the colours");
      await page.reload();
      await a.authState();
      assert.equal((await themeOf()).attr, "light", "choice remembered over the system preference");
      await page.evaluate(() => window.localStorage.removeItem("theme"));
      await page.emulateMedia({ colorScheme: "light" });
      await page.reload();
      await a.authState();

      const open = a.nav().getByRole("button", { name: "New Post" });
      await open.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "New post" });
      await dialog.waitFor();
      const focusInside = await page.evaluate(() => Boolean(document.activeElement?.closest("dialog[open]")));
      assert.ok(focusInside, "focus moves into the dialog");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
    });

    await step("create a post, see it on home, open it, edit it", async () => {
      const { page } = a;
      await a.nav().getByRole("button", { name: "New Post" }).click();
      const dialog = page.getByRole("dialog", { name: "New post" });
      await dialog.getByLabel("Title").fill(title);
      await dialog.getByLabel("Content").fill(content);
      await dialog.getByRole("button", { name: "Publish" }).click();
      await page.waitForURL((url) => /^\/posts\/\d+$/.test(url.pathname));
      postId = Number(new URL(page.url()).pathname.split("/").pop());
      assert.ok(postId > 0);

      await a.goto("/");
      const link = page.getByRole("link", { name: title, exact: true });
      await link.waitFor();
      assert.equal(await link.getAttribute("href"), `/posts/${postId}`);
      const card = page.locator("article").filter({ has: link });
      assert.equal(await card.locator(".post-content").textContent(), content, "content shown as text");
      assert.equal(await card.locator(".post-content b").count(), 0, "content is escaped");
      await card.getByRole("link", { name: alice.username, exact: true }).waitFor();
      const avatar = card.getByRole("img");
      assert.ok(await avatar.getAttribute("alt"), "avatar has alt text");
      const avatarLoaded = await avatar.evaluate((img) => img.complete && img.naturalWidth > 0);
      assert.ok(avatarLoaded, "default avatar image loads");
      const hrefs = await page.$$eval("a[href]", (links) => links.map((l) => l.getAttribute("href")));
      for (const href of hrefs) {
        assert.match(href, /^[/#]/, `links are relative: ${href}`);
      }
      await screenshotThemes(a, SCREENSHOT_DIR, "home", () => link.waitFor());

      await link.click();
      await a.waitForPath(`/posts/${postId}`);
      const heading = page.getByRole("heading", { level: 1 });
      assert.equal(await heading.textContent(), title);
      assert.equal(await page.locator("#post-content").textContent(), content);
      const edit = page.getByRole("button", { name: "Edit" });
      await edit.waitFor();
      await page.getByRole("button", { name: "Delete" }).waitFor();
      await screenshotThemes(a, SCREENSHOT_DIR, "post", () => edit.waitFor());

      await edit.click();
      const editDialog = page.getByRole("dialog", { name: "Edit post" });
      await editDialog.waitFor();
      const titleField = editDialog.getByLabel("Title");
      assert.equal(await titleField.inputValue(), title);
      await titleField.fill(editedTitle);
      await editDialog.getByRole("button", { name: "Save changes" }).click();
      await editDialog.waitFor({ state: "hidden" });
      await page.getByRole("heading", { level: 1, name: editedTitle, exact: true }).waitFor();
      await page.reload();
      assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), editedTitle);
      assert.equal(await page.locator("#post-content").textContent(), content);
    });

    await step("another user sees no Edit/Delete and cannot update the post", async () => {
      b = await Session.open(browser, "user B", base);
      sessions.push(b);
      await registerThroughUi(b, bob);
      await b.nav().getByRole("link", { name: bob.username, exact: true }).waitFor();
      await b.goto(`/posts/${postId}`);
      assert.equal(await b.authState(), "in");
      await b.page.locator('article[data-owner-checked="true"]').waitFor({ state: "attached" });
      assert.equal(await b.page.getByRole("button", { name: "Edit" }).count(), 0);
      assert.equal(await b.page.getByRole("button", { name: "Delete" }).count(), 0);

      b.allow(403, `/api/posts/${postId}`);
      const reply = await b.page.evaluate(async (id) => {
        const response = await fetch(`/api/posts/${id}`, {
          method: "PUT",
          headers: {
            "Content-Type": "application/json",
            Authorization: `Bearer ${window.localStorage.getItem("access_token")}`,
          },
          body: JSON.stringify({ title: "Taken over", content: "Not yours" }),
        });
        return { status: response.status, body: await response.json() };
      }, postId);
      assert.equal(reply.status, 403);
      assert.deepEqual(reply.body, { detail: "Not authorized to update this post" });
      await b.page.reload();
      assert.equal(await b.page.getByRole("heading", { level: 1 }).textContent(), editedTitle);
    });

    await step("the author deletes the post through the UI", async () => {
      const { page } = a;
      await a.goto(`/posts/${postId}`);
      await page.getByRole("button", { name: "Delete" }).click();
      const dialog = page.getByRole("dialog", { name: "Delete post?" });
      await dialog.waitFor();
      await dialog.getByRole("button", { name: "Delete post" }).click();
      await a.waitForPath("/");
      await a.authState();
      assert.equal(await page.getByRole("link", { name: editedTitle, exact: true }).count(), 0);
      a.allow(404, `/posts/${postId}`);
      const response = await a.goto(`/posts/${postId}`);
      assert.equal(response.status(), 404);
      await page.getByRole("heading", { name: "Oops... 404 Error" }).waitFor();
    });

    await step("account page: change the username, navbar follows", async () => {
      const { page } = a;
      await a.goto("/account");
      const username = page.getByLabel("Username");
      await username.waitFor();
      assert.equal(await username.inputValue(), alice.username);
      assert.equal(await page.getByLabel("Email", { exact: true }).inputValue(), alice.email);
      await page.getByRole("button", { name: "Delete account" }).waitFor();
      await screenshotThemes(a, SCREENSHOT_DIR, "account", () => username.waitFor());

      const renamed = `${alice.username}_new`;
      const mark = a.requests.length;
      await username.fill(renamed);
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("status").filter({ hasText: "Your account has been updated." }).waitFor();
      await a.nav().getByRole("link", { name: renamed, exact: true }).waitFor();
      const patches = a.apiRequestsSince(mark).filter((r) => r.method === "PATCH");
      assert.equal(patches.length, 1);
      await page.reload();
      await a.nav().getByRole("link", { name: renamed, exact: true }).waitFor();
      alice.username = renamed;
    });

    await step("logout returns the navbar to Login/Register", async () => {
      const { page } = a;
      await a.nav().getByRole("button", { name: "Logout" }).click();
      await a.waitForPath("/");
      assert.equal(await a.authState(), "out");
      assert.equal(await a.token(), null, "logout clears the token");
      const nav = a.nav();
      await nav.getByRole("link", { name: "Login", exact: true }).waitFor();
      await nav.getByRole("link", { name: "Register", exact: true }).waitFor();
      assert.equal(await nav.getByRole("button", { name: "New Post" }).count(), 0);
      assert.equal(await nav.getByRole("button", { name: "Logout" }).count(), 0);

      await a.goto("/account");
      await a.waitForPath("/login");
      await page.getByLabel("Email", { exact: true }).waitFor();
      await screenshotThemes(a, SCREENSHOT_DIR, "login", () => page.getByLabel("Email", { exact: true }).waitFor());
    });

    await step("a garbage token is cleared on the next page load", async () => {
      const { page } = a;
      await page.evaluate(() => window.localStorage.setItem("access_token", "garbage.token.value"));
      a.allow(401, "/api/users/me");
      await a.goto("/");
      assert.equal(await a.authState(), "out");
      assert.equal(await a.token(), null);
      await a.nav().getByRole("link", { name: "Login", exact: true }).waitFor();
    });

    await step("unknown pages render the error page", async () => {
      a.allow(404, "/no-such-page");
      const response = await a.goto("/no-such-page");
      assert.equal(response.status(), 404);
      await a.page.getByRole("heading", { name: "Oops... 404 Error" }).waitFor();
      await a.nav().getByRole("link", { name: "Login", exact: true }).waitFor();
    });
  } finally {
    for (const session of sessions) {
      await session.close().catch(() => {});
    }
    await browser.close();
  }
});
