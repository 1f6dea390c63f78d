//! A real SMTP server for the mail tests: aiosmtpd (PyPI) capturing into a Maildir. CI installs
//! it and sets `TOLLGATE_AIOSMTPD_PYTHON` (a Python with aiosmtpd) and `TOLLGATE_REQUIRE_SMTP=1`;
//! locally the tests skip with a note when it is missing.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// One captured mail.
#[derive(Debug, Clone)]
pub struct Captured {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// The files sent with it (parts whose disposition is `attachment`).
    pub attachments: Vec<MailAttachment>,
}

/// A file a mail carries, decoded.
#[derive(Debug, Clone)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port, or `None` (announced once) when it is not installed.
    pub fn start() -> Option<SmtpServer> {
        static ANNOUNCE: Once = Once::new();
        let python = match std::env::var("TOLLGATE_AIOSMTPD_PYTHON") {
            Ok(p) if !p.is_empty() => p,
            _ => {
                assert!(
                    std::env::var("TOLLGATE_REQUIRE_SMTP").as_deref() != Ok("1"),
                    "TOLLGATE_REQUIRE_SMTP=1 but TOLLGATE_AIOSMTPD_PYTHON is not set"
                );
                ANNOUNCE.call_once(|| {
                    eprintln!(
                        "note: SMTP mail tests skipped (set TOLLGATE_AIOSMTPD_PYTHON to a Python with aiosmtpd)"
                    )
                });
                return None;
            }
        };
        let dir = tempfile::tempdir().expect("temp dir");
        // aiosmtpd makes the Maildir itself; one that already exists makes every message fail.
        let maildir = dir.path().join("maildir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = SmtpServer {
            port,
            maildir,
            child,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail captured so far.
    pub fn messages(&self) -> Vec<Captured> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .map(|bytes| parse(&bytes))
            .collect()
    }

    /// Waits until `count` mails satisfy `wanted`, then returns those.
    pub async fn wait_for(
        &self,
        count: usize,
        wanted: impl Fn(&Captured) -> bool,
    ) -> Vec<Captured> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found: Vec<Captured> = self.messages().into_iter().filter(|m| wanted(m)).collect();
            if found.len() >= count {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {count} mails, have {}: {:#?}",
                found.len(),
                self.messages()
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A mail's headers and its text and HTML parts.
pub fn parse(bytes: &[u8]) -> Captured {
    let mail = mailparse::parse_mail(bytes).expect("a parsable mail");
    let header = |name: &str| {
        mail.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let mut text = String::new();
    let mut html = String::new();
    let mut attachments = Vec::new();
    for part in mail.parts() {
        let disposition = part.get_content_disposition();
        if disposition.disposition == mailparse::DispositionType::Attachment {
            attachments.push(MailAttachment {
                filename: disposition
                    .params
                    .get("filename")
                    .cloned()
                    .unwrap_or_default(),
                content_type: part.ctype.mimetype.clone(),
                bytes: part.get_body_raw().expect("attachment body"),
            });
            continue;
        }
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().expect("text part"),
            "text/html" => html = part.get_body().expect("html part"),
            _ => {}
        }
    }
    Captured {
        to: header("To"),
        from: header("From"),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        text,
        html,
        attachments,
    }
}

/// Waits (up to 20 s) for a mail written as a file in `dir` (no SMTP server set) that `wanted`
/// picks, and returns it parsed.
pub async fn mail_file(dir: &std::path::Path, wanted: impl Fn(&Captured) -> bool) -> Captured {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        let found = files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| parse(&std::fs::read(p).unwrap()))
            .find(|m| wanted(m));
        if let Some(mail) = found {
            return mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no such mail in {}",
            dir.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
