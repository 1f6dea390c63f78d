//! The sidebar filters several lists share: a status (or type) with its counts, the plan, and
//! the account a list was narrowed to from an account's page; and the subscriptions' renewal
//! window.

use std::collections::HashMap;

use crate::db::Db;
use crate::domain::catalog;
use crate::domain::status::TextEnum;
use crate::error::{Error, Result};
use crate::web::admin::query::ListQuery;
use crate::web::admin::view::FilterGroup;

/// The group choosing `key` among a typed status's values, each with how many rows it lists.
pub fn counted<S: TextEnum>(
    q: &ListQuery,
    path: &str,
    key: &str,
    counts: &HashMap<String, u64>,
) -> FilterGroup {
    let choices: Vec<(&str, &str)> = S::VALUES.iter().map(|s| (s.text(), s.text())).collect();
    q.choice_filter(path, key, &choices, Some(counts))
}

/// The group choosing a plan by its slug, every plan listed by name.
pub async fn plan(db: &Db, q: &ListQuery, path: &str) -> Result<FilterGroup> {
    let plans = catalog::all_plans(db).await?;
    let choices: Vec<(&str, &str)> = plans
        .iter()
        .map(|p| (p.slug.as_str(), p.name.as_str()))
        .collect();
    Ok(q.choice_filter(path, "plan", &choices, None))
}

/// `?account=ID` narrows a list to one account (the account page links here for "all").
pub fn account_param(q: &ListQuery) -> Option<i64> {
    q.get("account").and_then(|a| a.parse().ok())
}

/// The group for `?account=`, shown only while it narrows the list.
pub fn account(q: &ListQuery, path: &str) -> Option<FilterGroup> {
    let id = account_param(q)?.to_string();
    let label = format!("Account #{id}");
    Some(q.choice_filter(path, "account", &[(id.as_str(), label.as_str())], None))
}

/// `?renews=7d`: the subscriptions that renew in the next 7 days (billing's clock).
const RENEWS: [(&str, &str); 1] = [("7d", "In the next 7 days")];

/// The window `?renews=` asks for; a value that is not one of the choices is refused, as a
/// mistyped status is.
pub fn renews_within(q: &ListQuery) -> Result<Option<chrono::Duration>> {
    match q.get("renews") {
        None => Ok(None),
        Some("7d") => Ok(Some(chrono::Duration::days(7))),
        Some(_) => Err(Error::field("renews", "Choose one of: 7d.")),
    }
}

/// The group choosing `?renews=`.
pub fn renews(q: &ListQuery, path: &str) -> FilterGroup {
    q.choice_filter(path, "renews", &RENEWS, None)
}
