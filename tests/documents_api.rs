//! Invoices, receipts and credit notes as PDFs, end to end on both databases: what the API
//! serves (read back with poppler's `pdftotext`), to whom, byte for byte the same every time,
//! and the same bytes attached to the receipt and refund mails.
//!
//! Needs poppler-utils for the text checks: without it they print `skipped: …` and pass,
//! unless `TOLLGATE_REQUIRE_PDF_TOOLS=1` (`common/pdf_tools.rs`).
//!
//! `TOLLGATE_PDF_SAMPLE_DIR=dir cargo test --test documents_api` also writes the invoice,
//! receipt and credit note served here to `dir/`, for screenshots.

mod common;

use common::TestApp;
use common::documents::assert_pdf;
use common::pdf_tools::pdftotext;
use common::smtp::{self, Captured, MailAttachment};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use tollgate::domain::refunds::{self, RefundInput};
use tollgate::entities::{account, top_up_package};

// The job runner is on (for the mails); the other tests do not mind it.
on_both_backends!(
    configure = super::run_jobs;
    the_invoice_and_its_receipt_read_as_issued_and_as_paid,
    a_refund_gives_a_listed_credit_note_with_its_pdf,
    the_receipt_and_refund_mails_carry_the_same_pdfs,
);

fn run_jobs(settings: &mut tollgate::config::Settings) {
    settings.notifications.run_jobs = true;
}

/// Writes `pdf` to `$TOLLGATE_PDF_SAMPLE_DIR/name`, when set.
fn keep_sample(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("TOLLGATE_PDF_SAMPLE_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), pdf).unwrap();
    }
}

/// Every needle is in the text `pdftotext` reads; false (skipped) without poppler.
fn reads(pdf: &[u8], needles: &[&str]) -> bool {
    let Some(text) = pdftotext(pdf) else {
        return false;
    };
    for needle in needles {
        assert!(text.contains(needle), "pdftotext lacks {needle:?}:\n{text}");
    }
    true
}

/// Another account's document answers exactly like a missing one: 404, the same envelope.
async fn answers_like_missing(app: &TestApp, theirs: &str, missing: &str, token: &str) {
    let (x, y) = (
        app.get(theirs, Some(token)).await,
        app.get(missing, Some(token)).await,
    );
    assert_eq!(x.status, StatusCode::NOT_FOUND, "{}", x.body);
    assert_eq!(x.body["success"], false);
    assert_eq!(
        (x.status, &x.body["error"], &x.body["errors"]),
        (y.status, &y.body["error"], &y.body["errors"])
    );
}

