//! `/admin/`: the approval queue up front, then every record type.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;

use crate::domain::payment_queue;
use crate::state::AppState;
use crate::web::admin::RECORDS;
use crate::web::admin::record::Section;
use crate::web::admin::session::Staffer;
use crate::web::admin::view::{Chrome, html};
use crate::web::error::PageError;
use crate::web::session::SignedInPage;

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    chrome: Chrome,
    pending: u64,
    oldest_age: Option<String>,
    sections: Vec<(String, Vec<(String, String)>)>,
}

pub async fn index(State(state): State<AppState>, staffer: Staffer) -> Result<Response, PageError> {
    let (pending, oldest) = payment_queue::pending_summary(&state.db).await?;
    let sections = Section::ALL
        .iter()
        .map(|section| {
            let records = RECORDS
                .iter()
                .map(|r| &r.meta)
                .filter(|m| m.section == *section);
            let links = records
                .map(|m| (m.title.to_owned(), m.list.to_owned()))
                .collect();
            (section.title().to_owned(), links)
        })
        .collect();
    let page = IndexPage {
        chrome: staffer
            .chrome(&state, "Site administration", vec![])
            .await?,
        pending,
        oldest_age: oldest.map(|t| human_age((Utc::now() - t).num_seconds())),
        sections,
    };
    Ok(html(&page))
}

/// `93784` → `"1 day, 2 hours"`: the two largest units, as a person says it.
pub fn human_age(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let units = [("day", 86_400), ("hour", 3_600), ("minute", 60)];
    let mut parts = Vec::new();
    let mut rest = seconds;
    for (name, size) in units {
        let n = rest / size;
        rest %= size;
        if n > 0 && parts.len() < 2 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        } else if !parts.is_empty() {
            break;
        }
    }
    if parts.is_empty() {
        "less than a minute".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::human_age;

    #[test]
    fn ages_read_like_speech() {
        assert_eq!(human_age(30), "less than a minute");
        assert_eq!(human_age(60), "1 minute");
        assert_eq!(human_age(93_784), "1 day, 2 hours");
        assert_eq!(human_age(7_260), "2 hours, 1 minute");
        assert_eq!(human_age(86_400 + 60), "1 day");
    }
}
