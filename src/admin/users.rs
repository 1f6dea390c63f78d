//! `/admin/accounts/user/`: every user, customers and staff, by staff and active flags and
//! searchable by email or name; each user's page with the form that sets those two flags.

use crate::admin::form::Form;
use crate::admin::links::{self, time};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::admin::query::ListQuery;
use crate::admin::record_pages::{self, flag, parse_id, yes_no};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{Cell, ChangePage, Field, FormView, ListPage, Row, html};
use crate::app::AppState;
use crate::domain::accounts::{self, UserAccess};
use crate::domain::backoffice::{self, UserFilter, UserRow};
use crate::error::Error;

const LIST: &str = links::USERS;
const YES_NO: [(&str, &str); 2] = [("yes", "Yes"), ("no", "No")];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/user", get(list))
        .route("/accounts/user/{id}", get(change))
        .route("/accounts/user/{id}/access", post(set_access))
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Accounts".into(), "/admin/#accounts".into())]
}

fn full_name(row: &UserRow) -> String {
    format!("{} {}", row.user.first_name, row.user.last_name)
        .trim()
        .to_owned()
}

fn account_cell(row: &UserRow) -> Cell {
    match (row.user.account_id, &row.account_name) {
        (Some(id), Some(name)) => links::account_cell(id, name),
        _ => Cell::text("—"),
    }
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = UserFilter {
        is_staff: flag(&q, "staff"),
        is_active: flag(&q, "active"),
        search: q.get("q").map(str::to_owned),
        sort: q.get("o").map(str::to_owned),
    };
    let req = record_pages::page_request(&q);
    let page = backoffice::users(&state.db, &filter, req).await?;
    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "-id");
    let columns = vec![
        column("ID", Some("id")),
        column("Email", Some("email")),
        column("Name", None),
        column("Account", None),
        column("Role", None),
        column("Staff", None),
        column("Active", None),
        column("Joined", Some("joined")),
        column("Last login", Some("last_login")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let u = &row.user;
            let href = format!("{LIST}{}/", u.id);
            Row {
                id: u.id,
                cells: vec![
                    Cell::link(u.id.to_string(), &href),
                    Cell::link(&u.email, &href),
                    Cell::text(full_name(row)),
                    account_cell(row),
                    Cell::text(&u.role),
                    yes_no(u.is_staff),
                    yes_no(u.is_active),
                    Cell::text(time(u.created_at)),
                    Cell::opt(u.last_login_at.map(time)),
                ],
            }
        })
        .collect();
    let list = ListPage {
        chrome: staffer.chrome(&state, "Users", crumbs()).await?,
        heading: "Select user to change".into(),
        search: record_pages::search_box(&q),
        filters: vec![
            q.choice_filter(LIST, "staff", &YES_NO, None),
            q.choice_filter(LIST, "active", &YES_NO, None),
        ],
        columns,
        rows,
        actions: vec![],
        action_url: q.href(LIST),
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
    let row = backoffice::user_detail(&state.db, parse_id(&id, "User")?).await?;
    let u = &row.user;
    let field = |label: &str, cell: Cell| (label.to_owned(), cell);
    let fields = vec![
        field("ID", Cell::text(u.id.to_string())),
        field("Email", Cell::text(&u.email)),
        field("Name", Cell::text(full_name(&row))),
        field("Account", account_cell(&row)),
        field("Role in account", Cell::text(&u.role)),
        field("Staff", yes_no(u.is_staff)),
        field("Superuser", yes_no(u.is_superuser)),
        field("Active", yes_no(u.is_active)),
        field("Joined", Cell::text(time(u.created_at))),
        field("Last login", Cell::opt(u.last_login_at.map(time))),
    ];
    let ticked = |on: bool| if on { "on" } else { "" };
    let mut staff = Field::new("checkbox", "is_staff", "Staff status", ticked(u.is_staff))
        .help("May sign in to this admin panel and use the staff API.");
    let mut active = Field::new("checkbox", "is_active", "Active", ticked(u.is_active)).help(
        "Untick instead of deleting: an inactive user cannot sign in, and is signed out at once.",
    );
    if u.id == staffer.user.id {
        staff.help = "You cannot remove your own staff status.".into();
        active.help = "You cannot deactivate yourself.".into();
    }
    let form = FormView {
        title: "Permissions".into(),
        action: format!("{LIST}{}/access/", u.id),
        fields: vec![staff, active],
        submit: "Save".into(),
        danger: false,
    };
    let mut crumbs = crumbs();
    crumbs.push(("Users".into(), LIST.into()));
    let page = ChangePage {
        chrome: staffer.chrome(&state, u.email.clone(), crumbs).await?,
        heading: format!("User #{} — {}", u.id, u.email),
        fields,
        tables: vec![],
        forms: vec![form],
    };
    Ok(html(&page))
}

/// Unticked checkboxes are simply absent from the form.
#[derive(Deserialize, Default)]
pub struct AccessForm {
    #[serde(default)]
    csrf_token: String,
    is_staff: Option<String>,
    is_active: Option<String>,
}

/// "Permissions" → `accounts::set_user_access`, then back to the user's page with the outcome.
pub async fn set_access(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<AccessForm>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let id = parse_id(&id, "User")?;
    let access = UserAccess {
        is_staff: form.is_staff.is_some(),
        is_active: form.is_active.is_some(),
    };
    match accounts::set_user_access(&state.db, &staffer.user, id, access).await {
        Ok(changed) => {
            let u = &changed.user;
            let mut text = format!(
                "{}: staff {}, {}.",
                u.email,
                if u.is_staff { "yes" } else { "no" },
                if u.is_active { "active" } else { "inactive" }
            );
            if changed.sessions_revoked > 0 {
                let n = changed.sessions_revoked;
                let plural = if n == 1 { "" } else { "s" };
                text.push_str(&format!(" {n} session{plural} signed out."));
            }
            staffer.flash_success(&state, text).await?;
        }
        Err(e @ Error::Conflict(_)) => staffer.flash_error(&state, e.to_string()).await?,
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{LIST}{id}/")).into_response())
}