async fn the_invoice_and_its_receipt_read_as_issued_and_as_paid(app: TestApp) {
    let (staff_token, _) = app.staff_actor().await;
    let (token, id) = app.paid_customer("pdf@test.com").await;
    let detail = app
        .get(&format!("/billing/invoices/{id}/"), Some(&token))
        .await;
    let number = detail.data()["invoice_number"].as_str().unwrap().to_owned();
    let snapshot = &detail.data()["metadata"]["billing_snapshot"];
    let name = snapshot["name"].as_str().unwrap().to_owned();
    let city = snapshot["billing_city"].as_str().unwrap().to_owned();

    let path = format!("/billing/invoices/{id}/pdf/");
    let first = app.get_file(&path, Some(&token)).await;
    assert_pdf(&first, &format!("{number}.pdf"));
    keep_sample("invoice.pdf", &first.bytes);
    let quote = format!("Put the invoice number {number} in the transfer reference");
    reads(
        &first.bytes,
        &[
            "Invoice",
            &number,
            "89.00",
            &name,
            &city,
            "PENDING",
            "Payment instructions",
            "Bank: ABC Bank, Account: 1234567890",
            &quote,
        ],
    );
    // Reproducible: the same rows give the same bytes.
    assert_eq!(app.get_file(&path, Some(&token)).await.bytes, first.bytes);

    // Who may read it: the owner and staff; another customer is told it does not exist.
    assert_pdf(
        &app.get_file(&path, Some(&staff_token)).await,
        &format!("{number}.pdf"),
    );
    assert_eq!(
        app.get_file(&path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (other, _) = app.paid_customer("other@test.com").await;
    answers_like_missing(&app, &path, "/billing/invoices/999999/pdf/", &other).await;

    // No receipt before it is paid.
    let receipt_path = format!("/billing/invoices/{id}/receipt/pdf/");
    let early = app.get(&receipt_path, Some(&token)).await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);
    assert_eq!(early.error(), "Receipt not found");

    let paid = app.confirm(&token, id, "89.00", "REF-PDF-0001").await;
    let payment = paid.data()["payment_id"].as_i64().unwrap();
    assert_eq!(
        app.approve(&staff_token, payment).await.status,
        StatusCode::OK
    );

    let receipt = app.get_file(&receipt_path, Some(&token)).await;
    assert_pdf(&receipt, &format!("{number}-receipt.pdf"));
    keep_sample("receipt.pdf", &receipt.bytes);
    reads(
        &receipt.bytes,
        &[
            "Receipt",
            &number,
            "PAID",
            "REF-PDF-0001",
            "Bank transfer",
            "89.00",
            &name,
        ],
    );
    assert_eq!(
        app.get_file(&receipt_path, Some(&token)).await.bytes,
        receipt.bytes
    );
    assert_eq!(
        app.get_file(&receipt_path, Some(&staff_token)).await.bytes,
        receipt.bytes
    );
    answers_like_missing(
        &app,
        &receipt_path,
        "/billing/invoices/999999/receipt/pdf/",
        &other,
    )
    .await;

    // The invoice itself, once paid: still the invoice, marked PAID, no longer asking to pay.
    let invoice = app.get_file(&path, Some(&token)).await;
    if reads(&invoice.bytes, &["Invoice", &number, "PAID"]) {
        let text = pdftotext(&invoice.bytes).unwrap();
        assert!(!text.contains("Payment instructions"), "{text}");
    }
}

async fn a_refund_gives_a_listed_credit_note_with_its_pdf(app: TestApp) {
    let (staff_token, actor) = app.staff_actor().await;
    let (token, id) = app.paid_customer("refund@test.com").await;
    let paid = app.confirm(&token, id, "89.00", "REF-CN-0001").await;
    let payment = paid.data()["payment_id"].as_i64().unwrap();
    assert_eq!(
        app.approve(&staff_token, payment).await.status,
        StatusCode::OK
    );
    let input = RefundInput {
        amount: Some("89.00".into()),
        reason: Some("Duplicate charge".into()),
    };
    let refunded = refunds::refund(&app.db, &actor, id, input, &[])
        .await
        .unwrap();
    let note = refunded.credit_note;
    let number = &refunded.invoice.invoice_number;

    let listed = app.get("/billing/credit-notes/", Some(&token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.data()["count"], 1);
    let row = &listed.data()["results"][0];
    assert_eq!(row["id"], note.id);
    assert_eq!(row["number"], note.number.as_str());
    assert_eq!(row["invoice_id"], id);
    assert_eq!(row["amount"], "89.00");
    assert_eq!(row["reason"], "Duplicate charge");
    assert_eq!(row["payout_status"], "by_staff");
    let (other, _) = app.paid_customer("other@test.com").await;
    let none = app.get("/billing/credit-notes/", Some(&other)).await;
    assert_eq!(none.data()["count"], 0);

    let path = format!("/billing/credit-notes/{}/pdf/", note.id);
    let pdf = app.get_file(&path, Some(&token)).await;
    assert_pdf(&pdf, &format!("{}.pdf", note.number));
    keep_sample("credit-note.pdf", &pdf.bytes);
    let reference = format!("Credit note for invoice {number}");
    reads(
        &pdf.bytes,
        &[
            "Credit note",
            &note.number,
            &reference,
            "89.00",
            "Reason",
            "Duplicate charge",
            "credits were taken back",
            "Our staff pay the amount back to you",
        ],
    );
    assert_eq!(app.get_file(&path, Some(&token)).await.bytes, pdf.bytes);
    assert_eq!(
        app.get_file(&path, Some(&staff_token)).await.bytes,
        pdf.bytes
    );
    assert_eq!(
        app.get_file(&path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    answers_like_missing(&app, &path, "/billing/credit-notes/999999/pdf/", &other).await;
}

/// The one PDF a mail carries.
fn the_pdf(mail: &Captured) -> &MailAttachment {
    assert_eq!(mail.attachments.len(), 1, "{:?}", mail.subject);
    let file = &mail.attachments[0];
    assert_eq!(file.content_type, "application/pdf");
    file
}

async fn mail(app: &TestApp, subject: &str) -> Captured {
    smtp::mail_file(&app.mail_dir, |m| m.subject.contains(subject)).await
}

async fn the_receipt_and_refund_mails_carry_the_same_pdfs(app: TestApp) {
    let (staff_token, actor) = app.staff_actor().await;
    let (token, id) = app.paid_customer("mail-pdf@test.com").await;
    let paid = app.confirm(&token, id, "89.00", "REF-MAIL-1").await;
    let payment = paid.data()["payment_id"].as_i64().unwrap();
    assert_eq!(
        app.approve(&staff_token, payment).await.status,
        StatusCode::OK
    );
    let number = app
        .get(&format!("/billing/invoices/{id}/"), Some(&token))
        .await
        .data()["invoice_number"]
        .as_str()
        .unwrap()
        .to_owned();

    let receipt = mail(&app, &format!("Receipt for {number}")).await;
    assert!(receipt.text.contains("is active"), "{}", receipt.text);
    let file = the_pdf(&receipt);
    assert_eq!(file.filename, format!("{number}-receipt.pdf"));
    let served = app
        .get_file(
            &format!("/billing/invoices/{id}/receipt/pdf/"),
            Some(&token),
        )
        .await;
    assert_eq!(file.bytes, served.bytes, "the mail's receipt is the API's");

    // A top-up's receipt says the credits were added, not that the account is active.
    let account_id = app.get("/auth/me/", Some(&token)).await.data()["user"]["account_id"]
        .as_i64()
        .unwrap();
    let account = account::Entity::find_by_id(account_id)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    let package = top_up_package::Entity::find()
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("a seeded top-up package");
    let top_up = tollgate::domain::invoices::issue_top_up(
        app.db.conn(),
        &account,
        &package,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let price = tollgate::domain::money::format_minor(package.price, &package.currency);
    let paid = app.confirm(&token, top_up.id, &price, "REF-MAIL-2").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    let payment = paid.data()["payment_id"].as_i64().unwrap();
    assert_eq!(
        app.approve(&staff_token, payment).await.status,
        StatusCode::OK
    );
    let topped = mail(&app, &format!("Receipt for {}", top_up.invoice_number)).await;
    let added = format!("{} credits were added to", package.credits);
    assert!(topped.text.contains(&added), "{}", topped.text);
    assert!(!topped.text.contains("is active"), "{}", topped.text);
    assert_eq!(
        the_pdf(&topped).filename,
        format!("{}-receipt.pdf", top_up.invoice_number)
    );

    // The refund: its mail carries the credit note the API serves.
    let input = RefundInput {
        amount: Some("89.00".into()),
        reason: Some("Duplicate charge".into()),
    };
    let note = refunds::refund(&app.db, &actor, id, input, &[])
        .await
        .unwrap()
        .credit_note;
    let refund = mail(
        &app,
        &format!("Refund issued — credit note {}", note.number),
    )
    .await;
    for needle in [
        number.as_str(),
        "89.00 USD",
        "Duplicate charge",
        "Our staff pay the amount back to you",
    ] {
        assert!(
            refund.text.contains(needle),
            "lacks {needle:?}: {}",
            refund.text
        );
    }
    let file = the_pdf(&refund);
    assert_eq!(file.filename, format!("{}.pdf", note.number));
    let served = app
        .get_file(
            &format!("/billing/credit-notes/{}/pdf/", note.id),
            Some(&token),
        )
        .await;
    assert_eq!(
        file.bytes, served.bytes,
        "the mail's credit note is the API's"
    );
    if let Some(text) = pdftotext(&file.bytes) {
        assert!(text.contains(&note.number), "{text}");
    }
}
