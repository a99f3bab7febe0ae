//! The server under test: the release `quill` binary, started as its own process on a fresh
//! SQLite database in a temporary folder (or a database it is given) and a free port, and
//! killed when dropped. Its peak memory is read from `/proc`, so the figure is the server's
//! alone, not this process's.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::Failure;

const SECRET_KEY: &str = "benchmark-secret-key-of-at-least-32-bytes";

/// All load comes from one address, so the per-client and per-account limits are lifted:
/// unless a scenario overrides them, what is measured is hashing and serving, not refusing.
const LIFTED_LIMITS: [(&str, &str); 9] = [
    ("LOGIN_RATE_BURST", "1000000"),
    ("RESET_RATE_BURST", "1000000"),
    ("RESET_RATE_PER_MINUTE", "1000000"),
    ("ACCOUNT_RESET_RATE_BURST", "1000000"),
    ("ACCOUNT_RESET_RATE_PER_MINUTE", "1000000"),
    ("LOGIN_RATE_PER_MINUTE", "1000000"),
    ("ACCOUNT_LOGIN_RATE_BURST", "1000000"),
    ("ACCOUNT_LOGIN_RATE_PER_MINUTE", "1000000"),
    ("HASHING_PLACES_PER_CLIENT", "1000000"),
];

/// A starting server gets 300 polls 50 ms apart (15 s) to answer `/healthz`.
const READINESS_POLLS: u32 = 300;
const READINESS_POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A running quill process on its own database (a SQLite file in a folder of its own, unless
/// a `DATABASE_URL` override names another). Dropping it kills the process, then removes the
/// folder.
#[derive(Debug)]
pub struct Server {
    child: Child,
    base: String,
    database_url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts quill with the limits lifted and then `overrides` set (an override replaces a
    /// lifted limit), and returns once `/healthz` answers.
    ///
    /// # Errors
    /// When the binary cannot be started, exits, or does not answer within 15 s.
    pub async fn start(
        client: &reqwest::Client,
        overrides: &[(&str, &str)],
    ) -> Result<Self, Failure> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let binary = server_binary()?;
        let database_url = overrides
            .iter()
            .find(|(name, _)| *name == "DATABASE_URL")
            .map_or_else(
                || {
                    format!(
                        "sqlite://{}?mode=rwc",
                        dir.path().join("bench.db").display()
                    )
                },
                |(_, url)| (*url).to_owned(),
            );
        let child = Command::new(&binary)
            .current_dir(dir.path())
            .env_clear()
            .env("SECRET_KEY", SECRET_KEY)
            .env("DATABASE_URL", &database_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "ASSETS_DIR",
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web-assets"),
            )
            .env("RUST_LOG", "warn")
            .envs(LIFTED_LIMITS)
            .envs(overrides.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            database_url,
            _dir: dir,
        };
        for _ in 0..READINESS_POLLS {
            if client
                .get(format!("{}/healthz", server.base))
                .send()
                .await
                .is_ok()
            {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                return Err(format!("the server exited before answering: {status}").into());
            }
            tokio::time::sleep(READINESS_POLL_INTERVAL).await;
        }
        Err("the server did not start within 15 s".into())
    }

    /// Where the server answers, e.g. `http://127.0.0.1:40123`, without a trailing slash.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The database the server runs on: its own SQLite file unless `DATABASE_URL` was
    /// overridden.
    #[must_use]
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The server's peak resident set size so far, in MiB (Linux `VmHWM`); NaN where `/proc`
    /// cannot tell, which the JSON reports write as `null`.
    #[must_use]
    pub fn peak_rss_mib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| peak_rss_in(&status))
            .unwrap_or(f64::NAN)
    }

    /// How many sockets the server has open now (Linux `/proc/<pid>/fd`): its listener and
    /// the connections it has accepted, not those still waiting in its backlog; `None` where
    /// `/proc` cannot tell.
    #[must_use]
    pub fn open_sockets(&self) -> Option<usize> {
        let descriptors = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).ok()?;
        Some(
            descriptors
                .filter_map(Result::ok)
                .filter(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
                })
                .count(),
        )
    }

    /// The CPU time the server has used so far, user and system, in seconds (Linux
    /// `/proc/<pid>/stat`); NaN where `/proc` cannot tell.
    #[must_use]
    pub fn cpu_seconds(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .ok()
            .and_then(|stat| cpu_seconds_in(&stat))
            .unwrap_or(f64::NAN)
    }
}

/// Clock ticks per second of `/proc`'s CPU times: `USER_HZ`, 100 on every Linux build quill
/// runs on.
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system time from a `/proc/<pid>/stat` line, in seconds. The command name (in
/// parentheses) may hold spaces, so the fields are counted from its closing parenthesis:
/// `utime` and `stime` are the 12th and 13th after it.
fn cpu_seconds_in(stat: &str) -> Option<f64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / TICKS_PER_SECOND)
}

/// `QUILL_BIN` when set; else the `quill` built next to this benchmark binary.
fn server_binary() -> Result<PathBuf, Failure> {
    if let Ok(path) = std::env::var("QUILL_BIN") {
        return Ok(PathBuf::from(path));
    }
    let here = std::env::current_exe()?;
    let dir = here.parent().ok_or("the benchmark binary has no folder")?;
    Ok(dir.join("quill"))
}

/// The `VmHWM` line of a `/proc/<pid>/status` text, from KiB to MiB.
fn peak_rss_in(status: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::{cpu_seconds_in, peak_rss_in};

    #[test]
    fn cpu_time_is_user_plus_system_ticks_read_past_a_name_with_spaces() {
        let stat = "4242 (quill worker) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0";
        assert_eq!(cpu_seconds_in(stat), Some(3.25));
        assert_eq!(cpu_seconds_in("4242 (quill) S 1"), None);
    }

    #[test]
    fn peak_rss_is_the_high_water_mark_in_mebibytes_not_the_current_size() {
        let status =
            "Name:\tquill\nVmPeak:\t  900000 kB\nVmHWM:\t  153600 kB\nVmRSS:\t   51200 kB\n";
        assert_eq!(peak_rss_in(status), Some(150.0));
    }

    #[test]
    fn peak_rss_is_unknown_when_the_status_has_no_high_water_mark() {
        assert_eq!(peak_rss_in("Name:\tquill\nVmRSS:\t51200 kB\n"), None);
        assert_eq!(peak_rss_in("VmHWM:\tlots kB\n"), None);
    }
}
