//! The generic record admin (after cot's `AdminModel` and Django's `ModelAdmin`): a record type
//! says what it lists and shows — columns, filters, cells, facts, related tables, forms — and
//! `list::<R>`, `change::<R>` and `routes::<R>` are written once for all of them. One-off pages
//! (bulk review, credit adjustment, user access, site activation) stay hand-written beside it.
//! A trait, not a macro, so a mistake in a record reads as an ordinary compile error.

use std::future::Future;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;

use crate::db::Db;
use crate::domain::page::{Page, PageRequest};
use crate::domain::staff::StaffActor;
use crate::domain::{backoffice, catalog_admin};
use crate::entities;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::query::ListQuery;
use crate::web::admin::record_pages::{PAGE_SIZE, page_request, parse_id, search_box};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{
    Action, Cell, ChangePage, FilterGroup, FormView, ListPage, Row, TableView, html,
};
use crate::web::error::PageError;
use crate::web::session::SignedInPage;

/// One column of a list: its label, and the sort key when it can be sorted by.
pub type ColumnDef = (&'static str, Option<&'static str>);

/// A list's columns, a row each in one line: `"Label" => "sort key"` for a column staff may
/// sort by (one of the domain list's sorts), `"Label"` alone for one they may not.
macro_rules! columns {
    ($($label:literal $(=> $key:literal)?),* $(,)?) => {
        &[$(($label, $crate::web::admin::record::columns!(@key $($key)?))),*]
    };
    (@key) => { None };
    (@key $key:literal) => { Some($key) };
}
pub(crate) use columns;

/// A page of rows and the sidebar's filters (with their counts) for the same query.
pub struct Listed<R> {
    pub page: Page<R>,
    pub filters: Vec<FilterGroup>,
}

/// The sections of the panel's home page, in order, with their anchors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Billing,
    Accounts,
    Sites,
    /// Outgoing webhooks and the job queue behind every notification.
    Notifications,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Billing,
        Section::Accounts,
        Section::Sites,
        Section::Notifications,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Billing => "Billing",
            Section::Accounts => "Accounts",
            Section::Sites => "Sites",
            Section::Notifications => "Notifications",
        }
    }

    /// `/admin/#billing`: where the home page lists this section.
    pub fn anchor(self) -> String {
        format!("/admin/#{}", self.title().to_lowercase())
    }
}

/// What the panel knows of a record type: where its list is, what it is called, where the
/// home page lists it, how its list is ordered, and whether records are added from the panel.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    /// The list's path, e.g. `links::USERS`; a record's page is `{list}{id}/`.
    pub list: &'static str,
    /// The list's title ("Users") and what one record is called ("user").
    pub title: &'static str,
    pub noun: &'static str,
    pub section: Section,
    /// The order when none is asked for.
    pub default_sort: &'static str,
    /// What the list invites: "Select user to change", or "… to view" for a read-only record.
    pub verb: &'static str,
    /// Whether new records are added at `{list}add/` (an `Editable` record's add page).
    pub addable: bool,
}

impl Meta {
    pub const fn new(
        list: &'static str,
        title: &'static str,
        noun: &'static str,
        section: Section,
    ) -> Meta {
        Meta {
            list,
            title,
            noun,
            section,
            default_sort: "-id",
            verb: "change",
            addable: false,
        }
    }
    pub const fn read_only(self) -> Meta {
        Meta {
            verb: "view",
            ..self
        }
    }
    pub const fn sorted_by(self, default_sort: &'static str) -> Meta {
        Meta {
            default_sort,
            ..self
        }
    }
    pub const fn addable(self) -> Meta {
        Meta {
            addable: true,
            ..self
        }
    }
}

/// The id of a staff read (a list row or a record's page), for links to the record.
pub trait Identified {
    fn id(&self) -> i64;
}

/// Where each staff read keeps its record's id, in one list.
macro_rules! identified {
    ($($read:ty => $($field:ident).+;)+) => {
        $(impl Identified for $read {
            fn id(&self) -> i64 {
                self.$($field).+
            }
        })+
    };
}

identified! {
    backoffice::AccountRow => account.id;
    backoffice::AccountDetail => account.id;
    backoffice::InvoiceRow => invoice.id;
    backoffice::InvoiceDetail => invoice.id;
    backoffice::LedgerRow => entry.id;
    backoffice::SubscriptionRow => subscription.id;
    backoffice::UserRow => user.id;
    catalog_admin::SiteRow => site.id;
    catalog_admin::SiteDetail => row.site.id;
    entities::industry::Model => id;
    entities::plan::Model => id;
    entities::payment_method_config::Model => id;
    entities::top_up_package::Model => id;
}

