//! The payment providers behind `domain::providers::PaymentProvider`: HTTP clients for their
//! APIs and the checks of their webhook signatures. Nothing here changes tollgate's records;
//! the domain does, with what these return.

pub mod paypal;
pub mod refunds;
pub mod stripe;

use std::sync::Arc;

use crate::domain::status::PaymentMethod;

/// The providers this server has keys for.
#[derive(Clone, Default)]
pub struct Configured {
    pub stripe: Option<Arc<stripe::Stripe>>,
    pub paypal: Option<Arc<paypal::Paypal>>,
}

impl Configured {
    pub fn from_settings(settings: &crate::config::Providers) -> anyhow::Result<Configured> {
        let certs = Arc::new(paypal::HttpCertFetcher::new()?);
        Ok(Configured {
            stripe: stripe::Stripe::from_settings(settings)?.map(Arc::new),
            paypal: paypal::Paypal::from_settings(settings, certs).map(Arc::new),
        })
    }

    /// The provider methods without keys here: listed as configured but not taken.
    pub fn missing(&self) -> Vec<PaymentMethod> {
        let mut missing = Vec::new();
        if self.stripe.is_none() {
            missing.push(PaymentMethod::Stripe);
        }
        if self.paypal.is_none() {
            missing.push(PaymentMethod::Paypal);
        }
        missing
    }
}
