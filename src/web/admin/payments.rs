//! `/admin/billing/payment/`: the approval queue (filters, search, sort; the bulk actions are
//! in `payment_review.rs`) and one payment's change page.

use std::collections::HashSet;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, Duration, TimeZone, Utc};

use crate::domain::money::format_minor;
use crate::domain::payment_queue::{self, PaymentRow, StaffFilter};
use crate::domain::status::{PaymentMethod, PaymentStatus};
use crate::error::Error;
use crate::state::AppState;
use crate::web::admin::links::{self, time};
use crate::web::admin::payment_review;
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{Meta, Section};
use crate::web::admin::record_pages;
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{
    Action, Cell, ChangePage, Field, FilterGroup, FormView, ListPage, Row, html,
};
use crate::web::error::PageError;
use crate::web::session::SignedInPage;

pub(crate) const LIST: &str = links::PAYMENTS;
/// The payment queue: a hand-written list (bulk review), registered like the generic records.
pub const META: Meta = Meta::new(LIST, "Payments", "payment", Section::Billing);

/// The queue, a payment's page, and the reviews posted from them (`payment_review`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/billing/payment",
            get(list).post(payment_review::bulk_action),
        )
        .route("/billing/payment/{id}", get(change))
        .route("/billing/payment/{id}/proof", get(proof))
        .route(
            "/billing/payment/{id}/{decision}",
            post(payment_review::review),
        )
}
pub(crate) const APPROVE: &str = "approve_selected";
pub(crate) const REJECT: &str = "reject_selected";

pub(crate) fn crumbs() -> Vec<(String, String)> {
    vec![("Billing".into(), "/admin/#billing".into())]
}

/// `submitted=` values and the moment each starts from.
fn since(choice: Option<&str>) -> Option<chrono::DateTime<Utc>> {
    let now = Utc::now();
    let midnight = |d: chrono::NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?).into();
    match choice? {
        "today" => midnight(now.date_naive()),
        "7d" => Some(now - Duration::days(7)),
        "month" => midnight(now.date_naive().with_day(1)?),
        "year" => midnight(now.date_naive().with_ordinal(1)?),
        _ => None,
    }
}

const DATE_CHOICES: [(&str, &str); 4] = [
    ("today", "Today"),
    ("7d", "Past 7 days"),
    ("month", "This month"),
    ("year", "This year"),
];

const METHODS: [&str; 5] = [
    PaymentMethod::BankTransfer.as_str(),
    PaymentMethod::LocalWallet.as_str(),
    PaymentMethod::Manual.as_str(),
    PaymentMethod::Stripe.as_str(),
    PaymentMethod::Paypal.as_str(),
];

fn filter_from(q: &ListQuery) -> StaffFilter {
    StaffFilter {
        status: q.get("status").map(str::to_owned),
        method: q.get("method").map(str::to_owned),
        since: since(q.get("submitted")),
        listing: q.listing(),
    }
}

/// What a page of payments shares with other payments: references, and proof files (by
/// their SHA-256) — a likely duplicate or fraud, flagged beside the reference.
#[derive(Default)]
pub(crate) struct Shared {
    references: HashSet<String>,
    proofs: HashSet<String>,
}

impl Shared {
    fn proof_warning(&self, p: &crate::entities::payment::Model) -> Option<String> {
        p.proof_sha256
            .as_ref()
            .filter(|h| self.proofs.contains(*h))
            .map(|_| "proof file also attached to another payment".to_owned())
    }
}