pub trait Record: Sized + Send + Sync + 'static {
    const META: Meta;
    /// One list row and one record's page, as the domain's staff reads return them.
    type Row: Identified + Send + Sync;
    type Detail: Identified + Send + Sync;

    /// The list's columns, in order ([`columns!`]).
    const COLUMNS: &'static [ColumnDef];
    /// The rows a list's query selects, with its sidebar.
    fn fetch(
        db: &Db,
        q: &ListQuery,
        req: PageRequest,
    ) -> impl Future<Output = Result<Listed<Self::Row>>> + Send;
    fn cells(row: &Self::Row) -> Vec<Cell>;

    fn get(db: &Db, id: i64) -> impl Future<Output = Result<Self::Detail>> + Send;
    /// The page's heading ("User #3 — a@b.com") and its short title (browser tab, crumbs).
    fn heading(detail: &Self::Detail) -> String;
    /// Where the heading is too long for a tab or a crumb; the heading otherwise.
    fn title(detail: &Self::Detail) -> String {
        Self::heading(detail)
    }
    fn facts(detail: &Self::Detail) -> Vec<(String, Cell)>;
    fn tables(_detail: &Self::Detail) -> Vec<TableView> {
        Vec::new()
    }
    /// Bulk actions offered on the list (posted to the list's own path, handled by the record's
    /// module).
    fn actions() -> Vec<Action> {
        Vec::new()
    }
    /// Forms of one-off actions shown beside the facts, for the signed-in staff member.
    fn forms(_detail: &Self::Detail, _staff: &StaffActor) -> Vec<FormView> {
        Vec::new()
    }
    /// The record's pages: its list and record pages, plus whatever one-off actions it adds
    /// (`record::routes::<Self>().route(…)`) or its edit pages (`editable::routes::<Self>()`).
    fn routes() -> Router<AppState> {
        routes::<Self>()
    }
}

/// A record type's entry in the panel: its card on the home page and its routes.
pub struct Registered {
    pub meta: Meta,
    pub routes: fn() -> Router<AppState>,
}

/// The entry of record type `R`: one line in `admin::RECORDS`.
pub const fn registered<R: Record>() -> Registered {
    Registered {
        meta: R::META,
        routes: R::routes,
    }
}

/// The page's path inside the panel's router (`/admin` is where it is nested; the router sees
/// paths without their trailing slash).
fn route_path<R: Record>() -> String {
    R::META
        .list
        .trim_start_matches("/admin")
        .trim_end_matches('/')
        .to_owned()
}

/// `GET {LIST}` and `GET {LIST}{id}/` for record type `R`.
pub fn routes<R: Record>() -> Router<AppState> {
    let path = route_path::<R>();
    Router::new()
        .route(&path, get(list::<R>))
        .route(&format!("{path}/{{id}}"), get(change::<R>))
}

pub(crate) fn crumbs<R: Record>() -> Vec<(String, String)> {
    let section = R::META.section;
    vec![(section.title().into(), section.anchor())]
}

pub async fn list<R: Record>(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let listed = R::fetch(&state.db, &q, page_request(&q)).await?;
    let columns = R::COLUMNS
        .iter()
        .map(|(label, key)| q.column(R::META.list, label, *key, R::META.default_sort))
        .collect();
    let rows = listed
        .page
        .items
        .iter()
        .map(|row| Row {
            id: row.id(),
            cells: R::cells(row),
        })
        .collect();
    let page = ListPage {
        chrome: staffer.chrome(&state, R::META.title, crumbs::<R>()).await?,
        heading: format!("Select {} to {}", R::META.noun, R::META.verb),
        search: search_box(&q),
        filters: listed.filters,
        columns,
        rows,
        actions: R::actions(),
        action_url: q.href(R::META.list),
        pager: q.pager(R::META.list, listed.page.count, PAGE_SIZE),
        add_href: R::META.addable.then(|| format!("{}add/", R::META.list)),
    };
    Ok(html(&page))
}

pub async fn change<R: Record>(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let detail = R::get(&state.db, parse_id(&id, &capitalised(R::META.noun))?).await?;
    let mut crumbs = crumbs::<R>();
    crumbs.push((R::META.title.into(), R::META.list.into()));
    let page = ChangePage {
        chrome: staffer.chrome(&state, R::title(&detail), crumbs).await?,
        heading: R::heading(&detail),
        fields: R::facts(&detail),
        tables: R::tables(&detail),
        forms: R::forms(&detail, &staffer.staff),
    };
    Ok(html(&page))
}

/// "credit transaction" → "Credit transaction", for "… not found".
pub(crate) fn capitalised(noun: &str) -> String {
    let mut chars = noun.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A fact of a record's page.
pub fn fact(label: &str, cell: Cell) -> (String, Cell) {
    (label.to_owned(), cell)
}
