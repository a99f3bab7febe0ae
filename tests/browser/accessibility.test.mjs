// Accessibility of every page in Chromium: axe-core finds no violation on any page the web
// layer serves as HTML, in the light and in the dark colour scheme, signed out and signed in
// (where signing in changes the page: the navigation, the unverified-email banner, the
// author's own post actions), and in the states a page reaches on its own (an error shown,
// a dialog open, a link's token read).
//
//   QUILL_BASE_URL=http://127.0.0.1:8000 node --test tests/browser/accessibility.test.mjs

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, Session, makeUser, registerThroughUi } from "./helpers.mjs";

const CHROMIUM_PATH = process.env.QUILL_CHROMIUM || "/usr/bin/chromium";
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SCHEMES = ["light", "dark"];

/** One line per violation and per element it was found on, for the failure message. */
function describe(violations) {
  return violations
    .flatMap((v) =>
      v.nodes.map(
        (node) =>
          `  ${v.id} (${v.impact}) at ${node.target.join(" ")}: ${v.help}\n` +
          `    ${node.failureSummary?.replace(/\n/g, "\n    ") ?? ""}`,
      ),
    )
    .join("\n");
}

/**
 * The pages and the states they are checked in. `ready` waits for what the page fills in
 * after load (or brings it into the state to check); `signedIn` says in which login states.
 */
function pagesOf({ postId, userId }) {
  const both = [false, true];
  return [
    { name: "home", path: "/", signedIn: both },
    { name: "post list", path: "/posts", signedIn: both },
    {
      name: "a post",
      path: `/posts/${postId}`,
      signedIn: both,
      ready: async (page, signedIn) => {
        if (signedIn) {
          await page.locator("#post-owner-actions").waitFor({ state: "visible" });
        }
      },
    },
    { name: "a user's posts", path: `/users/${userId}/posts`, signedIn: both },
    { name: "login", path: "/login", signedIn: [false] },
    {
      name: "login with an error shown",
      path: "/login",
      signedIn: [false],
      ready: async (page) => {
        await page.getByLabel("Email", { exact: true }).fill("nobody-here@example.com");
        await page.getByLabel("Password").fill("quiet-harbour-lamp");
        await page.getByRole("button", { name: "Log in" }).click();
        await page.getByRole("alert").filter({ hasText: /./ }).first().waitFor({ state: "visible" });
      },
    },
    { name: "register", path: "/register", signedIn: [false] },
    { name: "forgot password", path: "/forgot-password", signedIn: [false] },
    { name: "reset password without a token", path: "/reset-password", signedIn: [false] },
    { name: "reset password with a token", path: "/reset-password#token=not-a-real-token", signedIn: [false] },
    { name: "verify email without a token", path: "/verify-email", signedIn: both },
    { name: "verify email with a token", path: "/verify-email#token=not-a-real-token", signedIn: both },
    {
      name: "verify email with a refused token",
      path: "/verify-email#token=not-a-real-token",
      signedIn: [false],
      ready: async (page) => {
        await page.locator("#verify-form button[type=submit]").click();
        await page.getByRole("alert").filter({ hasText: /./ }).first().waitFor({ state: "visible" });
      },
    },
    {
      name: "account",
      path: "/account",
      signedIn: [true],
      ready: async (page) => {
        await page.locator("#account").waitFor({ state: "visible" });
        await page.locator("#session-list li").first().waitFor({ state: "visible" });
      },
    },
    {
      name: "the new post dialog",
      path: "/",
      signedIn: [true],
      ready: async (page) => {
        await page.locator("#new-post-button").click();
        await page.locator("#new-post-dialog").waitFor({ state: "visible" });
      },
    },
    { name: "the 404 page", path: "/no-such-page", signedIn: both },
    { name: "a missing post", path: "/posts/987654321", signedIn: [false] },
  ];
}

/** axe-core's violations on the page as it is now, with what the failure message needs. */
async function violationsOf(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  });
}

/** Fails with every violation listed. */
async function assertNoViolations(page, where) {
  const violations = await violationsOf(page);
  assert.equal(violations.length, 0, `${where}: accessibility violations\n${describe(violations)}`);
}

test("every page has no accessibility violations in light and dark", { timeout: 240_000 }, async (t) => {
  const rawBase = process.env.QUILL_BASE_URL;
  assert.ok(rawBase, "QUILL_BASE_URL must be set to the server's base URL");
  const base = rawBase.replace(/\/+$/, "");
  assert.ok(existsSync(CHROMIUM_PATH), `Chromium not found at ${CHROMIUM_PATH}`);

  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const visitor = await Session.open(browser, "visitor", base);
  const member = await Session.open(browser, "member", base);
  let checked = 0;
  try {
    // A fresh account is signed in with its email not verified yet, so the banner shows.
    const user = makeUser("axe");
    await registerThroughUi(member, user);
    const token = await member.token();
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const created = await fetch(`${base}/api/posts`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "A post to check", content: "Its words, on two\nlines." }),
    });
    assert.equal(created.status, 201);
    const post = await created.json();

    for (const spec of pagesOf({ postId: post.id, userId: post.user_id })) {
      for (const signedIn of spec.signedIn) {
        const session = signedIn ? member : visitor;
        for (const scheme of SCHEMES) {
          const where = `${spec.name}, ${signedIn ? "signed in" : "signed out"}, ${scheme}`;
          await t.test(`${where}: no accessibility violations`, async () => {
            const { page } = session;
            await page.emulateMedia({ colorScheme: scheme });
            // A fresh load each time, so nothing of the previous state (or a transition
            // between schemes) is left on the page that is checked.
            await page.goto("about:blank");
            await session.goto(spec.path);
            assert.equal(await session.authState(), signedIn ? "in" : "out", `${where}: login state`);
            if (signedIn) {
              await page.locator("#verify-banner").waitFor({ state: "visible" });
            }
            await spec.ready?.(page, signedIn);
            assert.equal(
              await page.evaluate(() => window.matchMedia("(prefers-color-scheme: dark)").matches),
              scheme === "dark",
              `${where}: colour scheme emulated`,
            );
            await assertNoViolations(page, where);
            checked += 1;
          });
        }
      }
    }
    // A check that finds nothing must be a check that could have found something.
    await t.test("axe-core reports text planted with too little contrast in dark", async () => {
      const { page } = visitor;
      await page.emulateMedia({ colorScheme: "dark" });
      await visitor.goto("/");
      await page.evaluate(() => {
        const planted = document.createElement("p");
        planted.textContent = "Hardly readable";
        planted.style.color = "#20242c";
        document.getElementById("main").append(planted);
      });
      const ids = (await violationsOf(page)).map((v) => v.id);
      assert.deepEqual(ids, ["color-contrast"]);
    });
    t.diagnostic(`accessibility: ${checked} page states x schemes checked`);
  } finally {
    await visitor.close();
    await member.close();
    await browser.close();
  }
});
