//! `/admin/sites/site/`: every account's sites, and one site's page with its account, industry
//! and who may use it. Staff deactivate a site, or reactivate it within the plan's site limit.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

use crate::db::Db;
use crate::domain::catalog_admin::{self, SiteDetail, SiteFilter, SiteRow};
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::admin::links::{self, time};
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{self, ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{flag, parse_id, yes_no, yes_no_filter};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Cell, FilterGroup, FormView, TableView};
use crate::web::error::PageError;
use crate::web::form::{Button, Posted};
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

const LIST: &str = links::SITES;

fn account_link(row: &SiteRow) -> Cell {
    links::account_cell(row.site.account_id, &row.account_name)
}

fn industry_link(row: &SiteRow) -> Cell {
    Cell::link(
        &row.industry_name,
        links::href(links::INDUSTRIES, row.site.industry_id),
    )
}

/// Every account's sites.
pub struct Sites;

impl Record for Sites {
    const META: Meta = Meta::new(LIST, "Sites", "site", Section::Sites);
    type Row = SiteRow;
    type Detail = SiteDetail;

    fn routes() -> Router<AppState> {
        record::routes::<Self>().route("/sites/site/{id}/{verb}", post(set_active))
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "ID" => "id", "Name" => "name", "Domain" => "domain", "Account", "Industry",
        "Active" => "active", "Created" => "created",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<SiteRow>> {
        let filter = SiteFilter {
            industry_id: q.get("industry").and_then(|i| i.parse().ok()),
            active: flag(q, "active"),
            listing: q.listing(),
        };
        let page = catalog_admin::list_sites(db, &filter, req).await?;
        let industries = catalog_admin::all_industries(db).await?;
        let mut by_industry = vec![q.filter_option(LIST, "industry", None, "All", None)];
        by_industry.extend(industries.iter().map(|i| {
            let id = i.id.to_string();
            q.filter_option(LIST, "industry", Some(&id), &i.name, None)
        }));
        let filters = vec![
            FilterGroup {
                title: "industry".into(),
                options: by_industry,
            },
            yes_no_filter(q, LIST, "active"),
        ];
        Ok(Listed { page, filters })
    }

    fn cells(row: &SiteRow) -> Vec<Cell> {
        let s = &row.site;
        let href = links::href(LIST, s.id);
        vec![
            Cell::link(s.id.to_string(), &href),
            Cell::link(&s.name, &href),
            Cell::opt(s.domain.clone()),
            account_link(row),
            industry_link(row),
            yes_no(s.is_active),
            Cell::text(time(s.created_at)),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<SiteDetail> {
        catalog_admin::get_site(db, id).await
    }

    fn heading(d: &SiteDetail) -> String {
        format!("Site #{}: {}", d.row.site.id, d.row.site.name)
    }

    fn title(d: &SiteDetail) -> String {
        d.row.site.name.clone()
    }

    fn facts(d: &SiteDetail) -> Vec<(String, Cell)> {
        let s = &d.row.site;
        vec![
            fact("ID", Cell::text(s.id.to_string())),
            fact("Name", Cell::text(&s.name)),
            fact("Domain", Cell::opt(s.domain.clone())),
            fact("Account", account_link(&d.row)),
            fact("Industry", industry_link(&d.row)),
            fact("Active", yes_no(s.is_active)),
            fact("Created", Cell::text(time(s.created_at))),
        ]
    }

    fn tables(d: &SiteDetail) -> Vec<TableView> {
        let rows = d
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
        vec![TableView {
            title: "User access".into(),
            columns: vec!["Email".into(), "Role".into(), "Granted".into()],
            rows,
            empty: "Nobody has access to this site.".into(),
        }]
    }

    /// "Deactivate" or "Reactivate" (posted to `deactivate` / `reactivate`).
    fn forms(d: &SiteDetail, _staff: &StaffActor) -> Vec<FormView> {
        let id = d.row.site.id;
        let (title, verb, submit, danger) = match d.row.site.is_active {
            true => ("Deactivate", "deactivate", "Deactivate site", true),
            false => ("Reactivate", "reactivate", "Reactivate site", false),
        };
        vec![FormView {
            title: title.into(),
            action: format!("{LIST}{id}/{verb}/"),
            fields: vec![],
            submit: submit.into(),
            danger,
        }]
    }
}

/// A site page's "Deactivate" or "Reactivate" (`…/{id}/deactivate`, `…/{id}/reactivate`).
pub async fn set_active(
    State(state): State<AppState>,
    Path((id, verb)): Path<(String, String)>,
    Posted { by: staffer, .. }: Posted<Staffer, Button>,
) -> std::result::Result<Response, PageError> {
    let active = match verb.as_str() {
        "deactivate" => false,
        "reactivate" => true,
        _ => return Err(Error::NotFound("Page not found".into()).into()),
    };
    let id = parse_id(&id, "Site")?;
    match catalog_admin::set_site_active(&state.db, &staffer.staff, id, active).await {
        Ok(site) => {
            let verb = if active { "reactivated" } else { "deactivated" };
            let text = format!("The site “{}” was {verb}.", site.name);
            staffer.flash(&state, FlashLevel::Success, text).await?;
        }
        // Over the plan's site limit: said on the site's page, nothing changed.
        Err(e @ (Error::Conflict(_) | Error::Forbidden(_))) => {
            staffer
                .flash(&state, FlashLevel::Error, e.to_string())
                .await?
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{LIST}{id}/")).into_response())
}
