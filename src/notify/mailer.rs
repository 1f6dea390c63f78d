//! Where mails go: an SMTP server (`TOLLGATE_SMTP_URL`), or, with none set, `.eml` files in a
//! folder, so the embedded default works with nothing installed.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::auth::tokens::sha256_hex;
use crate::config::Notifications;
use crate::jobs::Failure;
use crate::notify::letters::Letter;

/// How long one SMTP exchange may take before the job is retried.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Mailer {
    pub fn from_settings(settings: &Notifications) -> anyhow::Result<Mailer> {
        settings
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("TOLLGATE_MAIL_FROM is not a mail address: {e}"))?;
        match &settings.smtp_url {
            Some(url) => {
                // `tls=starttls` is the common spelling; lettre calls it `required`.
                let url = url.expose().replace("tls=starttls", "tls=required");
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| anyhow::anyhow!("TOLLGATE_SMTP_URL is not usable: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                tracing::info!(
                    dir = %settings.mail_dir.display(),
                    "no SMTP server set (TOLLGATE_SMTP_URL): mails are written as .eml files"
                );
                Ok(Mailer::Files(settings.mail_dir.clone()))
            }
        }
    }

    /// Sends one letter of the job named `key`. Its Message-ID comes from the key and the
    /// recipient, so a repeat (a runner that died after sending) carries the same one and the
    /// file mailer overwrites rather than adds.
    pub async fn send(
        &self,
        settings: &Notifications,
        key: &str,
        letter: &Letter,
    ) -> Result<(), Failure> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| Failure::give_up(format!("bad sender: {e}")))?;
        let to: Mailbox = letter
            .to
            .parse()
            .map_err(|e| Failure::give_up(format!("bad recipient {:?}: {e}", letter.to)))?;
        let digest = sha256_hex(&format!("{key}|{}", letter.to));
        let domain = from.email.domain().to_owned();
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(&letter.subject)
            .message_id(Some(format!("<{}@{domain}>", &digest[..32])))
            .multipart(body(letter)?)
            .map_err(|e| Failure::give_up(format!("could not build the mail: {e}")))?;
        match self {
            Mailer::Smtp(transport) => {
                transport
                    .send(message)
                    .await
                    .map_err(|e| format!("SMTP: {e}"))?;
            }
            Mailer::Files(dir) => write_file(dir, &digest[..32], &message.formatted())
                .await
                .map_err(|e| format!("could not write the mail file: {e}"))?,
        }
        Ok(())
    }
}

/// The text and HTML parts, alone (`multipart/alternative`) or, when the letter carries
/// files, followed by them in a `multipart/mixed`.
fn body(letter: &Letter) -> Result<MultiPart, Failure> {
    let parts = MultiPart::alternative_plain_html(letter.text.clone(), letter.html.clone());
    if letter.attachments.is_empty() {
        return Ok(parts);
    }
    let mut mixed = MultiPart::mixed().multipart(parts);
    for file in &letter.attachments {
        let kind = ContentType::parse(&file.content_type).map_err(|e| {
            Failure::give_up(format!("bad content type {:?}: {e}", file.content_type))
        })?;
        mixed = mixed.singlepart(
            lettre::message::Attachment::new(file.filename.clone()).body(file.bytes.clone(), kind),
        );
    }
    Ok(mixed)
}

/// Writes `dir/name.eml` whole or not at all (a temporary file renamed into place).
async fn write_file(dir: &PathBuf, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let partial = dir.join(format!(".{name}.partial"));
    tokio::fs::write(&partial, bytes).await?;
    tokio::fs::rename(&partial, dir.join(format!("{name}.eml"))).await
}
