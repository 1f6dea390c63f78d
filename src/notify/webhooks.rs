//! Outgoing webhooks (Standard Webhooks). A `webhook.event` job (written by `domain::notify`)
//! is fanned out to the endpoints subscribed to its type — a delivery row and a
//! `webhook.deliver` job each — and each delivery job POSTs the event, signed, until the
//! receiver answers 2xx or the attempts run out.

mod client;
mod deliver;
pub mod schedule;
pub mod signature;

use std::sync::Arc;

use crate::domain::notify::kind;
use crate::domain::webhooks::{self, DELIVER};
use crate::entities::job;
use crate::jobs::{Handler, Run, Runner};
use crate::notify::Context;

pub use client::TIMEOUT;

pub fn register(runner: Runner, context: Arc<Context>) -> anyhow::Result<Runner> {
    let sender = client::Sender::new(context.settings.webhook_allow_private)?;
    let deliver = deliver::Deliver::new(context.clone(), sender);
    Ok(runner
        .handle(kind::EVENT, Arc::new(FanOut(context)))
        .handle(DELIVER, Arc::new(deliver)))
}

/// Hands an event to every endpoint subscribed to its type.
struct FanOut(Arc<Context>);

impl Handler for FanOut {
    fn run<'a>(&'a self, job: &'a job::Model) -> Run<'a> {
        Box::pin(async move {
            let endpoints = webhooks::fan_out(&self.0.db, &job.payload)
                .await
                .map_err(|e| format!("could not fan the event out: {e}"))?;
            tracing::debug!(job = job.id, endpoints, "webhook event fanned out");
            Ok(())
        })
    }
}
