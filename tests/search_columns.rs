//! The searches' column lists (`search::EVERY`) against the database: every listed column is
//! indexed by migrations m0007 and m0019 (FTS5 trigram tables and their triggers on SQLite,
//! GIN trigram indexes over `lower(column)` on PostgreSQL), and the index queries find exactly
//! the rows the scanning condition finds: payments for the queue, and the panel's accounts,
//! users and invoices.

mod common;

use std::collections::BTreeSet;

use common::{Backend, PASSWORD, TestApp};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TryGetable, Value};
use serde_json::json;
use tollgate::domain::search::{self, EVERY, Search};

on_both_backends!(
    every_listed_column_is_indexed,
    index_and_scan_find_the_same_payments,
    index_and_scan_find_the_same_accounts_users_and_invoices,
    non_ascii_case_is_folded_by_the_index_but_not_by_the_sqlite_scan,
);

/// The first column of every row `sql` returns, as text.
async fn strings(app: &TestApp, sql: &str, values: Vec<Value>) -> Vec<String> {
    let backend = app.db.backend();
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|row| String::try_get_by_index(row, 0).expect("text column"))
        .collect()
}

async fn every_listed_column_is_indexed(app: TestApp) {
    for s in EVERY.iter().flat_map(|search| search.parts) {
        match app.backend {
            Backend::Sqlite => assert_fts5_indexes(&app, s.table, s.columns).await,
            Backend::Postgres => assert_trigram_indexes(&app, s.table, s.columns).await,
        }
    }
}

/// `<table>_search` is an FTS5 trigram table over these columns (and perhaps others another
/// search asks for), and the triggers that keep it in step with `table` exist, the update
/// trigger firing on each of its columns.
async fn assert_fts5_indexes(app: &TestApp, table: &str, columns: &[&str]) {
    let fts = format!("{table}_search");
    let declared = strings(
        app,
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1",
        vec![fts.clone().into()],
    )
    .await;
    let [declared] = declared.as_slice() else {
        panic!("no FTS5 table {fts}");
    };
    assert!(declared.contains("USING fts5("), "{declared}");
    assert!(declared.contains("tokenize='trigram'"), "{declared}");
    assert!(
        declared.contains(&format!("content='{table}'")),
        "{declared}"
    );
    let indexed = strings(
        app,
        "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        vec![fts.clone().into()],
    )
    .await;
    for col in columns {
        assert!(indexed.iter().any(|i| i == col), "{col} among {indexed:?}");
    }
    for event in ["insert", "delete", "update"] {
        let name = format!("{fts}_{event}");
        let trigger = strings(
            app,
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1 AND tbl_name = $2",
            vec![name.clone().into(), table.into()],
        )
        .await;
        let [trigger] = trigger.as_slice() else {
            panic!("no trigger {name} on {table}");
        };
        if event == "update" {
            let fires_on = format!("AFTER UPDATE OF {} ON {table}", indexed.join(", "));
            assert!(trigger.contains(&fires_on), "{trigger}");
        }
    }
}

/// Each column has a GIN index over `lower(column)` with the trigram operator class.
async fn assert_trigram_indexes(app: &TestApp, table: &str, columns: &[&str]) {
    let indexes = strings(
        app,
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1",
        vec![table.into()],
    )
    .await;
    for col in columns {
        // PostgreSQL writes the expression back with a cast for varchar columns.
        let over = [
            format!("USING gin (lower(({col})::text) gin_trgm_ops)"),
            format!("USING gin (lower({col}) gin_trgm_ops)"),
        ];
        assert!(
            indexes
                .iter()
                .any(|def| over.iter().any(|o| def.contains(o))),
            "no trigram index over lower({col}) on {table}: {indexes:#?}"
        );
    }
}

