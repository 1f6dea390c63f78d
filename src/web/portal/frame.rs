//! What every portal page shows around its content: the account, the navigation and the
//! banners, which tell a customer on every page where their subscription stands (past due,
//! suspended, a trial ending…) and what their payment is waiting for.

use chrono::Utc;
use sea_orm::FromQueryResult;

use crate::domain::lifecycle::notice::{self as lifecycle, Notice};
use crate::domain::of_account::{self, OfAccount};
use crate::domain::page::PageRequest;
use crate::domain::standing::{self, Standing};
use crate::domain::status::{AccountStatus, PaymentMethod};
use crate::entities::invoice;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::format::{ago, money};
use crate::web::page::Chrome;
use crate::web::portal::session::Customer;
use crate::web::session::SignedInPage;

/// The banner's text and where it leads.
pub struct Banner {
    /// `pending`, `unpaid`, `rejected`, `ending`, `overdue` or `ended` (its class in the
    /// stylesheet).
    pub kind: &'static str,
    pub text: String,
    pub link: Option<(String, String)>,
}

/// The portal's sections, in the navigation's order: (label, path).
const SECTIONS: [(&str, &str); 7] = [
    ("Overview", "/"),
    ("Plan", "/plan/"),
    ("Invoices", "/invoices/"),
    ("Payments", "/payments/"),
    ("Credits", "/credits/"),
    ("Sites", "/sites/"),
    ("Billing details", "/billing/"),
];

pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
    /// This page's section.
    pub current: bool,
}

pub struct Frame {
    pub chrome: Chrome,
    pub account_name: String,
    /// The lifecycle's banner first (the more urgent), then the payment's.
    pub banners: Vec<Banner>,
    pub nav: Vec<NavLink>,
}

/// The account's rows of `E` a portal list shows, newest first: the first 100, which for an
/// account (a few invoices, payments and ledger entries a month) is all of them in practice.
pub async fn newest_rows<E>(
    state: &AppState,
    customer: &Customer,
) -> Result<Vec<E::Model>, PageError>
where
    E: OfAccount,
    E::Model: FromQueryResult + Send + Sync,
{
    let newest = PageRequest {
        page: 1,
        page_size: 100,
    };
    let account_id = customer.member.account.id;
    Ok(of_account::newest::<E>(&state.db, account_id, newest)
        .await?
        .items)
}

/// The frame of a page in `section` (its path in [`SECTIONS`]), with the flash left by the
/// previous request; and the account's standing, which the page may show more of.
pub async fn frame(
    state: &AppState,
    customer: &Customer,
    title: impl Into<String> + Send,
    section: &'static str,
) -> Result<(Frame, Standing), PageError> {
    let chrome = customer.chrome(state, title, Vec::new()).await?;
    let account = &customer.member.account;
    let standing = standing::of_account(&state.db, account.id).await?;
    let notice = lifecycle::notice(&state.db, account).await?;
    let banners = notice_banner(notice.as_ref())
        .into_iter()
        .chain(banner(&standing, account.status).filter(|_| !told(notice.as_ref(), &standing)))
        .collect();
    let frame = Frame {
        chrome,
        account_name: customer.member.account.name.clone(),
        banners,
        nav: SECTIONS
            .iter()
            .map(|&(label, href)| NavLink {
                label,
                href,
                current: href == section,
            })
            .collect(),
    };
    Ok((frame, standing))
}

pub fn invoice_href(id: i64) -> String {
    format!("/invoices/{id}/")
}

/// Whether the lifecycle's banner already leads to the invoice the payment's would: an unpaid
/// renewal is said once, as past due or suspended.
fn told(notice: Option<&Notice>, standing: &Standing) -> bool {
    let (
        Some(Notice::PastDue { invoice } | Notice::Suspended { invoice }),
        Standing::Unpaid { .. },
    ) = (notice, standing)
    else {
        return false;
    };
    invoice.as_ref().map(|i| i.id) == standing.invoice().map(|i| i.id)
}

