//! Where every record type of the panel lives, and the small cells that link to one. Each path
//! is written here once; pages build their links from these.

use crate::web::admin::view::Cell;

pub const PAYMENTS: &str = "/admin/billing/payment/";
pub const INVOICES: &str = "/admin/billing/invoice/";
pub const SUBSCRIPTIONS: &str = "/admin/billing/subscription/";
pub const LEDGER: &str = "/admin/billing/credittransaction/";
pub const PLANS: &str = "/admin/billing/plan/";
pub const PAYMENT_METHODS: &str = "/admin/billing/paymentmethodconfig/";
pub const TOP_UP_PACKAGES: &str = "/admin/billing/topuppackage/";
pub const ACCOUNTS: &str = "/admin/accounts/account/";
pub const USERS: &str = "/admin/accounts/user/";
pub const SITES: &str = "/admin/sites/site/";
pub const INDUSTRIES: &str = "/admin/sites/industry/";
pub const WEBHOOK_ENDPOINTS: &str = "/admin/notifications/webhookendpoint/";
pub const JOBS: &str = "/admin/notifications/job/";
pub const PROVIDER_EVENTS: &str = "/admin/billing/providerevent/";
/// No list of their own: credit notes are shown on their invoice's page; only their PDFs live
/// here.
pub const CREDIT_NOTES: &str = "/admin/billing/creditnote/";

/// A record's PDF: `pdf(INVOICES, 7)` → `/admin/billing/invoice/7/pdf/`.
pub fn pdf(list: &str, id: i64) -> String {
    format!("{list}{id}/pdf/")
}

/// A paid invoice's receipt PDF.
pub fn receipt_pdf(invoice_id: i64) -> String {
    format!("{INVOICES}{invoice_id}/receipt/pdf/")
}

/// One record's page: `href(ACCOUNTS, 7)` → `/admin/accounts/account/7/`.
pub fn href(list: &str, id: i64) -> String {
    format!("{list}{id}/")
}

/// A list narrowed to one account: `?account=7`.
pub fn of_account(list: &str, account_id: i64) -> String {
    format!("{list}?account={account_id}")
}

/// An account's name, linking to its page.
pub fn account_cell(id: i64, name: &str) -> Cell {
    Cell::link(name, href(ACCOUNTS, id))
}

/// A user's email, linking to their page.
pub fn user_cell(id: i64, email: &str) -> Cell {
    Cell::link(email, href(USERS, id))
}

pub use crate::web::format::time;