/// Registers a paid customer with these account details and confirms their invoice with
/// `reference`; returns (account id, invoice id, payment id).
async fn customer(
    app: &TestApp,
    email: &str,
    account_name: &str,
    billing_email: &str,
    reference: &str,
) -> (i64, i64, i64) {
    let r = app
        .post(
            "/auth/register/",
            None,
            json!({
                "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                "first_name": "Search", "last_name": "Columns", "plan_slug": "starter",
                "account_name": account_name, "billing_email": billing_email,
                "billing_country": "PK", "billing_city": "Karachi",
                "billing_address_line1": "123 Main Street", "payment_method": "bank_transfer"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.data()["token"].as_str().unwrap().to_owned();
    let invoice = r.data()["invoice"]["id"].as_i64().unwrap();
    let confirmed = app.confirm(&token, invoice, "89.00", reference).await;
    assert_eq!(confirmed.status, StatusCode::CREATED, "{}", confirmed.body);
    let payment = confirmed.data()["payment_id"].as_i64().unwrap();
    (account_of(app, email).await, invoice, payment)
}

async fn account_of(app: &TestApp, email: &str) -> i64 {
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            app.db.backend(),
            "SELECT account_id FROM users WHERE email = $1",
            [email.into()],
        ))
        .await
        .expect("account of user");
    i64::try_get_by_index(&rows[0], 0).expect("account id")
}

async fn execute(app: &TestApp, sql: &str, values: Vec<Value>) {
    let backend: DbBackend = app.db.backend();
    app.db
        .conn()
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The rows `search`'s index query finds for `term`; the indexes must have answered.
async fn indexed_by(app: &TestApp, search: &Search, term: &str) -> BTreeSet<i64> {
    search
        .ids_matching(app.db.conn(), term, 1000)
        .await
        .expect("index query")
        .unwrap_or_else(|| panic!("the indexes answer {term:?}"))
        .into_iter()
        .collect()
}

async fn scanned_by(app: &TestApp, search: &Search, term: &str) -> BTreeSet<i64> {
    search
        .ids_scanning(app.db.conn(), term)
        .await
        .expect("scan")
        .into_iter()
        .collect()
}

/// The rows `search` finds for `term`, the same through the indexes and by scanning.
async fn found_by(app: &TestApp, search: &Search, term: &str) -> BTreeSet<i64> {
    let indexed = indexed_by(app, search, term).await;
    let scanned = scanned_by(app, search, term).await;
    assert_eq!(
        indexed, scanned,
        "{}: index (left) and scan (right) for {term:?}",
        search.target
    );
    indexed
}

async fn indexed(app: &TestApp, term: &str) -> BTreeSet<i64> {
    indexed_by(app, &search::PAYMENTS, term).await
}

async fn scanned(app: &TestApp, term: &str) -> BTreeSet<i64> {
    scanned_by(app, &search::PAYMENTS, term).await
}

async fn found(app: &TestApp, term: &str) -> BTreeSet<i64> {
    found_by(app, &search::PAYMENTS, term).await
}

async fn index_and_scan_find_the_same_payments(app: TestApp) {
    // A staff user without an account, whose email carries a term: it reaches no payment.
    app.staff_token("admin@acme-staff.test").await;
    let (_, _, acme) = customer(
        &app,
        "owner@acme.test",
        "ACME Widgets",
        "AP@Acme-Billing.test",
        "ACME-7",
    )
    .await;
    let (_, _, quote) = customer(
        &app,
        "quote@example.test",
        "Quote & Co",
        "pay@quote.test",
        r#"TX-"Q"-50%"#,
    )
    .await;
    let (_, percent_invoice, percent) = customer(
        &app,
        "percent@example.test",
        "Fifty Percent",
        "pay@fifty.test",
        "TX-Q-50X",
    )
    .await;
    let (_, _, under) = customer(
        &app,
        "under@example.test",
        "A_B Traders",
        "pay@under.test",
        "A_B-1",
    )
    .await;
    let (_, _, axb) = customer(
        &app,
        "axb@example.test",
        "AXB Traders",
        "pay@axb.test",
        "AXB-2",
    )
    .await;
    let (_, _, star) = customer(
        &app,
        "star@example.test",
        "Star Ltd",
        "pay@star.test",
        "WIRE*77",
    )
    .await;
    let (zeta_account, _, zeta) =
        customer(&app, "zeta@example.test", "Zeta", "pay@zeta.test", "ZT-1").await;
    // An invoice renamed after the fact (the update trigger on SQLite), and a second member
    // added to an account after their email was indexed.
    execute(
        &app,
        "UPDATE invoices SET invoice_number = 'INV-ACME-50%-1' WHERE id = $1",
        vec![percent_invoice.into()],
    )
    .await;
    tollgate::domain::accounts::create_staff_user(&app.db, "member.of@zeta-team.test", "pass1234")
        .await
        .expect("member created");
    execute(
        &app,
        "UPDATE users SET account_id = $1 WHERE email = 'member.of@zeta-team.test'",
        vec![zeta_account.into()],
    )
    .await;

    let all = BTreeSet::from([acme, quote, percent, under, axb, star, zeta]);
    let set = |ids: &[i64]| ids.iter().copied().collect::<BTreeSet<i64>>();
    // Reference, account name, billing email and member email of one payment, and an invoice
    // number of another.
    assert_eq!(found(&app, "acme").await, set(&[acme, percent]));
    assert_eq!(found(&app, "ACME-7").await, set(&[acme]));
    assert_eq!(found(&app, "acme-billing").await, set(&[acme]));
    // `%`, `_`, `"` and `*` are literal.
    assert_eq!(found(&app, "50%").await, set(&[quote, percent]));
    assert_eq!(found(&app, "-50").await, set(&[quote, percent]));
    assert_eq!(found(&app, r#""q"-5"#).await, set(&[quote]));
    assert_eq!(found(&app, "a_b").await, set(&[under]));
    assert_eq!(found(&app, "wire*").await, set(&[star]));
    assert_eq!(found(&app, "*77").await, set(&[star]));
    assert_eq!(found(&app, "wire*8").await, set(&[]));
    // Mixed case on either side.
    assert_eq!(found(&app, "TRADERS").await, set(&[under, axb]));
    assert_eq!(found(&app, "quote & co").await, set(&[quote]));
    // Every member of an account finds its payments.
    assert_eq!(found(&app, "member.of").await, set(&[zeta]));
    assert_eq!(found(&app, "ZETA").await, set(&[zeta]));
    assert_eq!(found(&app, "@example.test").await, &all - &set(&[acme]));
    assert_eq!(found(&app, "inv-").await, all);
    assert_eq!(found(&app, "acme-staff").await, set(&[]));
    // FTS5 query syntax is only text.
    assert_eq!(found(&app, "OR NOT").await, set(&[]));
    assert_eq!(found(&app, "pay AND zeta").await, set(&[]));
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    let rows = strings(
        app,
        "SELECT CAST(id AS TEXT) FROM users WHERE email = $1",
        vec![email.into()],
    )
    .await;
    rows[0].parse().expect("user id")
}

/// The panel's lists: accounts by name, slug, billing email or a member's email; users by
/// email or names; invoices by number or their account's name.
async fn index_and_scan_find_the_same_accounts_users_and_invoices(app: TestApp) {
    let (umbrella, umbrella_invoice, _) = customer(
        &app,
        "owner@umbrella.test",
        "Umbrella Widgets",
        "AP@Umbrella-Billing.test",
        "UMB-7",
    )
    .await;
    let (zeta, zeta_invoice, _) = customer(
        &app,
        "zeta@example.test",
        "Zeta Traders",
        "pay@zeta.test",
        "ZT-1",
    )
    .await;
    // A slug changed after the fact (the update trigger on SQLite) and a user renamed.
    execute(
        &app,
        "UPDATE accounts SET slug = 'renamed-slug-zz' WHERE id = $1",
        vec![zeta.into()],
    )
    .await;
    execute(
        &app,
        "UPDATE users SET first_name = 'Quentin', last_name = 'Zebulon' WHERE email = $1",
        vec!["zeta@example.test".into()],
    )
    .await;
    let (owner, zeta_user) = (
        user_id(&app, "owner@umbrella.test").await,
        user_id(&app, "zeta@example.test").await,
    );
    let set = |ids: &[i64]| ids.iter().copied().collect::<BTreeSet<i64>>();
    let accounts = &search::ACCOUNTS;
    assert_eq!(
        found_by(&app, accounts, "umbrella wid").await,
        set(&[umbrella])
    );
    assert_eq!(
        found_by(&app, accounts, "umbrella-billing").await,
        set(&[umbrella])
    );
    assert_eq!(found_by(&app, accounts, "owner@").await, set(&[umbrella]));
    assert_eq!(found_by(&app, accounts, "ed-slug").await, set(&[zeta]));
    assert_eq!(found_by(&app, accounts, "TRADERS").await, set(&[zeta]));
    let users = &search::USERS;
    assert_eq!(found_by(&app, users, "quentin").await, set(&[zeta_user]));
    assert_eq!(found_by(&app, users, "ZEBUL").await, set(&[zeta_user]));
    assert_eq!(found_by(&app, users, "umbrella.test").await, set(&[owner]));
    assert_eq!(found_by(&app, users, "Search").await, set(&[owner]));
    let invoices = &search::INVOICES;
    assert_eq!(
        found_by(&app, invoices, "widgets").await,
        set(&[umbrella_invoice])
    );
    assert_eq!(found_by(&app, invoices, "zeta").await, set(&[zeta_invoice]));
    assert_eq!(
        found_by(&app, invoices, "inv-").await,
        set(&[umbrella_invoice, zeta_invoice])
    );
    assert_eq!(found_by(&app, invoices, "nothing-like-it").await, set(&[]));
}

/// A known difference, kept as it was: SQLite's `lower()` and `LIKE` fold ASCII letters only,
/// while the FTS5 trigram tokenizer folds all of Unicode. So on SQLite the scan (terms too
/// short or too broad for the index) misses "École" for "école", which the index finds.
/// PostgreSQL uses `lower(column)` for both, so they agree there. Closing the gap needs a
/// Unicode lower-casing function in SQLite (ICU, or one the application registers).
async fn non_ascii_case_is_folded_by_the_index_but_not_by_the_sqlite_scan(app: TestApp) {
    let (_, _, capital) = customer(
        &app,
        "capital@example.test",
        "École Ürban",
        "pay@capital.test",
        "RÉF-1",
    )
    .await;
    let (_, _, small) = customer(
        &app,
        "small@example.test",
        "école ürban",
        "pay@small.test",
        "réf-2",
    )
    .await;
    for term in ["école", "ÜRBAN", "Réf-"] {
        match app.backend {
            Backend::Sqlite => {
                assert_eq!(indexed(&app, term).await, BTreeSet::from([capital, small]));
                assert_eq!(scanned(&app, term).await, BTreeSet::from([small]), "{term}");
            }
            // Whether `lower('É')` is 'é' depends on the database's locale; the index and the
            // scan agree whatever it is.
            Backend::Postgres => assert!(found(&app, term).await.contains(&small), "{term}"),
        }
    }
}
