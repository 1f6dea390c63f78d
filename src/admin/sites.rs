//! `/admin/sites/site/`: every account's sites, and one site's page with its account, industry
//! and who may use it. Staff deactivate a site, or reactivate it within the plan's site limit.

use crate::admin::form::Form;
use crate::admin::links::{self, time};
use crate::admin::record::{Meta, Section};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::admin::query::ListQuery;
use crate::admin::record_pages::{
    self, flag, page_request, parse_id, search, yes_no, yes_no_filter,
};
use crate::admin::session::{CsrfOnly, PageError, Staffer};
use crate::admin::view::{Cell, ChangePage, FilterGroup, FormView, ListPage, Row, TableView, html};
use crate::app::AppState;
use crate::domain::catalog_admin::{self, SiteFilter, SiteRow};
use crate::error::Error;

const LIST: &str = links::SITES;
pub const META: Meta = Meta::new(LIST, "Sites", "site", Section::Sites);

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites/site", get(list))
        .route("/sites/site/{id}", get(change))
        .route("/sites/site/{id}/deactivate", post(deactivate))
        .route("/sites/site/{id}/reactivate", post(reactivate))
}

fn crumbs() -> Vec<(String, String)> {
    vec![("Sites".into(), "/admin/#sites".into())]
}

fn account_link(row: &SiteRow) -> Cell {
    Cell::link(
        &row.account_name,
        links::href(links::ACCOUNTS, row.site.account_id),
    )
}

fn industry_link(row: &SiteRow) -> Cell {
    Cell::link(
        &row.industry_name,
        links::href(links::INDUSTRIES, row.site.industry_id),
    )
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = SiteFilter {
        industry_id: q.get("industry").and_then(|i| i.parse().ok()),
        active: flag(&q, "active"),
        search: search(&q),
        sort: q.get("o").map(str::to_owned),
    };
    let page = catalog_admin::list_sites(&state.db, &filter, page_request(&q)).await?;
    let industries = catalog_admin::all_industries(&state.db).await?;

    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "-id");
    let columns = vec![
        column("ID", Some("id")),
        column("Name", Some("name")),
        column("Domain", Some("domain")),
        column("Account", None),
        column("Industry", None),
        column("Active", Some("active")),
        column("Created", Some("created")),
    ];
    let rows = page
        .items
        .iter()
        .map(|row| {
            let s = &row.site;
            Row {
                id: s.id,
                cells: vec![
                    Cell::link(s.id.to_string(), format!("{LIST}{}/", s.id)),
                    Cell::link(&s.name, format!("{LIST}{}/", s.id)),
                    Cell::opt(s.domain.clone()),
                    account_link(row),
                    industry_link(row),
                    yes_no(s.is_active),
                    Cell::text(time(s.created_at)),
                ],
            }
        })
        .collect();

    let mut by_industry = vec![q.filter_option(LIST, "industry", None, "All", None)];
    by_industry.extend(industries.iter().map(|i| {
        let id = i.id.to_string();
        q.filter_option(LIST, "industry", Some(&id), &i.name, None)
    }));
    let list = ListPage {
        chrome: staffer.chrome(&state, "Sites", crumbs()).await?,
        heading: "Select site to change".into(),
        search: record_pages::search_box(&q),
        filters: vec![
            FilterGroup {
                title: "industry".into(),
                options: by_industry,
            },
            yes_no_filter(&q, LIST, "active", "active"),
        ],
        columns,
        rows,
        actions: vec![],
        action_url: LIST.into(),
        pager: q.pager(LIST, page.count, page.request.page_size),
        add_href: None,
    };
    Ok(html(&list))
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "Site")?;
    let detail = catalog_admin::get_site(&state.db, id).await?;
    let s = &detail.row.site;
    let access = detail
        .access
        .iter()
        .map(|(grant, email)| {
            vec![
                links::user_cell(grant.user_id, email),
                Cell::text(&grant.role),
                Cell::text(time(grant.created_at)),
            ]
        })
        .collect();
    let form = if s.is_active {
        FormView {
            title: "Deactivate".into(),
            action: format!("{LIST}{id}/deactivate/"),
            fields: vec![],
            submit: "Deactivate site".into(),
            danger: true,
        }
    } else {
        FormView {
            title: "Reactivate".into(),
            action: format!("{LIST}{id}/reactivate/"),
            fields: vec![],
            submit: "Reactivate site".into(),
            danger: false,
        }
    };
    let mut crumbs = crumbs();
    crumbs.push(("Sites".into(), LIST.into()));
    let page = ChangePage {
        chrome: staffer.chrome(&state, s.name.clone(), crumbs).await?,
        heading: format!("Site #{id}: {}", s.name),
        fields: vec![
            ("ID".into(), Cell::text(s.id.to_string())),
            ("Name".into(), Cell::text(&s.name)),
            ("Domain".into(), Cell::opt(s.domain.clone())),
            ("Account".into(), account_link(&detail.row)),
            ("Industry".into(), industry_link(&detail.row)),
            ("Active".into(), yes_no(s.is_active)),
            ("Created".into(), Cell::text(time(s.created_at))),
        ],
        tables: vec![TableView {
            title: "User access".into(),
            columns: vec!["Email".into(), "Role".into(), "Granted".into()],
            rows: access,
            empty: "Nobody has access to this site.".into(),
        }],
        forms: vec![form],
    };
    Ok(html(&page))
}

async fn set_active(
    state: AppState,
    staffer: Staffer,
    id: String,
    form: CsrfOnly,
    active: bool,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let id = parse_id(&id, "Site")?;
    match catalog_admin::set_site_active(&state.db, staffer.user.id, id, active).await {
        Ok(site) => {
            let verb = if active { "reactivated" } else { "deactivated" };
            let text = format!("The site “{}” was {verb}.", site.name);
            staffer.flash_success(&state, text).await?;
        }
        // Over the plan's site limit: said on the site's page, nothing changed.
        Err(e @ (Error::Conflict(_) | Error::Forbidden(_))) => {
            staffer.flash_error(&state, e.to_string()).await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{LIST}{id}/")).into_response())
}

pub async fn deactivate(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    set_active(state, staffer, id, form, false).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    set_active(state, staffer, id, form, true).await
}
