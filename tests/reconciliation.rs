//! Bank reconciliation end to end: twenty customers confirm their transfers; a camt.053
//! statement carries eighteen of them (two with a bank fee deducted, one with a mistyped
//! reference); staff approve the preselected pairs from the panel and exactly the right
//! accounts become active, each paying line linked to its payment, `verify` clean.

mod common;

use std::collections::HashSet;

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use common::TestApp;
use common::admin::Panel;
use tollgate::domain::reconcile::{self, Upload};
use tollgate::domain::statements::Format;
use tollgate::entities::statement_line;

on_both_backends!(
    staff_approve_the_preselected_pairs_and_exactly_the_right_accounts_become_active,
    a_pair_already_linked_is_refused_and_nothing_changes,
);

const CUSTOMERS: usize = 20;
const PRICE: i64 = 8900;
const FIRST: [&str; CUSTOMERS] = [
    "Ayesha", "Bilal", "Sana", "Omar", "Hina", "Kamran", "Nadia", "Tariq", "Zara", "Imran",
    "Farah", "Usman", "Mehwish", "Hamza", "Rabia", "Saad", "Amna", "Danish", "Iqra", "Fahad",
];
const LAST: [&str; CUSTOMERS] = [
    "Khan", "Ahmed", "Malik", "Farooq", "Siddiqui", "Qureshi", "Baig", "Chaudhry", "Sheikh",
    "Butt", "Mirza", "Javed", "Raza", "Hashmi", "Anwar", "Iqbal", "Saleem", "Nawaz", "Akhtar",
    "Rehman",
];

struct Customer {
    token: String,
    name: String,
    reference: String,
    payment_id: i64,
}