/// The cells of one payment, as the list and the confirmation page show them.
pub(crate) fn cells(row: &PaymentRow, shared: &Shared, full: bool) -> Vec<Cell> {
    let p = &row.payment;
    let warnings: Vec<String> = [
        p.manual_reference
            .as_ref()
            .filter(|r| shared.references.contains(*r))
            .map(|_| "reference used by another payment".to_owned()),
        shared.proof_warning(p),
    ]
    .into_iter()
    .flatten()
    .collect();
    let reference = Cell::opt(p.manual_reference.clone())
        .warned(Some(warnings.join("; ")).filter(|w| !w.is_empty()));
    let mut cells = vec![
        Cell::link(
            &row.account_name,
            links::href(links::ACCOUNTS, p.account_id),
        ),
        Cell::link(
            &row.invoice_number,
            links::href(links::INVOICES, p.invoice_id),
        ),
        Cell::text(format!(
            "{} {}",
            format_minor(p.amount, &p.currency),
            p.currency
        )),
    ];
    if full {
        cells.push(Cell::text(p.payment_method.as_str().replace('_', " ")));
    }
    cells.push(reference);
    cells.push(Cell::badge(p.status.as_str()));
    if full {
        cells.push(Cell::text(time(p.created_at)));
        cells.push(Cell::opt(row.approved_by.clone()));
        cells.push(Cell::opt(p.approved_at.map(time)));
    }
    cells
}

pub(crate) async fn shared_refs(state: &AppState, rows: &[PaymentRow]) -> Result<Shared, Error> {
    let refs: Vec<String> = rows
        .iter()
        .filter_map(|r| r.payment.manual_reference.clone())
        .collect();
    let hashes: Vec<String> = rows
        .iter()
        .filter_map(|r| r.payment.proof_sha256.clone())
        .collect();
    Ok(Shared {
        references: payment_queue::shared_references(&state.db, &refs).await?,
        proofs: payment_queue::shared_proofs(&state.db, &hashes).await?,
    })
}

/// The proof's cell on a payment's page: an image shown inline, a PDF linked (both through
/// the staff-only route below), flagged when another payment has the same file.
fn proof_cell(p: &crate::entities::payment::Model, shared: &Shared) -> Cell {
    let (Some(_), Some(name)) = (&p.proof, &p.proof_name) else {
        return Cell::text("—");
    };
    let href = format!("{LIST}{}/proof/", p.id);
    let kind = p.proof_content_type.as_deref().unwrap_or_default();
    let size =
        crate::domain::proofs::describe_size(p.proof_size.unwrap_or_default().max(0) as usize);
    let cell = if kind.starts_with("image/") {
        Cell::image(format!("Proof: {name}"), href)
    } else {
        Cell::link(format!("{name} (PDF, {size})"), href)
    };
    cell.warned(shared.proof_warning(p))
}

