//! The pieces documents share: the seller from the settings, the buyer from an invoice's
//! billing snapshot, how to pay, how a refund's money goes back.

use serde_json::Value;

use crate::config;
use crate::documents::{Party, Section};
use crate::domain::catalog;
use crate::domain::invoices::parse_json;
use crate::domain::status::{PaymentMethod, PayoutStatus};
use crate::entities::{credit_note, invoice, payment, payment_method_config as pmc};

/// The seller block of every document: `TOLLGATE_SELLER_*`, named after the product when no
/// name is set. Built once at start.
pub fn seller(settings: &config::Seller, product_name: &str) -> Party {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let name = given(&settings.seller_name)
        .or_else(|| given(&Some(product_name.to_owned())))
        .unwrap_or_else(|| "tollgate".into());
    let mut lines: Vec<String> = settings
        .seller_address
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    lines.extend(given(&settings.seller_tax_id).map(|t| format!("Tax ID {t}")));
    lines.extend(given(&settings.seller_email));
    Party { name, lines }
}

/// Who the invoice was issued to: its billing snapshot (the account's details as they were
/// then; later edits never change a document).
pub fn buyer(invoice: &invoice::Model) -> Party {
    let metadata = parse_json(&invoice.metadata);
    let snapshot = &metadata["billing_snapshot"];
    let field = |key: &str| match &snapshot[key] {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    };
    // "75001 Paris, Île-de-France": postal code and city, then the state.
    let place = [field("billing_postal_code"), field("billing_city")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let place = match (place.is_empty(), field("billing_state")) {
        (false, Some(state)) => Some(format!("{place}, {state}")),
        (true, state) => state,
        (false, None) => Some(place),
    };
    let lines = [
        field("billing_address_line1"),
        field("billing_address_line2"),
        place,
        field("billing_country"),
        field("tax_id").map(|t| format!("Tax ID {t}")),
        field("billing_email"),
    ];
    Party::new(
        field("name").unwrap_or_default(),
        lines.into_iter().flatten(),
    )
}

/// "Service period 2026-12-04 to 2027-01-04", for renewals and plan changes.
pub fn period(invoice: &invoice::Model) -> Option<String> {
    let (start, end) = (invoice.period_start?, invoice.period_end?);
    Some(format!(
        "Service period {} to {}",
        start.date_naive(),
        end.date_naive()
    ))
}

/// How to pay an open invoice: the method's instructions and payee details, and for a
/// transfer (or when no method is known) the invoice number to quote.
pub fn instructions(invoice: &invoice::Model, method: Option<&pmc::Model>) -> Section {
    let mut lines = Vec::new();
    let quote_number = method.is_none_or(|m| m.payment_method.is_manual());
    if let Some(m) = method {
        match m.instructions.trim() {
            "" => lines.push(format!(
                "Pay by {} on the invoice's page in your account.",
                m.display_name
            )),
            text => lines.push(format!("{}: {text}", m.display_name)),
        }
        lines.extend(
            catalog::payee_details(m)
                .into_iter()
                .map(|(label, value)| format!("{label}: {value}")),
        );
    }
    if quote_number {
        lines.push(format!(
            "Put the invoice number {} in the transfer reference.",
            invoice.invoice_number
        ));
    }
    Section::new("Payment instructions", lines)
}

/// A method as a reader says it.
pub fn method_label(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Stripe => "Card",
        PaymentMethod::Paypal => "PayPal",
        PaymentMethod::BankTransfer => "Bank transfer",
        PaymentMethod::LocalWallet => "Mobile wallet",
        PaymentMethod::Manual => "Manual payment",
    }
}

/// The reference a payment is known by: the customer's transfer reference, or the
/// provider's id of the charge (else of the attempt).
pub fn payment_reference(payment: &payment::Model) -> Option<String> {
    [
        &payment.manual_reference,
        &payment.provider_capture,
        &payment.provider_ref,
    ]
    .into_iter()
    .flatten()
    .map(|r| r.trim())
    .find(|r| !r.is_empty())
    .map(str::to_owned)
}

