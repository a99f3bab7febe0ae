// Profile pictures in Chromium: the account page previews the chosen file, refuses one over
// 5 MB without sending it, uploads a picture (stored under a new /media name and shown on the
// account page and on the user's post cards), shows the server's answer to a file that is not
// an image, and removes the picture again.
//
//   QUILL_BASE_URL=http://127.0.0.1:8000 node --test tests/browser/pictures.test.mjs

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, makeUser, registerThroughUi } from "./helpers.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";
const DEFAULT_PICTURE = "/static/profile_pics/default.jpg";
const UPLOADED_PICTURE = /^\/media\/profile_pics\/[0-9a-f]{32}\.jpg$/;
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const INVALID_IMAGE = "Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP)";

// A 12x8 RGB gradient: wider than tall, so the server has to crop it to a square.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAwAAAAICAIAAABChommAAAAtUlEQVR42g3KMQ1AIQxAwbrAADMuSCoCC52QwYSD" +
    "F0Q0wQUzBpDR/28+ESEJRahCE7owhCVs4QhPCEEkkzIlUzMt0zMjszI7czIvE/lPSlKKUpWmdGUoS9nKUZ4S+icj" +
    "GcWoRjO6MYxlbOMYzwj70yRNyqRO2qRPxmRN9uRM3iTmn5zkFKc6zenOcJazneM8J/xPl3Qpl3ppl34Zl3XZl3N5" +
    "l7h/ClJQghq0oAcjWMEOTvCCCD4w8JtVLwvWcAAAAABJRU5ErkJggg==",
  "base64",
);

