//! The front end in a real browser: starts the real server on a fresh database and runs the
//! Playwright suite in `tests/browser` (headless Chromium) against it.
//!
//! Needs Node.js, `npm ci --prefix tests/browser` (Playwright and axe-core) and
//! `/usr/bin/chromium` (or `QUILL_CHROMIUM`). Without them it is skipped on a developer's
//! machine, and fails when the `CI` environment variable is set, so CI can never pass without
//! running it.

use std::path::Path;

fn missing_prerequisite(root: &Path) -> Option<String> {
    let chromium = std::env::var("QUILL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "no Chromium at {chromium} (apt-get install chromium)"
        ));
    }
    // The accessibility test needs axe-core too: an install from before it was added lacks it.
    if ["playwright-core", "axe-core"].iter().any(|package| {
        !root
            .join("tests/browser/node_modules")
            .join(package)
            .is_dir()
    }) {
        return Some("tests/browser has no node_modules (npm ci --prefix tests/browser)".into());
    }
    if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        return Some("no node on PATH".into());
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_work_end_to_end_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Some(reason) = missing_prerequisite(&root) {
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests cannot run in CI: {reason}"
        );
        eprintln!("skipping the browser test: {reason}");
        return;
    }
    let app = crate::support::spawn_app().await;
    // The verification test needs a server on which signing in waits for a verified email.
    let verifying = crate::support::spawn_app_with(&[("EMAIL_VERIFICATION", "required")]).await;
    let output = tokio::process::Command::new("node")
        .current_dir(&root)
        .args(["--test", "tests/browser/"])
        .env("QUILL_BASE_URL", &app.base)
        // The reset test reads the mail the server writes there (no SMTP_HOST in tests).
        .env("QUILL_MAIL_DIR", app.mail_dir.path())
        // The recent-authentication test signs a token of the original's kind with it.
        .env("QUILL_SECRET_KEY", crate::support::SECRET_KEY)
        .env("QUILL_REQUIRED_BASE_URL", &verifying.base)
        .env("QUILL_REQUIRED_MAIL_DIR", verifying.mail_dir.path())
        .output()
        .await
        .unwrap();
    let report = crate::support::report_of(&output);
    assert!(output.status.success(), "browser suite failed:\n{report}");
    assert!(
        report.contains("# fail 0"),
        "unexpected browser report:\n{report}"
    );
}
