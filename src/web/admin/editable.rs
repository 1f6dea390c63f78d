//! Records staff edit through a form (plans, industries): the form's fields, and a save through
//! the domain. The add page, the change page with its form, the save — with a refused save shown
//! again with each problem beside its field — are written here once.

use std::future::Future;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;

use crate::db::Db;
use crate::domain::staff::StaffActor;
use crate::error::{FieldErrors, Result};
use crate::state::AppState;
use crate::web::admin::record::{self, Record};
use crate::web::admin::record_pages::{parse_id, refused};
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{ChangePage, Field, FormView, attach_errors, html};
use crate::web::error::PageError;
use crate::web::form::Posted;
use crate::web::page::FlashLevel;
use crate::web::session::SignedInPage;

pub trait Editable: Record {
    /// The form as posted; checkboxes arrive as "on" or not at all.
    type Form: DeserializeOwned + Default + Send + Sync + 'static;

    /// The form filled in from a record.
    fn form_of(detail: &Self::Detail) -> Self::Form;
    /// A new record's form.
    fn blank() -> Self::Form {
        Self::Form::default()
    }
    /// The form's fields, showing `form`'s values (`detail` is `None` on the add page).
    fn fields(form: &Self::Form, detail: Option<&Self::Detail>) -> Vec<Field>;
    /// Saves through the domain: a new record when `id` is `None`. Returns the record's name
    /// for the message, or the domain's refusal (field problems are shown on the form).
    fn save(
        db: &Db,
        staff: &StaffActor,
        id: Option<i64>,
        form: &Self::Form,
    ) -> impl Future<Output = Result<String>> + Send;
}

/// The list, `{list}{id}/` (change page and save) and, when addable, `{list}add/`.
pub fn routes<R: Editable>() -> Router<AppState> {
    let path = R::META
        .list
        .trim_start_matches("/admin")
        .trim_end_matches('/');
    let router = Router::new()
        .route(path, get(record::list::<R>))
        .route(&format!("{path}/{{id}}"), get(change::<R>).post(save::<R>));
    if R::META.addable {
        router.route(&format!("{path}/add"), get(add::<R>).post(create::<R>))
    } else {
        router
    }
}

/// The add page (`detail` is `None`) or a record's change page, with its form flagged by
/// `errors` after a refused save.
async fn page<R: Editable>(
    state: &AppState,
    staffer: &Staffer,
    detail: Option<&R::Detail>,
    form: &R::Form,
    errors: &FieldErrors,
) -> Result<ChangePage, PageError> {
    let mut fields = R::fields(form, detail);
    let (title, heading, action, form_title) = match detail {
        Some(d) => {
            let id = record::Identified::id(d);
            let heading = format!("Change {}: {}", R::META.noun, R::title(d));
            (
                R::title(d),
                heading,
                format!("{}{id}/", R::META.list),
                "Edit",
            )
        }
        None => {
            let title = format!("Add {}", R::META.noun);
            (title.clone(), title, format!("{}add/", R::META.list), "Add")
        }
    };
    let mut crumbs = record::crumbs::<R>();
    crumbs.push((R::META.title.into(), R::META.list.into()));
    let mut chrome = staffer.chrome(state, title, crumbs).await?;
    if !errors.is_empty() {
        let summary = attach_errors(&mut fields, errors);
        chrome
            .messages
            .push(crate::web::page::Message::error(summary));
    }
    let mut forms = vec![FormView {
        title: form_title.into(),
        action,
        fields,
        submit: "Save".into(),
        danger: false,
    }];
    forms.extend(
        detail
            .map(|d| R::forms(d, &staffer.staff))
            .unwrap_or_default(),
    );
    Ok(ChangePage {
        chrome,
        heading,
        fields: detail.map(R::facts).unwrap_or_default(),
        tables: vec![],
        forms,
    })
}

pub async fn change<R: Editable>(
    State(state): State<AppState>,
    staffer: Staffer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let detail = R::get(
        &state.db,
        parse_id(&id, &record::capitalised(R::META.noun))?,
    )
    .await?;
    let form = R::form_of(&detail);
    let page = page::<R>(&state, &staffer, Some(&detail), &form, &FieldErrors::new()).await?;
    Ok(html(&page))
}

pub async fn add<R: Editable>(
    State(state): State<AppState>,
    staffer: Staffer,
) -> Result<Response, PageError> {
    let page = page::<R>(&state, &staffer, None, &R::blank(), &FieldErrors::new()).await?;
    Ok(html(&page))
}

pub async fn save<R: Editable>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { by: staffer, form }: Posted<Staffer, R::Form>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, &record::capitalised(R::META.noun))?;
    store::<R>(&state, &staffer, Some(id), form).await
}

pub async fn create<R: Editable>(
    State(state): State<AppState>,
    Posted { by: staffer, form }: Posted<Staffer, R::Form>,
) -> Result<Response, PageError> {
    store::<R>(&state, &staffer, None, form).await
}

/// Saves, then back to the list with the outcome; a refused save shows the form again (400).
async fn store<R: Editable>(
    state: &AppState,
    staffer: &Staffer,
    id: Option<i64>,
    form: R::Form,
) -> Result<Response, PageError> {
    match R::save(&state.db, &staffer.staff, id, &form).await {
        Ok(name) => {
            let done = if id.is_some() { "changed" } else { "added" };
            let text = format!("The {} “{name}” was {done} successfully.", R::META.noun);
            staffer.flash(state, FlashLevel::Success, text).await?;
            Ok(Redirect::to(R::META.list).into_response())
        }
        Err(e) => {
            let errors = refused(e)?;
            let detail = match id {
                Some(id) => Some(R::get(&state.db, id).await?),
                None => None,
            };
            let page = page::<R>(state, staffer, detail.as_ref(), &form, &errors).await?;
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}
