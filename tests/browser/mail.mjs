// Reading the mail a server under test writes to its mail folder (one .eml file per mail, as
// quill's file mailer writes them): the links in it, decoded from whatever transfer encoding
// the mail uses.

import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const MAIL_WAIT_MS = 10_000;

/** Splits a message or MIME part into its unfolded header block and its body. */
function splitHeaders(text) {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) {
    return { headers: text.replace(/\r?\n[ \t]+/g, " "), body: "" };
  }
  return {
    headers: text.slice(0, match.index).replace(/\r?\n[ \t]+/g, " "),
    body: text.slice(match.index + match[0].length),
  };
}

function header(headers, name) {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(headers);
  return match ? match[1].trim() : "";
}

function decodeQuotedPrintable(body) {
  const latin1 = body
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(latin1, "latin1").toString("utf8");
}

/**
 * The decoded text of every leaf part of a mail. Only a part that says it is
 * quoted-printable is decoded as such: in a 7bit body, "=3D" may be the start of a token.
 */
function mailTexts(text) {
  const { headers, body } = splitHeaders(text);
  const boundary = /boundary="?([^";\s]+)"?/i.exec(header(headers, "Content-Type"));
  if (/^multipart\//i.test(header(headers, "Content-Type")) && boundary) {
    const parts = body.split(`--${boundary[1]}`).slice(1);
    return parts
      .filter((part) => !part.startsWith("--"))
      .flatMap((part) => mailTexts(part.replace(/^[ \t]*\r?\n/, "")));
  }
  const encoding = header(headers, "Content-Transfer-Encoding").toLowerCase();
  if (encoding === "quoted-printable") {
    return [decodeQuotedPrintable(body)];
  }
  if (encoding === "base64") {
    return [Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")];
  }
  return [body];
}

/** The first match of `pattern` in one of the .eml files under `dir` addressed to `email`, or null. */
async function scanMails(dir, email, pattern) {
  let names;
  try {
    names = await readdir(dir, { recursive: true });
  } catch (error) {
    if (error.code === "ENOENT") {
      // The server makes the folder with its first mail.
      return null;
    }
    throw error;
  }
  for (const name of names.filter((n) => n.endsWith(".eml")).sort()) {
    let raw;
    try {
      raw = await readFile(path.join(dir, name), "utf8");
    } catch {
      continue;
    }
    const to = header(splitHeaders(raw).headers, "To").toLowerCase();
    if (!to.includes(email.toLowerCase())) {
      continue;
    }
    for (const text of mailTexts(raw)) {
      const match = pattern.exec(text);
      if (match) {
        return { file: name, link: match[1] };
      }
    }
    // A file still being written may not have its link yet: look again on the next round.
  }
  return null;
}

/**
 * Waits, within a bound, for a mail to `email` in `dir` with a link matching `pattern` (its
 * first group), and returns the link: the server writes its mail after it has answered.
 */
export async function linkMailedTo(dir, email, pattern) {
  const deadline = Date.now() + MAIL_WAIT_MS;
  for (;;) {
    const found = await scanMails(dir, email, pattern);
    if (found) {
      return found.link;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `no mail to ${email} with a link matching ${pattern} in ${dir} after ${MAIL_WAIT_MS / 1000} s`,
      );
    }
    await sleep(200);
  }
}
