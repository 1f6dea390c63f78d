//! Outgoing webhooks (Standard Webhooks). Until endpoints exist, an event has no one to go to.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::domain::notify::kind;
use crate::entities::job;
use crate::jobs::{Handler, Outcome, Runner};
use crate::notify::Context;

pub fn register(runner: Runner, context: Arc<Context>) -> Runner {
    runner.handle(kind::EVENT, Arc::new(FanOut(context)))
}

/// Hands an event to every endpoint subscribed to its type.
struct FanOut(#[allow(dead_code)] Arc<Context>);

impl Handler for FanOut {
    fn run<'a>(
        &'a self,
        _job: &'a job::Model,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send + 'a>> {
        Box::pin(async { Ok(()) })
    }
}
