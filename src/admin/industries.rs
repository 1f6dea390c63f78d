//! `/admin/sites/industry/`: the industries a site must choose from. Add and edit; the slug is
//! made from the name once, on creation, and never changes.

use crate::admin::form::Form;
use crate::admin::links;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::admin::query::ListQuery;
use crate::admin::record_pages::{
    flag, page_request, parse_id, refused, search, yes_no, yes_no_filter,
};
use crate::admin::session::{PageError, Staffer};
use crate::admin::view::{
    Cell, ChangePage, Field, FormView, ListPage, Row, Search, attach_errors, html,
};
use crate::app::AppState;
use crate::domain::catalog_admin::{self, IndustryFilter, IndustryInput};
use crate::entities::industry;
use crate::error::FieldErrors;

const LIST: &str = links::INDUSTRIES;
const ADD: &str = "/admin/sites/industry/add/";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sites/industry", get(list))
        .route("/sites/industry/add", get(add).post(create))
        .route("/sites/industry/{id}", get(change).post(save))
}

fn crumbs() -> Vec<(String, String)> {
    vec![
        ("Sites".into(), "/admin/#sites".into()),
        ("Industries".into(), LIST.into()),
    ]
}

pub async fn list(
    State(state): State<AppState>,
    staffer: Staffer,
    uri: Uri,
) -> Result<Response, PageError> {
    let q = ListQuery::parse(uri.query());
    let filter = IndustryFilter {
        active: flag(&q, "active"),
        search: search(&q),
        sort: q.get("o").map(str::to_owned),
    };
    let page = catalog_admin::list_industries(&state.db, &filter, page_request(&q)).await?;
    let column = |label: &str, key: Option<&str>| q.column(LIST, label, key, "name");
    let rows = page
        .items
        .iter()
        .map(|i| Row {
            id: i.id,
            cells: vec![
                Cell::link(&i.name, format!("{LIST}{}/", i.id)),
                Cell::text(&i.slug),
                yes_no(i.is_active),
            ],
        })
        .collect();
    let mut crumbs = crumbs();
    crumbs.pop();
    let list = ListPage {
        chrome: staffer.chrome(&state, "Industries", crumbs).await?,
        heading: "Select industry to change".into(),
        search: Some(Search {
            value: q.get("q").unwrap_or_default().to_owned(),
            hidden: q.hidden(&["q", "p"]),
        }),
        filters: vec![yes_no_filter(&q, LIST, "active", "active")],
        columns: vec![
            column("Name", Some("name")),
            column("Slug", Some("slug")),
            column("Active", None),
        ],
        rows,
        actions: vec![],
        action_url: LIST.into(),
        pager: q.pager(LIST, page.count, page.request.page_size),
        add_href: Some(ADD.into()),
    };
    Ok(html(&list))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IndustryForm {
    csrf_token: String,
    name: String,
    is_active: Option<String>,
}

impl IndustryForm {
    fn input(&self) -> IndustryInput {
        IndustryInput {
            name: self.name.clone(),
            is_active: self.is_active.is_some(),
        }
    }
}

/// The add page (`industry` is `None`) or an industry's change page.
async fn page(
    state: &AppState,
    staffer: &Staffer,
    industry: Option<&industry::Model>,
    form: &IndustryForm,
    errors: &FieldErrors,
) -> Result<ChangePage, PageError> {
    let mut fields = vec![
        Field::new("text", "name", "Name", &form.name).required(),
        Field::checkbox("is_active", "Active", form.is_active.is_some())
            .help("Inactive industries are no longer offered for new sites."),
    ];
    let summary = attach_errors(&mut fields, errors);
    let (title, action, facts) = match industry {
        Some(i) => (
            i.name.clone(),
            format!("{LIST}{}/", i.id),
            vec![
                ("ID".to_owned(), Cell::text(i.id.to_string())),
                ("Slug".to_owned(), Cell::text(&i.slug)),
                ("Active".to_owned(), yes_no(i.is_active)),
            ],
        ),
        None => ("Add industry".to_owned(), ADD.to_owned(), vec![]),
    };
    let mut chrome = staffer.chrome(state, title.clone(), crumbs()).await?;
    if !errors.is_empty() {
        chrome.messages.push(("error".into(), summary));
    }
    let (heading, form_title) = match industry {
        Some(_) => (format!("Change industry: {title}"), "Edit"),
        None => (title, "Add"),
    };
    Ok(ChangePage {
        chrome,
        heading,
        fields: facts,
        tables: vec![],
        forms: vec![FormView {
            title: form_title.into(),
            action,
            fields,
            submit: "Save".into(),
            danger: false,
        }],
    })
}

pub async fn add(State(state): State<AppState>, staffer: Staffer) -> Result<Response, PageError> {
    let form = IndustryForm {
        is_active: Some("on".into()),
        ..IndustryForm::default()
    };
    Ok(html(
        &page(&state, &staffer, None, &form, &FieldErrors::new()).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    staffer: Staffer,
    Form(form): Form<IndustryForm>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    match catalog_admin::create_industry(&state.db, staffer.user.id, form.input()).await {
        Ok(i) => {
            let text = format!("The industry “{}” was added successfully.", i.name);
            staffer.flash_success(&state, text).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(e) => {
            let errors = refused(e)?;
            let page = page(&state, &staffer, None, &form, &errors).await?;
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}

pub async fn change(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let industry = catalog_admin::get_industry(&state.db, parse_id(&id, "Industry")?).await?;
    let form = IndustryForm {
        csrf_token: String::new(),
        name: industry.name.clone(),
        is_active: industry.is_active.then(|| "on".into()),
    };
    let page = page(
        &state,
        &staffer,
        Some(&industry),
        &form,
        &FieldErrors::new(),
    )
    .await?;
    Ok(html(&page))
}

pub async fn save(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
    Form(form): Form<IndustryForm>,
) -> Result<Response, PageError> {
    staffer.check_csrf(&form.csrf_token)?;
    let id = parse_id(&id, "Industry")?;
    match catalog_admin::update_industry(&state.db, staffer.user.id, id, form.input()).await {
        Ok(i) => {
            let text = format!("The industry “{}” was changed successfully.", i.name);
            staffer.flash_success(&state, text).await?;
            Ok(Redirect::to(LIST).into_response())
        }
        Err(e) => {
            let errors = refused(e)?;
            let industry = catalog_admin::get_industry(&state.db, id).await?;
            let page = page(&state, &staffer, Some(&industry), &form, &errors).await?;
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}