async function api(base, pathname, { method = "GET", token, json } = {}) {
  const headers = { Accept: "application/json" };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(`${base}${pathname}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, text, data: text ? JSON.parse(text) : null };
}

/** The size of an image once loaded (rejects if it cannot be shown). */
function loadedSize(locator) {
  return locator.evaluate((img) => img.decode().then(() => [img.naturalWidth, img.naturalHeight]));
}

test("profile pictures are uploaded, shown and removed from the account page", { timeout: 120_000 }, async (t) => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL");
  const base = rawBase.replace(/\/+$/, "");
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const user = makeUser("pictures");
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const session = await Session.open(browser, "pictures", base);
  let failed = false;
  // After a failure the later steps are skipped: each one builds on the one before.
  const step = (name, fn) =>
    t.test(name, { skip: failed ? "an earlier step failed" : false }, async () => {
      try {
        await fn();
        // The preview's object URLs are this page's own memory, not a request to another site.
        session.offOrigin = session.offOrigin.filter((url) => !url.startsWith(`blob:${base}/`));
        session.assertClean(name);
      } catch (error) {
        failed = true;
        throw error;
      }
    });

  try {
    const { page } = session;
    const picture = page.locator("#account-picture");
    const preview = page.locator("#picture-preview");
    const input = page.getByLabel("Choose a new picture");
    const upload = page.getByRole("button", { name: "Upload", exact: true });
    const remove = page.locator("#picture-remove");
    const status = page.locator("#picture-status");
    const error = page.locator("#picture-error");
    let me;
    let token;
    let title;
    let uploaded;

    const openAccount = async () => {
      await session.goto("/account");
      await page.locator("#account:not([hidden])").waitFor();
    };
    const cardAvatar = async () => {
      await session.goto("/");
      const link = page.getByRole("link", { name: title, exact: true });
      await link.waitFor();
      const card = page.locator("article").filter({ has: link });
      return card.getByRole("img", { name: `Profile picture of ${user.username}`, exact: true });
    };

    await step("a new account shows the default picture and nothing to remove", async () => {
      await registerThroughUi(session, user);
      token = await session.token();
      const reply = await api(base, "/api/users/me", { token });
      assert.equal(reply.status, 200, reply.text);
      me = reply.data;
      title = `Pictured post ${user.username.slice(-6)}`;
      const post = await api(base, "/api/posts", {
        method: "POST",
        token,
        json: { title, content: "A post whose card shows its author's picture." },
      });
      assert.equal(post.status, 201, post.text);

      await openAccount();
      assert.equal(await picture.getAttribute("src"), DEFAULT_PICTURE);
      assert.equal(await picture.getAttribute("alt"), `Profile picture of ${user.username}`);
      assert.ok((await loadedSize(picture))[0] > 0, "the default picture loads");
      assert.ok(await remove.isHidden(), "no Remove without a picture");
      assert.ok(await upload.isDisabled(), "no Upload before a file is chosen");
      assert.ok(await preview.isHidden(), "no preview before a file is chosen");
    });

    await step("a file over 5 MB is refused without being sent", async () => {
      const mark = session.requests.length;
      const huge = Buffer.concat([PNG, Buffer.alloc(MAX_UPLOAD_BYTES + 1 - PNG.length)]);
      await input.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: huge });
      await error.filter({ hasText: "File too large. Maximum size is 5MB" }).waitFor();
      assert.ok(await upload.isDisabled(), "Upload stays disabled for a file that is too large");
      assert.ok(await preview.isHidden());
      await page.waitForTimeout(300);
      assert.deepEqual(session.apiRequestsSince(mark), [], "a file that is too large must not reach the API");
    });

    await step("a chosen picture is previewed, uploaded and shown", async () => {
      await input.setInputFiles({ name: "tiny.png", mimeType: "image/png", buffer: PNG });
      await page.locator('#picture-preview[src^="blob:"]').waitFor({ state: "attached" });
      assert.deepEqual(
        await loadedSize(preview).catch(() => null),
        [12, 8],
        "the preview shows the chosen file (the pages' CSP must allow img-src blob:)",
      );
      assert.ok(await preview.isVisible());
      assert.equal(await error.textContent(), "", "choosing another file clears the error");
      assert.ok(await upload.isEnabled());

      const [sent] = await Promise.all([
        page.waitForRequest(
          (r) => r.method() === "PATCH" && new URL(r.url()).pathname === `/api/users/${me.id}/picture`,
        ),
        upload.click(),
      ]);
      const headers = await sent.allHeaders();
      assert.match(headers["content-type"], /^multipart\/form-data; boundary=/);
      assert.equal(headers.authorization, `Bearer ${token}`);

      await status.filter({ hasText: "Profile picture updated." }).waitFor();
      uploaded = await picture.getAttribute("src");
      assert.match(uploaded, UPLOADED_PICTURE);
      assert.deepEqual(await loadedSize(picture), [300, 300], "stored as a 300x300 square");
      assert.equal(await page.locator("#account-avatar").getAttribute("src"), uploaded);
      assert.ok(await preview.isHidden(), "the preview goes once the picture is stored");
      assert.equal(await preview.getAttribute("src"), null);
      assert.equal(await input.evaluate((el) => el.files.length), 0, "the file input is cleared");
      assert.ok(await upload.isDisabled());
      await page.getByRole("button", { name: "Remove", exact: true }).waitFor();

      const file = await fetch(`${base}${uploaded}`);
      assert.equal(file.status, 200);
      assert.match(file.headers.get("content-type") || "", /^image\/jpeg/);
      const bytes = Buffer.from(await file.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], "a JPEG");

      const after = await api(base, "/api/users/me", { token });
      assert.equal(after.data.image_path, uploaded);
      assert.equal(after.data.image_file, uploaded.split("/").pop());
    });

    await step("the user's post cards show the new picture", async () => {
      const avatar = await cardAvatar();
      assert.equal(await avatar.getAttribute("src"), uploaded);
      assert.deepEqual(await loadedSize(avatar), [300, 300]);
    });

    await step("a file that is not an image gets the server's answer", async () => {
      await openAccount();
      assert.equal(await picture.getAttribute("src"), uploaded, "the account page shows the stored picture");
      session.allow(400, `/api/users/${me.id}/picture`);
      await input.setInputFiles({
        name: "notes.png",
        mimeType: "image/png",
        buffer: Buffer.from("Just some text with a picture's name.\n"),
      });
      await upload.click();
      await error.filter({ hasText: INVALID_IMAGE }).waitFor();
      assert.equal(await status.textContent(), "");
      assert.equal(await picture.getAttribute("src"), uploaded, "the stored picture stays");
      assert.ok(await upload.isEnabled(), "the same file can be sent again");
    });

    await step("Remove restores the default picture, here and on the post cards", async () => {
      await page.getByRole("button", { name: "Remove", exact: true }).click();
      await status.filter({ hasText: "Profile picture removed." }).waitFor();
      assert.equal(await error.textContent(), "");
      assert.equal(await picture.getAttribute("src"), DEFAULT_PICTURE);
      assert.equal(await page.locator("#account-avatar").getAttribute("src"), DEFAULT_PICTURE);
      assert.ok(await remove.isHidden(), "nothing left to remove");

      const after = await api(base, "/api/users/me", { token });
      assert.equal(after.data.image_file, null);
      assert.equal(after.data.image_path, DEFAULT_PICTURE);

      const avatar = await cardAvatar();
      assert.equal(await avatar.getAttribute("src"), DEFAULT_PICTURE);
    });
  } finally {
    await session.close().catch(() => {});
    await browser.close();
  }
});
