//! The reconciliation page in a real browser: staff upload a camt.053 file through the form,
//! see the transfers paired with the queue (the sure pairs ticked, a fee-deducted one shown
//! with its difference and left unticked) and approve the ticked pairs with one click.
//!
//! The browser and when these tests skip: `common::browser`.

mod common;

use common::browser::Browser;
use common::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(staff_upload_a_statement_and_approve_the_ticked_pairs);

const PAGE: &str = "/admin/billing/reconciliation/";

/// (account, payer as the bank writes it, reference)
const PEOPLE: [(&str, &str, &str, &str); 4] = [
    ("Ayesha", "Khan", "Karachi Traders", "BT-20261201-48213"),
    ("Bilal", "Ahmed", "Lahore Books", "BT-20261201-49330"),
    ("Sana", "Malik", "Indus Textiles", "BT-20261202-50447"),
    ("Omar", "Farooq", "Quetta Dry Fruits", "BT-20261202-51564"),
];

/// Each customer's (token, payment id).
async fn confirm_all(app: &TestApp) -> Vec<(String, i64)> {
    let mut all = Vec::new();
    for (i, (first, last, company, reference)) in PEOPLE.iter().enumerate() {
        let email = format!("{}{i}@test.com", first.to_lowercase());
        let r = app
            .post(
                "/auth/register/",
                None,
                json!({
                    "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
                    "first_name": first, "last_name": last, "account_name": company,
                    "plan_slug": "starter", "billing_email": email, "billing_country": "PK",
                    "payment_method": "bank_transfer"
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = r.data()["token"].as_str().expect("token");
        let invoice = r.data()["invoice"]["id"].as_i64().expect("invoice");
        let c = app.confirm(token, invoice, "89.00", reference).await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
        all.push((
            token.to_owned(),
            c.data()["payment_id"].as_i64().expect("id"),
        ));
    }
    all
}

/// A bank's transfer receipt as a customer would photograph it: drawn by the browser itself,
/// so the proof is a real PNG.
async fn receipt(b: &Browser) -> Vec<u8> {
    let html = "<body style='font:16px sans-serif;margin:40px;background:#f4f6f8'>\
        <div style='background:#fff;border:1px solid #ccd;padding:24px;width:420px'>\
        <h2 style='color:#1a4d8f'>Meezan Bank: transfer receipt</h2>\
        <p>From: Omar Farooq<br>To: tollgate billing<br>Amount: USD 89.00<br>\
        Reference: BT-20261202-51564<br>Date: 2 Dec 2026, 14:05</p>\
        <p style='color:#2a7a2a'><b>Status: completed</b></p></div></body>";
    b.client
        .goto(&format!("data:text/html,{}", html.replace('#', "%23")))
        .await
        .expect("receipt drawn");
    b.client.screenshot().await.expect("receipt PNG")
}

/// The customer adds `png` as the proof of their payment, through the API.
async fn upload_proof(app: &TestApp, token: &str, payment: i64, png: Vec<u8>) {
    let boundary = "----tollgate-receipt";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"proof\"; filename=\"receipt.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app
        .client
        .post(app.url(&format!("/billing/payments/{payment}/proof/")))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
}

/// Two exact transfers, one with a 1.50 fee taken on the way, and an unrelated credit.
fn statement() -> String {
    let today = chrono::Utc::now().date_naive();
    let entry = |n: usize, amount: &str, payer: &str, text: &str| {
        format!(
            r#"<Ntry><Amt Ccy="USD">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{today}</Dt></BookgDt><AcctSvcrRef>REF-{n}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"#
        )
    };
    let entries = [
        entry(
            1,
            "89.00",
            "KARACHI TRADERS",
            "Invoice payment BT 20261201 48213",
        ),
        entry(2, "89.00", "Bilal Ahmed", "BT-20261201-49330"),
        entry(
            3,
            "87.50",
            "Indus Textiles Ltd",
            "bt-20261202-50447 subscription",
        ),
        entry(4, "250.00", "Unknown GmbH", "Order 7781"),
    ]
    .concat();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-03T09:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2026-12-03T09:00:00</CreDtTm><Acct><Id><IBAN>PK36SCBL0000001123456702</IBAN></Id><Ccy>USD</Ccy></Acct>
{entries}</Stmt></BkToCstmrStmt></Document>
"#
    )
}

async fn staff_upload_a_statement_and_approve_the_ticked_pairs(app: TestApp) {
    let Some(b) = Browser::start(&app).await else {
        return;
    };
    tollgate::domain::accounts::create_staff_user(&app.db, "admin@example.com", "adminpass")
        .await
        .expect("staff");
    let customers = confirm_all(&app).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("december.xml");
    std::fs::write(&file, statement()).expect("statement written");

    b.goto(PAGE).await;
    b.log_in("admin@example.com", "adminpass").await;
    assert_eq!(b.text("h1").await, "Bank reconciliation");
    b.find("input[type=file]")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("file chosen");
    b.click_to_page("#import-form button[type=submit]").await;
    let message = b.message("success").await;
    assert!(message.contains("4 lines read, 4 new"), "{message}");
    assert!(
        message.contains("3 paired with a payment, 2 ready"),
        "{message}"
    );

    let ticked = b
        .find_all("#pairs-table input[type=checkbox]:checked")
        .await;
    assert_eq!(ticked.len(), 2, "only the exact pairs are ticked");
    let fee = b.text("#pairs-table tr:nth-child(3) .warn").await;
    assert_eq!(fee, "-1.50 USD");
    assert_eq!(b.find_all("#unmatched-lines tbody tr").await.len(), 1);
    assert_eq!(b.find_all("#unmatched-payments tbody tr").await.len(), 1);
    b.screenshot_whole_page("reconciliation").await;

    b.click_to_page("#approve-selected").await;
    let done = b.message("success").await;
    assert!(done.starts_with("Approved 2 payments"), "{done}");
    assert_eq!(b.find_all("#pairs-table tbody tr").await.len(), 1);

    // The customer with no transfer on the statement sends the bank's receipt; staff see it
    // on the payment's page.
    let (token, payment) = &customers[3];
    let png = receipt(&b).await;
    upload_proof(&app, token, *payment, png).await;
    b.goto(&format!("/admin/billing/payment/{payment}/")).await;
    let shown = b.find_all(".proof-image img").await;
    assert_eq!(shown.len(), 1, "the proof is shown inline");
    b.screenshot_whole_page("payment-proof").await;
    b.close().await;
}
