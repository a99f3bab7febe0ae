//! [`FileMailer`]: development's mail server, a directory with one `.eml` file per mail,
//! which any mail program opens (and whose link a developer can click).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use lettre::message::Mailbox;
use quill_domain::{Mail, MailError, Mailer};

/// Writes each mail as `<time>-<n>.eml` under its directory (created when missing), whole or
/// not at all: it is written under a temporary name and renamed.
#[derive(Debug)]
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
    written: AtomicU64,
}

impl FileMailer {
    /// A mailer writing under `dir`, as `from`.
    #[must_use]
    pub fn new(dir: PathBuf, from: Mailbox) -> Self {
        Self {
            dir,
            from,
            written: AtomicU64::new(0),
        }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let bytes = super::message(&self.from, mail)?.formatted();
        let n = self.written.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{}-{}-{n}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            std::process::id()
        );
        let dir = self.dir.clone();
        let path = dir.join(&name);
        let written = path.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let partial = dir.join(format!(".{name}.partial"));
            std::fs::write(&partial, bytes)?;
            std::fs::rename(&partial, &written)
        })
        .await
        .map_err(|e| MailError::Unavailable(e.to_string()))?
        .map_err(|e| {
            MailError::Unavailable(format!("cannot write to {}: {e}", self.dir.display()))
        })?;
        tracing::info!(path = %path.display(), "mail written (no SMTP_HOST: development mail directory)");
        Ok(())
    }
}