/// How the refunded money goes back: paid out by staff for a manual method, to the card or
/// the PayPal account for a provider's (where the provider answered, with its reference).
/// The credit note and the refund mail say it in these same words.
pub fn payout_text(note: &credit_note::Model) -> String {
    let to = match note.payout {
        PaymentMethod::Stripe => "the card the invoice was paid with",
        PaymentMethod::Paypal => "the PayPal account the invoice was paid with",
        _ => "",
    };
    match note.payout_status {
        PayoutStatus::ByStaff => format!(
            "Our staff pay the amount back to you the way the invoice was paid ({}).",
            method_label(note.payout).to_lowercase()
        ),
        PayoutStatus::Pending | PayoutStatus::NotConfigured => {
            format!("The amount is refunded to {to}.")
        }
        PayoutStatus::Refunded => match &note.provider_ref {
            Some(r) => format!("The amount was refunded to {to} (refund {r})."),
            None => format!("The amount was refunded to {to}."),
        },
        PayoutStatus::Failed => format!(
            "The refund to {to} did not go through; our staff pay the amount back to you another way."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seller_is_named_after_the_product_unless_set() {
        let mut settings = config::Seller::default();
        assert_eq!(
            seller(&settings, "Acme"),
            Party::new("Acme", Vec::<String>::new())
        );
        assert_eq!(seller(&settings, " ").name, "tollgate");
        settings.seller_name = Some("Acme Billing LLC".into());
        settings.seller_address = vec!["1 Main St".into(), " ".into(), "Springfield".into()];
        settings.seller_tax_id = Some("US-1".into());
        settings.seller_email = Some("billing@acme.test".into());
        assert_eq!(
            seller(&settings, "Acme"),
            Party::new(
                "Acme Billing LLC",
                [
                    "1 Main St",
                    "Springfield",
                    "Tax ID US-1",
                    "billing@acme.test"
                ]
            )
        );
    }

    fn issued_to(snapshot: Value) -> invoice::Model {
        let now = chrono::Utc::now();
        invoice::Model {
            id: 1,
            invoice_number: "INV-1-202612-0001".into(),
            account_id: 1,
            subscription_id: None,
            status: crate::domain::status::InvoiceStatus::Pending,
            currency: "USD".into(),
            subtotal: 0,
            tax: 0,
            total: 0,
            line_items: "[]".into(),
            due_date: now.date_naive(),
            paid_at: None,
            metadata: serde_json::json!({ "billing_snapshot": snapshot }).to_string(),
            created_at: now,
            updated_at: now,
            purpose: crate::domain::status::InvoicePurpose::Subscription,
            plan_id: None,
            period_start: None,
            period_end: None,
            package_id: None,
            credits: None,
        }
    }

    #[test]
    fn the_buyer_is_the_snapshot_line_by_line() {
        let full = issued_to(serde_json::json!({
            "name": "Zoë Ünal", "billing_email": "zoe@example.com",
            "billing_address_line1": "ul. Piotrkowska 104/7", "billing_address_line2": null,
            "billing_city": "Łódź", "billing_state": "Łódzkie", "billing_postal_code": "90-001",
            "billing_country": "PL", "tax_id": "PL1234567890",
        }));
        assert_eq!(
            buyer(&full),
            Party::new(
                "Zoë Ünal",
                [
                    "ul. Piotrkowska 104/7",
                    "90-001 Łódź, Łódzkie",
                    "PL",
                    "Tax ID PL1234567890",
                    "zoe@example.com",
                ]
            )
        );
        // A snapshot from `seed-demo` is shorter; nothing missing is printed.
        let short = issued_to(serde_json::json!({"name": "Demo", "billing_state": "Sindh"}));
        assert_eq!(buyer(&short), Party::new("Demo", ["Sindh"]));
    }
}
