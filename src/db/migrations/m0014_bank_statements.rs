//! Imported bank statements and their lines. A line's fingerprint is unique, so importing the
//! same file again adds nothing; a line is linked to at most one payment and a payment to at
//! most one line (the unique index on `payment_id`, which leaves unlinked lines free).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{References, create, create_all, index, unique};

super::migration!(m => {
    let statements = create("bank_statements")
        .col(string("file_name"))
        .col(string("format"))
        .col(string("sha256"))
        .col(string_null("account"))
        .col(string_null("currency"))
        .col(integer("lines_read"))
        .col(integer("lines_new"))
        .reference_null("imported_by_id", "users")
        .col(timestamp_with_time_zone("created_at"))
        .take();
    let lines = create("statement_lines")
        .reference_cascade("statement_id", "bank_statements")
        .col(string("fingerprint"))
        .col(integer("line_no"))
        .col(date("booking_date"))
        .col(date_null("value_date"))
        .col(big_integer("amount"))
        .col(string("currency"))
        .col(string("direction"))
        .col(string_null("bank_reference"))
        .col(string_null("payer_name"))
        .col(text("remittance"))
        .reference_null("payment_id", "payments")
        .reference_null("linked_by_id", "users")
        .col(timestamp_with_time_zone_null("linked_at"))
        .col(timestamp_with_time_zone("created_at"))
        .take();
    let indexes = [
        unique("statement_lines", &["fingerprint"]),
        unique("statement_lines", &["payment_id"]),
        index("statement_lines", &["statement_id"], false),
    ];
    create_all(m, [statements, lines], indexes).await
});
