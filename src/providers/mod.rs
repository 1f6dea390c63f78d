//! The payment providers' implementations of `domain::providers::PaymentProvider`: their HTTP
//! clients and webhook signature checks, kept out of the domain.

pub mod paypal;