async fn customers(app: &TestApp) -> Vec<Customer> {
    let mut all = Vec::new();
    for i in 0..CUSTOMERS {
        let (first, last) = (FIRST[i].to_owned(), LAST[i].to_owned());
        let r = app
            .post(
                "/auth/register/",
                None,
                json!({
                    "email": format!("c{i}@example.com"), "password": common::PASSWORD,
                    "password_confirm": common::PASSWORD, "first_name": first, "last_name": last,
                    "plan_slug": "starter", "billing_email": format!("c{i}@example.com"),
                    "billing_country": "DE", "payment_method": "bank_transfer"
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = r.data()["token"].as_str().unwrap().to_owned();
        let invoice = &r.data()["invoice"];
        assert_eq!(invoice["total"], "89.00", "the starter plan's price");
        let reference = format!("BT-2026-{:05}", 31_000 + i);
        let c = app
            .confirm(&token, invoice["id"].as_i64().unwrap(), "89.00", &reference)
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
        all.push(Customer {
            token,
            name: format!("{first} {last}"),
            reference,
            payment_id: c.data()["payment_id"].as_i64().unwrap(),
        });
    }
    all
}

/// One camt.053.001.08 entry.
fn entry(amount: i64, credit: bool, payer: &str, text: &str, id: usize) -> String {
    let (indicator, party) = if credit {
        ("CRDT", "Dbtr")
    } else {
        ("DBIT", "Cdtr")
    };
    format!(
        r#"<Ntry><Amt Ccy="USD">{}.{:02}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>{today}</Dt></BookgDt><ValDt><Dt>{today}</Dt></ValDt><AcctSvcrRef>BANK-{id}</AcctSvcrRef>
<BkTxCd><Prtry><Cd>TRF</Cd></Prtry></BkTxCd>
<NtryDtls><TxDtls><Refs><TxId>TX-{id}</TxId></Refs><RltdPties><{party}><Pty><Nm>{payer}</Nm></Pty></{party}></RltdPties>
<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"#,
        amount / 100,
        amount % 100,
        today = chrono::Utc::now().date_naive()
    )
}

/// Eighteen of the twenty transfers: 0–14 exact, 15 and 16 with a 1.50 fee taken, 17 with
/// a mistyped reference (found by payer and amount); plus a debit and an unrelated credit.
fn statement(customers: &[Customer]) -> String {
    let mut entries = String::new();
    for (i, c) in customers.iter().enumerate().take(18) {
        let (amount, text) = match i {
            15 | 16 => (PRICE - 150, format!("Invoice payment {}", c.reference)),
            17 => (PRICE, c.reference.replace('3', "8")),
            _ => (PRICE, format!("Payment ref {} thanks", c.reference)),
        };
        entries.push_str(&entry(amount, true, &c.name, &text, i));
    }
    entries.push_str(&entry(4_500, false, "Office Rent Ltd", "Rent", 100));
    entries.push_str(&entry(
        12_345,
        true,
        "Someone Else",
        "Refund of order 991",
        101,
    ));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-12-03T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>STMT-1</Id><CreDtTm>2026-12-03T10:00:00</CreDtTm>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>
{entries}</Stmt></BkToCstmrStmt></Document>
"#
    )
}

async fn import(app: &TestApp, xml: &str) -> reconcile::Imported {
    let upload = Upload {
        file_name: "statement.xml",
        bytes: xml.as_bytes(),
        format: Some(Format::Camt053),
        profile: None,
        extra_profiles: &[],
    };
    reconcile::import(&app.db, None, upload, &|_, _| {})
        .await
        .expect("statement imports")
}

async fn account_status(app: &TestApp, c: &Customer) -> String {
    let me = app.get("/auth/me/", Some(&c.token)).await;
    me.data()["user"]["account"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn staff_approve_the_preselected_pairs_and_exactly_the_right_accounts_become_active(
    app: TestApp,
) {
    let customers = customers(&app).await;
    let xml = statement(&customers);
    let done = import(&app, &xml).await;
    assert_eq!(
        (done.read, done.new, done.already, done.debits),
        (20, 20, 0, 1)
    );
    assert_eq!(done.suggestions.len(), 18, "{:?}", done.suggestions);
    assert_eq!(done.unmatched, 1, "the unrelated credit");

    let again = import(&app, &xml).await;
    assert_eq!(
        (again.new, again.already),
        (0, 20),
        "a second import adds nothing"
    );

    let view = reconcile::overview(&app.db, chrono::Duration::days(5))
        .await
        .unwrap();
    let preselected: Vec<_> = view
        .pairs
        .iter()
        .filter(|p| p.suggestion.preselected())
        .collect();
    let expected: HashSet<i64> = (0..15)
        .chain([17])
        .map(|i| customers[i].payment_id)
        .collect();
    let chosen: HashSet<i64> = preselected.iter().map(|p| p.payment.payment.id).collect();
    assert_eq!(chosen, expected);
    for i in [15, 16] {
        let fee = view
            .pairs
            .iter()
            .find(|p| p.payment.payment.id == customers[i].payment_id)
            .expect("the fee-deducted transfer is paired");
        assert_eq!(fee.suggestion.difference, Some(-150), "shown, not accepted");
    }
    let page_pairs: Vec<String> = preselected
        .iter()
        .map(|p| format!("{}:{}", p.line.id, p.payment.payment.id))
        .collect();

    let mut panel = Panel::staff(&app, "reviewer@example.com").await;
    let page = panel.get("/admin/billing/reconciliation/").await;
    assert_eq!(page.status, StatusCode::OK);
    for pair in &page_pairs {
        assert!(
            page.body.contains(&format!("value=\"{pair}\" ")),
            "{pair} listed"
        );
    }
    assert_eq!(
        page.body.matches(" checked>").count(),
        16,
        "only sure pairs ticked"
    );
    let fields: Vec<(&str, &str)> = page_pairs.iter().map(|p| ("pair", p.as_str())).collect();
    let approved = panel
        .post("/admin/billing/reconciliation/approve", &fields)
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let after = panel.get("/admin/billing/reconciliation/").await;
    assert!(
        after.body.contains("Approved 16 payments"),
        "{}",
        after.body
    );

    for (i, c) in customers.iter().enumerate() {
        let want = if expected.contains(&c.payment_id) {
            "active"
        } else {
            "pending_payment"
        };
        assert_eq!(account_status(&app, c).await, want, "customer {i}");
    }
    let linked = statement_line::Entity::find()
        .filter(statement_line::Column::PaymentId.is_not_null())
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(linked, 16);
    let violations = tollgate::ops::verify::verify(&app.db).await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}

async fn a_pair_already_linked_is_refused_and_nothing_changes(app: TestApp) {
    let customers = customers(&app).await;
    import(&app, &statement(&customers)).await;
    let view = reconcile::overview(&app.db, chrono::Duration::days(5))
        .await
        .unwrap();
    let first = &view.pairs[0];
    let second = &view.pairs[1];
    let mut panel = Panel::staff(&app, "reviewer@example.com").await;
    panel.get("/admin/billing/reconciliation/").await;
    let one = format!("{}:{}", first.line.id, first.payment.payment.id);
    panel
        .post("/admin/billing/reconciliation/approve", &[("pair", &one)])
        .await;
    // The same line again with another payment: the whole batch is refused.
    let stale = format!("{}:{}", first.line.id, second.payment.payment.id);
    let fresh = format!("{}:{}", second.line.id, first.payment.payment.id);
    let page = panel
        .post(
            "/admin/billing/reconciliation/approve",
            &[("pair", &stale), ("pair", &fresh)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let shown = panel.get("/admin/billing/reconciliation/").await;
    assert!(
        shown.body.contains("nothing was approved") || shown.body.contains("not pending"),
        "{}",
        shown.body
    );
    let linked = statement_line::Entity::find()
        .filter(statement_line::Column::PaymentId.is_not_null())
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(linked, 1);
    let second_status = tollgate::entities::payment::Entity::find_by_id(second.payment.payment.id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(second_status.to_string(), "pending_approval");
}