/// A payment's proof file, for staff: shown in the browser (an image, a PDF), in a sandbox.
pub async fn proof(
    State(state): State<AppState>,
    _staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound("Payment not found".into()))?;
    let file = crate::domain::proofs::for_staff(&state.db, &state.proofs, id).await?;
    Ok(crate::api::uploads::download(
        file,
        crate::api::uploads::Disposition::Inline,
    ))
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = filter_from(&q);
    let (page, counts) = payment_queue::list_for_staff_with_counts(
        &state.db,
        filter,
        record_pages::page_request(&q),
    )
    .await?;
    let shared = shared_refs(&state, &page.items).await?;

    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "-id");
    let columns = vec![
        column("ID", Some("id")),
        column("Account", None),
        column("Invoice", None),
        column("Amount", Some("amount")),
        column("Method", Some("method")),
        column("Reference", Some("reference")),
        column("Status", Some("status")),
        column("Submitted", Some("created")),
        column("Approved by", None),
        column("Approved at", Some("approved")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let mut cells = vec![Cell::link(
                row.payment.id.to_string(),
                format!("{LIST}{}/", row.payment.id),
            )];
            cells.extend(self::cells(row, &shared, true));
            Row {
                id: row.payment.id,
                cells,
            }
        })
        .collect();

    let option = |key: &str, value: Option<&str>, label: &str, count: Option<u64>| {
        q.filter_option(LIST, key, value, label, count)
    };
    let mut by_status = vec![option("status", None, "All", Some(counts.values().sum()))];
    by_status.extend(PaymentStatus::TEXTS.iter().map(|s| {
        option(
            "status",
            Some(s),
            s,
            Some(counts.get(*s).copied().unwrap_or(0)),
        )
    }));
    let mut by_method = vec![option("method", None, "All", None)];
    by_method.extend(METHODS.iter().map(|m| option("method", Some(m), m, None)));
    let mut by_date = vec![option("submitted", None, "Any date", None)];
    by_date.extend(
        DATE_CHOICES
            .iter()
            .map(|(v, l)| option("submitted", Some(v), l, None)),
    );

    let list = ListPage {
        chrome: staffer.chrome(&state, "Payments", crumbs()).await?,
        heading: "Select payment to change".into(),
        search: record_pages::search_box(&q),
        filters: vec![
            FilterGroup {
                title: "status".into(),
                options: by_status,
            },
            FilterGroup {
                title: "method".into(),
                options: by_method,
            },
            FilterGroup {
                title: "submitted".into(),
                options: by_date,
            },
        ],
        columns,
        rows,
        actions: vec![
            Action {
                value: APPROVE.into(),
                label: "Approve selected manual payments".into(),
            },
            Action {
                value: REJECT.into(),
                label: "Reject selected manual payments".into(),
            },
        ],
        action_url: q.with("p", q.get("p")).href(LIST),
        pager: q.pager(LIST, page.count, record_pages::PAGE_SIZE),
        add_href: None,
    };
    Ok(html(&list))
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound("Payment not found".into()))?;
    let row = payment_queue::row(&state.db, id).await?;
    let shared = shared_refs(&state, std::slice::from_ref(&row)).await?;
    let p = &row.payment;
    let mut list_cells = cells(&row, &shared, false).into_iter();
    let mut next = || list_cells.next().unwrap_or_default();
    let (account, invoice, amount, reference, badge) = (next(), next(), next(), next(), next());
    let fields = vec![
        ("ID".to_owned(), Cell::text(p.id.to_string())),
        ("Status".to_owned(), badge),
        ("Account".to_owned(), account),
        ("Invoice".to_owned(), invoice),
        ("Amount".to_owned(), amount),
        (
            "Method".to_owned(),
            Cell::text(p.payment_method.as_str().replace('_', " ")),
        ),
        ("Manual reference".to_owned(), reference),
        (
            "Provider reference".to_owned(),
            Cell::opt(p.provider_ref.clone()),
        ),
        (
            "Provider capture".to_owned(),
            Cell::opt(p.provider_capture.clone()),
        ),
        ("Manual notes".to_owned(), Cell::opt(p.manual_notes.clone())),
        ("Proof".to_owned(), proof_cell(p, &shared)),
        ("Admin notes".to_owned(), Cell::opt(p.admin_notes.clone())),
        (
            "Failure reason".to_owned(),
            Cell::opt(p.failure_reason.clone()),
        ),
        ("Reviewed by".to_owned(), Cell::opt(row.approved_by.clone())),
        ("Reviewed at".to_owned(), Cell::opt(p.approved_at.map(time))),
        ("Submitted".to_owned(), Cell::text(time(p.created_at))),
    ];
    let mut forms = Vec::new();
    if p.status == PaymentStatus::PendingApproval {
        forms.push(FormView {
            title: "Approve".into(),
            action: format!("{LIST}{id}/approve/"),
            fields: vec![Field::new("textarea", "admin_notes", "Admin notes", "")],
            submit: "Approve payment".into(),
            danger: false,
        });
        forms.push(FormView {
            title: "Reject".into(),
            action: format!("{LIST}{id}/reject/"),
            fields: vec![
                Field::new("textarea", "admin_notes", "Admin notes", ""),
                Field::new("text", "failure_reason", "Reason for rejection", "")
                    .help("Shown to the customer, e.g. \"Reference not found\"."),
            ],
            submit: "Reject payment".into(),
            danger: true,
        });
    }
    let tables = match p.payment_method.is_manual() {
        true => vec![],
        false => {
            let events = crate::domain::providers::inbound::of_payment(&state.db, id).await?;
            vec![crate::web::admin::provider_events::history(&events)]
        }
    };
    let mut crumbs = crumbs();
    crumbs.push(("Payments".into(), LIST.into()));
    let page = ChangePage {
        chrome: staffer
            .chrome(&state, format!("Payment #{id}"), crumbs)
            .await?,
        heading: format!("Payment #{id} — {}", row.invoice_number),
        fields,
        tables,
        forms,
    };
    Ok(html(&page))
}
