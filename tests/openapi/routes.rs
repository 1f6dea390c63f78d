//! What the API is, independently of its description: its routes, who may call them, which
//! honour an idempotency key.

/// The API's routes, as the guide and the issues name them.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("get", "/auth/me"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("get", "/industries"),
    ("get", "/billing/plans"),
    ("get", "/billing/credit-costs"),
    ("get", "/billing/admin/payment-methods"),
    ("get", "/billing/invoices"),
    ("get", "/billing/invoices/{id}"),
    ("get", "/billing/payments"),
    ("post", "/billing/payments/{id}/proof"),
    ("get", "/billing/payments/{id}/proof"),
    ("post", "/billing/admin/payments/confirm"),
    ("get", "/billing/admin/payments"),
    ("get", "/billing/admin/audit"),
    ("post", "/billing/admin/payments/{id}/approve"),
    ("post", "/billing/admin/payments/{id}/reject"),
    ("get", "/billing/credits/balance"),
    ("get", "/billing/credits/transactions"),
    ("post", "/billing/credits/usage"),
    ("get", "/billing/credits/top-ups"),
    ("post", "/billing/credits/top-ups"),
    ("get", "/sites"),
    ("post", "/sites"),
    ("get", "/sites/{id}"),
    ("post", "/billing/invoices/{id}/pay/card"),
    ("post", "/billing/invoices/{id}/pay/paypal"),
    ("post", "/billing/payments/{id}/paypal/capture"),
    ("post", "/billing/webhooks/stripe"),
    ("post", "/billing/webhooks/paypal"),
    ("get", "/billing/subscription"),
    ("post", "/billing/subscription/plan"),
    ("post", "/billing/subscription/cancel"),
    ("post", "/billing/subscription/resume"),
    ("get", "/billing/invoices/{id}/pdf"),
    ("get", "/billing/invoices/{id}/receipt/pdf"),
    ("get", "/billing/credit-notes"),
    ("get", "/billing/credit-notes/{id}/pdf"),
];

/// Operations that answer a PDF file rather than a JSON envelope.
pub const PDF: &[&str] = &[
    "/billing/invoices/{id}/pdf",
    "/billing/invoices/{id}/receipt/pdf",
    "/billing/credit-notes/{id}/pdf",
];

/// Operations anyone may call (README's "public" row).
pub const PUBLIC: &[(&str, &str)] = &[
    ("get", "/billing/admin/payment-methods"),
    ("get", "/billing/plans"),
    ("get", "/billing/credit-costs"),
    ("get", "/billing/credits/top-ups"),
    ("get", "/industries"),
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    // The providers' signed events: the signature is the proof, not a token.
    ("post", "/billing/webhooks/stripe"),
    ("post", "/billing/webhooks/paypal"),
];

/// Operations that honour `Idempotency-Key` (every call that changes money): the `POST`s of
/// these paths (buying credits shares its path with the `GET` of the packages).
pub const KEYED: &[&str] = &[
    "/auth/register",
    "/billing/admin/payments/confirm",
    "/billing/admin/payments/{id}/approve",
    "/billing/admin/payments/{id}/reject",
    "/billing/credits/usage",
    "/billing/credits/top-ups",
    "/billing/invoices/{id}/pay/card",
    "/billing/invoices/{id}/pay/paypal",
];

/// Operations a payment provider may refuse as sent (402), and where a provider that is not
/// offered for the account, or not set up, is refused (422).
pub const PROVIDER: &[&str] = &[
    "/billing/invoices/{id}/pay/card",
    "/billing/invoices/{id}/pay/paypal",
    "/billing/payments/{id}/paypal/capture",
];
pub const DECLINABLE: &[&str] = &[
    "/billing/invoices/{id}/pay/card",
    "/billing/payments/{id}/paypal/capture",
];
/// The webhooks answer 404 while their provider is not set up.
pub const WEBHOOKS: &[&str] = &["/billing/webhooks/stripe", "/billing/webhooks/paypal"];

pub const ANY_SIGNED_IN: &[&str] = &["/auth/logout", "/auth/me"];
