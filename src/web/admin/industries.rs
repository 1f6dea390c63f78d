//! `/admin/sites/industry/`: the industries a site must choose from. Add and edit; the slug is
//! made from the name once, on creation, and never changes.

use axum::Router;
use serde::Deserialize;

use crate::db::Db;
use crate::domain::catalog_admin::{self, IndustryFilter, IndustryInput};
use crate::domain::page::PageRequest;
use crate::domain::staff::StaffActor;
use crate::entities::industry;
use crate::error::Result;
use crate::state::AppState;
use crate::web::admin::editable::{self, Editable};
use crate::web::admin::links;
use crate::web::admin::query::ListQuery;
use crate::web::admin::record::{ColumnDef, Listed, Meta, Record, Section, columns, fact};
use crate::web::admin::record_pages::{flag, yes_no, yes_no_filter};
use crate::web::admin::view::{Cell, Field};

const LIST: &str = links::INDUSTRIES;

pub struct Industries;

impl Record for Industries {
    const META: Meta = Meta::new(LIST, "Industries", "industry", Section::Sites)
        .sorted_by("name")
        .addable();
    type Row = industry::Model;
    type Detail = industry::Model;

    fn routes() -> Router<AppState> {
        editable::routes::<Self>()
    }

    const COLUMNS: &'static [ColumnDef] = columns![
        "Name" => "name", "Slug" => "slug", "Active",
    ];

    async fn fetch(db: &Db, q: &ListQuery, req: PageRequest) -> Result<Listed<industry::Model>> {
        let filter = IndustryFilter {
            active: flag(q, "active"),
            listing: q.listing(),
        };
        Ok(Listed {
            page: catalog_admin::list_industries(db, &filter, req).await?,
            filters: vec![yes_no_filter(q, LIST, "active")],
        })
    }

    fn cells(i: &industry::Model) -> Vec<Cell> {
        vec![
            Cell::link(&i.name, links::href(LIST, i.id)),
            Cell::text(&i.slug),
            yes_no(i.is_active),
        ]
    }

    async fn get(db: &Db, id: i64) -> Result<industry::Model> {
        catalog_admin::get_industry(db, id).await
    }

    fn heading(i: &industry::Model) -> String {
        i.name.clone()
    }

    fn facts(i: &industry::Model) -> Vec<(String, Cell)> {
        vec![
            fact("ID", Cell::text(i.id.to_string())),
            fact("Slug", Cell::text(&i.slug)),
            fact("Active", yes_no(i.is_active)),
        ]
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IndustryForm {
    name: String,
    is_active: Option<String>,
}

impl Editable for Industries {
    type Form = IndustryForm;

    fn form_of(i: &industry::Model) -> IndustryForm {
        IndustryForm {
            name: i.name.clone(),
            is_active: i.is_active.then(|| "on".into()),
        }
    }

    fn blank() -> IndustryForm {
        IndustryForm {
            is_active: Some("on".into()),
            ..IndustryForm::default()
        }
    }

    fn fields(form: &IndustryForm, _: Option<&industry::Model>) -> Vec<Field> {
        vec![
            Field::new("text", "name", "Name", &form.name).required(),
            Field::checkbox("is_active", "Active", form.is_active.is_some())
                .help("Inactive industries are no longer offered for new sites."),
        ]
    }

    async fn save(
        db: &Db,
        staff: &StaffActor,
        id: Option<i64>,
        form: &IndustryForm,
    ) -> Result<String> {
        let input = IndustryInput {
            name: form.name.clone(),
            is_active: form.is_active.is_some(),
        };
        let saved = match id {
            Some(id) => catalog_admin::update_industry(db, staff, id, input).await?,
            None => catalog_admin::create_industry(db, staff, input).await?,
        };
        Ok(saved.name)
    }
}
