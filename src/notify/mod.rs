//! Sending what `domain::notify` put in the outbox: the job runner's handlers for mails and
//! webhook events. Runs in `tollgate serve` and in `tollgate worker`.

pub mod letters;
pub mod mailer;
mod mails;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Notifications, Settings};
use crate::db::Db;
use crate::documents::Party;
use crate::domain::notify::kind;
use crate::entities::job;
use crate::jobs::{Handler, Run, Runner};
use mailer::Mailer;

/// What every handler needs.
pub struct Context {
    pub db: Db,
    pub mailer: Mailer,
    pub settings: Notifications,
    /// Who issues the PDFs that mails carry (`TOLLGATE_SELLER_*`).
    pub seller: Party,
}

/// A runner with a handler for every kind of job `domain::notify` writes.
pub fn runner(db: Db, all: &Settings) -> anyhow::Result<Runner> {
    let settings = &all.notifications;
    let mailer = Mailer::from_settings(settings)?;
    let context = Arc::new(Context {
        db: db.clone(),
        mailer,
        settings: settings.clone(),
        seller: crate::domain::billing_documents::seller(&all.seller, &settings.product_name),
    });
    let mut runner = Runner::new(db);
    runner.poll = Duration::from_millis(settings.jobs_poll_ms.max(10));
    runner.lease = Duration::from_secs(settings.jobs_lease_secs.max(1));
    for &mail_kind in kind::MAILS {
        runner = runner.handle(mail_kind, Arc::new(MailJob(context.clone())));
    }
    webhooks::register(runner, context)
}

/// Renders a mail job's letters from the rows it names, and sends them.
struct MailJob(Arc<Context>);

impl Handler for MailJob {
    fn run<'a>(&'a self, job: &'a job::Model) -> Run<'a> {
        Box::pin(async move {
            let letters = mails::compose(&self.0, job)
                .await
                .map_err(|e| format!("could not compose the mail: {e}"))?;
            for letter in &letters {
                self.0
                    .mailer
                    .send(&self.0.settings, &job.unique_key, letter)
                    .await?;
            }
            Ok(())
        })
    }
}
