//! `/admin/accounts/user/`: every user, customers and staff, by staff and active flags and
//! searchable by email or name; each user's page with the form that sets those two flags.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::db::Db;
use crate::domain::accounts::{self, UserAccess};
use crate::domain::backoffice::{self, UserFilter, UserRow};
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{self, ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{flag, parse_id, yes_no, yes_no_filter};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Cell, Field, FormView};
use crate::web::error::PageError;
use crate::web::form::Posted;
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

const LIST: &str = links::USERS;
/// Every user, customers and staff.
pub struct Users;

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

impl Record for Users {
    const META: Meta = Meta::new(links::USERS, "Users", "user", Section::Accounts);
    type Row = UserRow;
    type Detail = UserRow;

    fn routes() -> Router<AppState> {
        record::routes::<Self>().route("/accounts/user/{id}/access", post(set_access))
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Email" => "email", "Name", "Account", "Role", "Staff", "Active",
        "Joined" => "joined", "Last login" => "last_login",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<UserRow>> {
        let filter = UserFilter {
            is_staff: flag(q, "staff"),
            is_active: flag(q, "active"),
            listing: q.listing(),
        };
        Ok(Listed {
            page: backoffice::users(db, &filter, req).await?,
            filters: vec![
                yes_no_filter(q, LIST, "staff"),
                yes_no_filter(q, LIST, "active"),
            ],
        })
    }

    fn cells(row: &UserRow) -> Vec<Cell> {
        let u = &row.user;
        let href = links::href(LIST, u.id);
        vec![
            Cell::link(u.id.to_string(), &href),
            Cell::link(&u.email, &href),
            Cell::text(full_name(row)),
            account_cell(row),
            Cell::text(&u.role),
            yes_no(u.is_staff),
            yes_no(u.is_active),
            Cell::text(time(u.created_at)),
            Cell::opt(u.last_login_at.map(time)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<UserRow> {
        backoffice::user_detail(db, id).await
    }

    fn heading(row: &UserRow) -> String {
        format!("User #{} — {}", row.user.id, row.user.email)
    }

    fn title(row: &UserRow) -> String {
        row.user.email.clone()
    }

    fn facts(row: &UserRow) -> Vec<(String, Cell)> {
        let u = &row.user;
        vec![
            fact("ID", Cell::text(u.id.to_string())),
            fact("Email", Cell::text(&u.email)),
            fact("Name", Cell::text(full_name(row))),
            fact("Account", account_cell(row)),
            fact("Role in account", Cell::text(&u.role)),
            fact("Staff", yes_no(u.is_staff)),
            fact("Superuser", yes_no(u.is_superuser)),
            fact("Active", yes_no(u.is_active)),
            fact("Joined", Cell::text(time(u.created_at))),
            fact("Last login", Cell::opt(u.last_login_at.map(time))),
        ]
    }

    /// "Permissions": the staff and active flags (posted to `set_access`).
    fn forms(row: &UserRow, staff_member: &StaffActor) -> Vec<FormView> {
        let u = &row.user;
        let mut staff = Field::checkbox("is_staff", "Staff status", u.is_staff)
            .help("May sign in to this admin panel and use the staff API.");
        let mut active = Field::checkbox("is_active", "Active", u.is_active).help(
            "Untick instead of deleting: an inactive user cannot sign in, and is signed out at once.",
        );
        if u.id == staff_member.id {
            staff.help = "You cannot remove your own staff status.".into();
            active.help = "You cannot deactivate yourself.".into();
        }
        vec![FormView {
            title: "Permissions".into(),
            action: format!("{LIST}{}/access/", u.id),
            fields: vec![staff, active],
            submit: "Save".into(),
            danger: false,
        }]
    }
}

/// Unticked checkboxes are simply absent from the form.
#[derive(Deserialize, Default)]
pub struct AccessForm {
    is_staff: Option<String>,
    is_active: Option<String>,
}

/// "Permissions" → `accounts::set_user_access`, then back to the user's page with the outcome.
pub async fn set_access(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, form }: Posted<Staffer, AccessForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "User")?;
    let access = UserAccess {
        is_staff: form.is_staff.is_some(),
        is_active: form.is_active.is_some(),
    };
    match accounts::set_user_access(&state.db, &staffer.staff, id, access).await {
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
            staffer.flash(&state, FlashLevel::Success, text).await?;
        }
        Err(e @ Error::Conflict(_)) => {
            staffer
                .flash(&state, FlashLevel::Error, e.to_string())
                .await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{LIST}{id}/")).into_response())
}
