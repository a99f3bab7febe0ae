//! [`SmtpSink`]: a small SMTP server on a loopback port that accepts every mail and keeps it,
//! so a test can let quill deliver over real SMTP and then read what arrived. It speaks the
//! plain protocol (no TLS; `AUTH PLAIN` accepted with any credentials), which quill uses only
//! with `SMTP_TLS=none` towards a relay on this machine.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One mail as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as sent after `DATA`, headers and body, dot-stuffing undone.
    pub data: String,
    /// Whether the client authenticated (`AUTH PLAIN`) before sending it.
    pub authenticated: bool,
}

impl ReceivedMail {
    /// The value of the first header `name` (case-insensitive), unfolded.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.data.split_once("\r\n\r\n")?;
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(value) = found.as_mut() {
                if line.starts_with([' ', '\t']) {
                    value.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((key, value)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                found = Some(value.trim().to_owned());
            }
        }
        found
    }

    /// The body, decoded from quoted-printable when the message says it is.
    #[must_use]
    pub fn body(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        let quoted = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        if quoted {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        }
    }

    /// The token of the reset link in the body (what follows `/reset-password#token=`), if
    /// any.
    #[must_use]
    pub fn reset_token(&self) -> Option<String> {
        self.link_token("/reset-password#token=")
    }

    /// The token of the email-verification link in the body (what follows
    /// `/verify-email#token=`), if any.
    #[must_use]
    pub fn verification_token(&self) -> Option<String> {
        self.link_token("/verify-email#token=")
    }

    fn link_token(&self, link: &str) -> Option<String> {
        let body = self.body();
        let (_, after) = body.split_once(link)?;
        let token: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SMTP server on `127.0.0.1` that keeps every mail; it stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// A sink on a free port.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// A sink on `port` (a test that starts quill before its relay picks the port first,
    /// with [`free_port`]).
    ///
    /// # Panics
    /// When the port cannot be bound.
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("the SMTP sink cannot listen on port {port}: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let mails = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let task = tokio::spawn(accept(listener, mails.clone(), arrived.clone()));
        Self {
            addr,
            mails,
            arrived,
            task,
        }
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every mail received so far, in order.
    #[must_use]
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until at least `count` mails have arrived, for at most `limit`; returns every
    /// mail received by then.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.arrived.notified();
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.mails();
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback port that was free a moment ago, for a sink started later.
///
/// # Panics
/// When no loopback port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    probe.local_addr().unwrap_or_else(|e| panic!("{e}")).port()
}

async fn accept(listener: TcpListener, mails: Arc<Mutex<Vec<ReceivedMail>>>, arrived: Arc<Notify>) {
    while let Ok((stream, _)) = listener.accept().await {
        let (mails, arrived) = (mails.clone(), arrived.clone());
        tokio::spawn(async move {
            let _ = session(stream, &mails, &arrived).await;
        });
    }
}

/// One SMTP session: greeting, then commands until `QUIT`.
async fn session(
    stream: TcpStream,
    mails: &Mutex<Vec<ReceivedMail>>,
    arrived: &Notify,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut authenticated = false;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n",
            "AUTH" => {
                authenticated = true;
                b"235 accepted\r\n"
            }
            "HELO" | "NOOP" => b"250 ok\r\n",
            "RSET" => {
                from.clear();
                to.clear();
                b"250 ok\r\n"
            }
            "MAIL" => {
                from = address_in(&command);
                b"250 ok\r\n"
            }
            "RCPT" => {
                to.push(address_in(&command));
                b"250 ok\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end with .\r\n").await?;
                let data = read_data(&mut lines).await?;
                mails
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(ReceivedMail {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                        authenticated,
                    });
                arrived.notify_waiters();
                b"250 queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// The address between `<` and `>` of a `MAIL FROM:` or `RCPT TO:` command.
fn address_in(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or_else(String::new, |(address, _)| address.to_owned())
}

/// The message after `DATA`, up to the line holding a single dot, unstuffed.
async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(data);
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(data);
        }
        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
        data.push_str(unstuffed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_soft_breaks_and_escapes_are_undone() {
        let mail = ReceivedMail {
            from: String::new(),
            to: Vec::new(),
            authenticated: false,
            data: "Content-Transfer-Encoding: quoted-printable\r\n\r\nhttp://x/reset-password#token=3Dab=\r\ncd_-9 end\r\n"
                .to_owned(),
        };
        assert_eq!(mail.reset_token().as_deref(), Some("abcd_-9"));
    }
}
