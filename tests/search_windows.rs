//! PostgreSQL's narrowed trigram search (`domain::rare_trigrams`): a column asked for its
//! term's rarest windows, with the whole term checked on what they find, gives exactly the
//! rows the scanning condition gives, for every search and whatever windows a sample picked;
//! a sample is read from the table itself. SQLite's FTS5 search is never narrowed.

mod common;

use std::collections::BTreeSet;

use common::{Backend, TestApp};
use sea_orm::{ConnectionTrait, Statement, TryGetable, Value};
use tollgate::domain::rare_trigrams::{self, Ask, Sample};
use tollgate::domain::search::{EVERY, Search};
use tollgate::ops::demo;

on_both_backends!(
    narrowed_and_whole_searches_find_the_same_rows,
    a_sample_is_read_from_the_table
);

/// Demo customers, and a few names LIKE would misread were the term not taken literally.
async fn seeded(app: &TestApp) {
    demo::seed(&app.db, 300, |_| {}).await.expect("demo data");
    for (id, name) in [
        (1, r"Fifty % Off_Co \ Ltd"),
        (2, "école 50 Widgets"),
        (3, "fifty-percent Ltd"),
    ] {
        execute(
            app,
            "UPDATE accounts SET name = $1 WHERE id = $2",
            vec![name.into(), id.into()],
        )
        .await;
    }
}

async fn execute(app: &TestApp, sql: &str, values: Vec<Value>) {
    let statement = Statement::from_sql_and_values(app.db.backend(), sql, values);
    app.db
        .conn()
        .execute_raw(statement)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn ids(app: &TestApp, statement: Statement) -> BTreeSet<i64> {
    let sql = statement.sql.clone();
    let rows = app
        .db
        .conn()
        .query_all_raw(statement)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|row| i64::try_get_by_index(row, 0).expect("id"))
        .collect()
}

/// What a sample of every value of each column of `search` would have it ask for `term`.
async fn asks_from_every_value(app: &TestApp, search: &Search, term: &str) -> Vec<Ask> {
    let mut asks = Vec::new();
    for s in search.parts {
        for col in s.columns {
            let sql = format!(
                "SELECT lower({col}) FROM {} WHERE {col} IS NOT NULL",
                s.table
            );
            let rows = app
                .db
                .conn()
                .query_all_raw(Statement::from_string(app.db.backend(), sql))
                .await
                .expect("column values");
            let values: Vec<String> = rows
                .iter()
                .map(|row| String::try_get_by_index(row, 0).expect("text"))
                .collect();
            let sample = Sample::of(values.iter().map(String::as_str));
            let windows = sample.rarest(&term.to_lowercase());
            asks.push(if windows.is_empty() {
                Ask::Whole
            } else {
                Ask::Windows(windows)
            });
        }
    }
    asks
}

const TERMS: [&str; 10] = [
    "demo12@",
    "billing250@",
    "DEMO-7",
    "inv-10-",
    "Account 29",
    "fifty %",
    "off_co \\",
    "école 50",
    "50 wid",
    "zzz-none",
];

async fn narrowed_and_whole_searches_find_the_same_rows(app: TestApp) {
    seeded(&app).await;
    let mut narrowed = 0;
    for search in EVERY {
        for term in TERMS {
            let scanned: BTreeSet<i64> = search
                .ids_scanning(app.db.conn(), term)
                .await
                .expect("scan")
                .into_iter()
                .collect();
            let by_index = search
                .ids_matching(app.db.conn(), term, 1000)
                .await
                .expect("index query")
                .expect("the indexes answer");
            assert_eq!(
                by_index.into_iter().collect::<BTreeSet<_>>(),
                scanned,
                "{}: {term:?}",
                search.target
            );
            if matches!(app.backend, Backend::Sqlite) {
                continue;
            }
            let asks = asks_from_every_value(&app, search, term).await;
            narrowed += asks.iter().filter(|a| matches!(a, Ask::Windows(_))).count();
            let statement = search.postgres_query(term, 1001, &asks);
            assert_eq!(
                ids(&app, statement).await,
                scanned,
                "{}: {term:?} asked {asks:?}",
                search.target
            );
            // Whatever windows a sample picks: the term's first ones, for one column beside
            // columns asked whole, and for every column.
            let first = Sample::default().rarest(&term.to_lowercase());
            if first.is_empty() {
                continue;
            }
            let mut one = vec![Ask::Whole; asks.len()];
            one[0] = Ask::Windows(first.clone());
            let all = vec![Ask::Windows(first); asks.len()];
            for asks in [one, all] {
                let statement = search.postgres_query(term, 1001, &asks);
                assert_eq!(ids(&app, statement).await, scanned, "{term:?} {asks:?}");
            }
        }
    }
    if matches!(app.backend, Backend::Postgres) {
        assert!(narrowed > 20, "samples narrowed {narrowed} columns");
    }
}

async fn a_sample_is_read_from_the_table(app: TestApp) {
    seeded(&app).await;
    if matches!(app.backend, Backend::Sqlite) {
        let ask = rare_trigrams::ask(app.db.conn(), "accounts", "billing_email", "billing1@")
            .await
            .expect("ask");
        assert_eq!(ask, Ask::Whole, "SQLite's FTS5 is asked the whole term");
        return;
    }
    execute(&app, "ANALYZE accounts", vec![]).await;
    let small = rare_trigrams::take_sample(app.db.conn(), "accounts", "billing_email", 1e9)
        .await
        .expect("sample");
    assert!(small.is_none(), "a table under the bound is not sampled");
    let sample = rare_trigrams::take_sample(app.db.conn(), "accounts", "billing_email", 0.0)
        .await
        .expect("sample")
        .expect("a sample of a big enough table");
    // Every demo billing email has 'bil'; few have '250' or '0@d'.
    let windows = sample.rarest("billing250@demo");
    assert!(
        !windows.is_empty() && !windows.contains(&"bil".to_owned()),
        "{windows:?}"
    );
}