const PLAN_PAGE: &str = "/plan/";

fn notice_banner(notice: Option<&Notice>) -> Option<Banner> {
    let to_plans = || Some(("Choose a plan".to_owned(), PLAN_PAGE.to_owned()));
    let pay = |invoice: &invoice::Model| Some(("Pay now".to_owned(), invoice_href(invoice.id)));
    Some(match notice? {
        Notice::TrialEnding { ends_at } => Banner {
            kind: "ending",
            text: format!(
                "Your free trial ends on {}; choose a plan to keep using your sites and credits.",
                ends_at.date_naive()
            ),
            link: to_plans(),
        },
        Notice::TrialExpired => Banner {
            kind: "ended",
            text: "Your trial ended; choose a plan to use your sites and credits again.".into(),
            link: to_plans(),
        },
        Notice::PastDue { invoice: Some(i) } => Banner {
            kind: "overdue",
            text: format!(
                "Invoice {} is past due; pay it to avoid suspension.",
                i.invoice_number
            ),
            link: pay(i),
        },
        Notice::PastDue { invoice: None } => Banner {
            kind: "overdue",
            text: "Your subscription is past due.".into(),
            link: Some(("Invoices".into(), "/invoices/".into())),
        },
        Notice::Suspended { invoice: Some(i) } => Banner {
            kind: "overdue",
            text: format!(
                "Your account is suspended until invoice {} is paid.",
                i.invoice_number
            ),
            link: pay(i),
        },
        Notice::Suspended { invoice: None } => Banner {
            kind: "overdue",
            text: "Your account is suspended; please contact support.".into(),
            link: None,
        },
        Notice::Ending { on } => Banner {
            kind: "ending",
            text: format!(
                "Your subscription ends on {} (cancelled); it can be resumed until then.",
                on.date_naive()
            ),
            link: Some(("Plan".into(), PLAN_PAGE.to_owned())),
        },
        Notice::Cancelled => Banner {
            kind: "ended",
            text: "Your subscription was cancelled; choose a plan to use your account again."
                .into(),
            link: to_plans(),
        },
    })
}

fn banner(standing: &Standing, status: AccountStatus) -> Option<Banner> {
    match standing {
        Standing::Settled => None,
        Standing::Unpaid { invoice } => {
            let text = if status == AccountStatus::PendingPayment {
                format!(
                    "Your account is not active yet — pay invoice {} to activate it.",
                    invoice.invoice_number
                )
            } else {
                format!(
                    "Invoice {} of {} is open, due on {}.",
                    invoice.invoice_number,
                    money(invoice.total, &invoice.currency),
                    invoice.due_date
                )
            };
            Some(Banner {
                kind: "unpaid",
                text,
                link: Some(("How to pay".into(), invoice_href(invoice.id))),
            })
        }
        Standing::InReview { invoice, payment } => {
            let what = match payment.payment_method {
                PaymentMethod::BankTransfer => "transfer",
                _ => "payment",
            };
            let reference = payment.manual_reference.as_deref().unwrap_or("—");
            Some(Banner {
                kind: "pending",
                text: format!(
                    "Payment pending — we are checking your {what} of {} (ref {reference}) \
                     submitted {}.",
                    money(payment.amount, &payment.currency),
                    ago(payment.created_at, Utc::now())
                ),
                link: Some(("Invoice".into(), invoice_href(invoice.id))),
            })
        }
        Standing::Rejected { invoice, payment } => {
            let reference = payment.manual_reference.as_deref().unwrap_or("—");
            let reason = payment
                .failure_reason
                .as_deref()
                .unwrap_or("no reason given");
            Some(Banner {
                kind: "rejected",
                text: format!(
                    "Your payment (ref {reference}) was not accepted: {reason}. Please check \
                     it and confirm your payment again."
                ),
                link: Some(("Pay again".into(), invoice_href(invoice.id))),
            })
        }
    }
}
