//! `/admin/analytics/`: the staff dashboard (issue 17). Every figure of
//! `domain::analytics`, as a server-rendered SVG chart with its numbers in a table beside it,
//! and as CSV (`/admin/analytics/{figure}.csv`) with the same query.
//!
//! Charts are SVG written by the template from shapes computed in Rust (`analytics_chart`):
//! no chart library to vendor and keep up to date, no script, nothing the strict CSP has to
//! allow, and the page reads the same with JavaScript off.

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::domain::analytics::{self, Asked, Filter};
use crate::error::Error;
use crate::state::AppState;
use crate::web::admin::analytics_chart::{self, Drawn, HEIGHT, WIDTH};
use crate::web::admin::analytics_csv;
use crate::web::admin::session::Staffer;
use crate::web::error::PageError;
use crate::web::page::{Chrome, html};
use crate::web::session::SignedInPage;

pub const PAGE: &str = "/admin/analytics/";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/analytics", get(page))
        .route("/analytics/{file}", get(csv))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    currency: Option<String>,
}

impl Params {
    fn asked(self) -> Asked {
        Asked {
            from: self.from,
            to: self.to,
            currency: self.currency,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/analytics.html")]
struct AnalyticsPage {
    chrome: Chrome,
    filter: Filter,
    figures: Vec<Drawn>,
    /// The filter as a query string, for the CSV links.
    query: String,
    width: i64,
    height: i64,
}

impl AnalyticsPage {
    fn plot_bottom(&self) -> i64 {
        self.height - 40
    }
}

fn query_string(f: &Filter) -> String {
    // Dates and a currency the database knows: nothing here needs escaping but the currency,
    // which comes from stored data; encode it anyway.
    let currency: String = url::form_urlencoded::byte_serialize(f.currency.as_bytes()).collect();
    format!("from={}&to={}&currency={currency}", f.from, f.to)
}

async fn page(
    State(state): State<AppState>,
    staffer: Staffer,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Response, PageError> {
    // A query string that does not parse shows the defaults rather than an error page.
    let asked = params.map(|Query(p)| p.asked()).unwrap_or_default();
    let filter = analytics::filter(&state.db, &asked).await?;
    let figures = analytics::dashboard(&state.db, &filter)
        .await?
        .into_iter()
        .map(|f| analytics_chart::draw(f, &filter.currency))
        .collect();
    let page = AnalyticsPage {
        chrome: staffer.chrome(&state, "Payment analytics", vec![]).await?,
        query: query_string(&filter),
        filter,
        figures,
        width: WIDTH,
        height: HEIGHT,
    };
    Ok(html(&page))
}

/// One figure as CSV: the label column, then each column as a plain integer (money in minor
/// units, durations in seconds, rates in per-mille), named with its unit.
async fn csv(
    State(state): State<AppState>,
    _staffer: Staffer,
    Path(file): Path<String>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Response, PageError> {
    let not_found = || PageError(Error::NotFound("Page not found".into()));
    let key = file.strip_suffix(".csv").ok_or_else(not_found)?;
    let asked = params.map(|Query(p)| p.asked()).unwrap_or_default();
    let filter = analytics::filter(&state.db, &asked).await?;
    let figure = analytics::figure(&state.db, &filter, key)
        .await?
        .ok_or_else(not_found)?;
    let body = analytics_csv::write(&figure, &filter.currency)?;
    let name = format!(
        "tollgate-{}-{}-{}-{}.csv",
        figure.key,
        filter.from,
        filter.to,
        filter
            .currency
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
