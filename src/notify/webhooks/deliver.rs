//! One attempt of one delivery: sign, POST, record how it went on the delivery's row, and
//! tell the runner when to try again (the schedule, or later when the receiver asks) or that
//! it is over (delivered, 410 Gone, the endpoint disabled or deleted, no attempt left).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::client::{Answer, Request, Sender};
use super::{schedule, signature};
use crate::domain::webhooks::{self, Attempt, Next, signing_secrets};
use crate::entities::job;
use crate::jobs::{Failure, Handler, Outcome, Run};
use crate::notify::Context;

pub struct Deliver {
    context: Arc<Context>,
    sender: Sender,
}

impl Deliver {
    pub fn new(context: Arc<Context>, sender: Sender) -> Deliver {
        Deliver { context, sender }
    }

    async fn attempt(&self, job: &job::Model) -> Outcome {
        let db = &self.context.db;
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
        let Some(id) = payload["delivery_id"].as_i64() else {
            return Err(Failure::give_up("the job names no delivery"));
        };
        let found = webhooks::delivery_with_endpoint(db, id)
            .await
            .map_err(|e| format!("could not load the delivery: {e}"))?;
        let Some((delivery, endpoint)) = found else {
            return Err(Failure::give_up("the endpoint or the delivery was deleted"));
        };
        if !endpoint.enabled {
            let reason = match &endpoint.disabled_reason {
                Some(why) => format!("the endpoint is disabled ({why})"),
                None => "the endpoint is disabled".to_owned(),
            };
            if let Err(e) = webhooks::give_up(db, id, &reason).await {
                tracing::warn!(delivery = id, error = %e, "could not record a delivery given up");
            }
            return Err(Failure::give_up(reason));
        }

        let now = Utc::now();
        let timestamp = now.timestamp();
        let secrets = signing_secrets(&endpoint, now);
        let signature =
            signature::header(&secrets, &delivery.message_id, timestamp, &delivery.payload);
        let request = Request {
            url: &endpoint.url,
            message_id: &delivery.message_id,
            timestamp,
            signature: &signature,
            body: &delivery.payload,
        };
        let sent = self.sender.post(request).await;
        let last = job.attempts >= job.max_attempts;
        let (attempt, outcome) = match sent {
            Ok(answer) if (200..300).contains(&answer.status) => {
                (attempt_of(&answer, None, Next::Done), Ok(()))
            }
            Ok(answer) if answer.status == 410 => {
                let reason = format!(
                    "The receiver answered 410 Gone at {}; endpoint disabled.",
                    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
                if let Err(e) = webhooks::disable_gone(db, endpoint.id, reason.clone()).await {
                    tracing::warn!(endpoint = endpoint.id, error = %e, "could not disable");
                }
                let error = "HTTP 410 Gone".to_owned();
                let attempt = attempt_of(&answer, Some(error), Next::GiveUp);
                (attempt, Err(Failure::give_up(reason)))
            }
            Ok(answer) => {
                let error = format!("HTTP {}", answer.status);
                let (next, failure) = retry(job.attempts, last, error.clone(), answer.retry_after);
                (attempt_of(&answer, Some(error), next), Err(failure))
            }
            Err(error) => {
                let (next, failure) = retry(job.attempts, last, error.clone(), None);
                let attempt = Attempt {
                    status: None,
                    error: Some(error),
                    excerpt: None,
                    next,
                };
                (attempt, Err(failure))
            }
        };
        // A failure to record is logged, not retried: the attempt was made, and sending it
        // again for a bookkeeping error would send the receiver a duplicate.
        if let Err(e) = webhooks::record_attempt(db, id, attempt).await {
            tracing::warn!(delivery = id, error = %e, "could not record a delivery attempt");
        }
        outcome
    }
}

fn attempt_of(answer: &Answer, error: Option<String>, next: Next) -> Attempt {
    Attempt {
        status: Some(answer.status),
        error,
        excerpt: Some(answer.excerpt.clone()).filter(|e| !e.is_empty()),
        next,
    }
}

/// After failed attempt number `attempt`: when the next one is, or that there is none.
fn retry(
    attempt: i32,
    last: bool,
    error: String,
    retry_after: Option<Duration>,
) -> (Next, Failure) {
    if last {
        return (Next::GiveUp, Failure::give_up(error));
    }
    let wait = schedule::delay(attempt, retry_after);
    let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
    (Next::RetryAt(at), Failure::retry_after(error, wait))
}

impl Handler for Deliver {
    fn run<'a>(&'a self, job: &'a job::Model) -> Run<'a> {
        Box::pin(self.attempt(job))
    }
}
