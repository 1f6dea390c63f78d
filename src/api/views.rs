//! How each record looks in the API. Money as decimal strings, times as RFC 3339 (UTC, "Z").

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::domain::invoices::parse_json;
use crate::domain::money::format_minor;
use crate::domain::sites::SiteWithAccess;
use crate::entities::{
    account, credit_transaction, industry, invoice, payment, payment_method_config, plan, site,
    subscription, user,
};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn opt_time(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(time(t)))
}

pub fn user(u: &user::Model) -> Value {
    json!({
        "id": u.id,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "role": if u.role.is_empty() { Value::Null } else { Value::String(u.role.clone()) },
        "is_staff": u.is_staff,
        "account_id": u.account_id,
    })
}

pub fn plan(p: &plan::Model) -> Value {
    json!({
        "id": p.id,
        "slug": p.slug,
        "name": p.name,
        "price": format_minor(p.price, &p.currency),
        "currency": p.currency,
        "billing_cycle": p.billing_cycle,
        "included_credits": p.included_credits,
        "max_sites": p.max_sites,
        "max_users": p.max_users,
    })
}

pub fn account(a: &account::Model, p: &plan::Model) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "slug": a.slug,
        "status": a.status,
        "credits": a.credits,
        "plan": plan(p),
        "billing_email": a.billing_email,
        "billing_address_line1": a.billing_address_line1,
        "billing_address_line2": a.billing_address_line2,
        "billing_city": a.billing_city,
        "billing_state": a.billing_state,
        "billing_postal_code": a.billing_postal_code,
        "billing_country": a.billing_country,
        "tax_id": a.tax_id,
    })
}

pub fn subscription(s: &subscription::Model, p: &plan::Model) -> Value {
    json!({
        "id": s.id,
        "status": s.status,
        "plan": plan(p),
        "current_period_start": opt_time(s.current_period_start),
        "current_period_end": opt_time(s.current_period_end),
        "external_payment_id": s.external_payment_id,
    })
}

pub fn invoice_summary(i: &invoice::Model) -> Value {
    json!({
        "id": i.id,
        "invoice_number": i.invoice_number,
        "status": i.status,
        "total": format_minor(i.total, &i.currency),
        "currency": i.currency,
        "due_date": i.due_date.to_string(),
        "paid_at": opt_time(i.paid_at),
        "created_at": time(i.created_at),
    })
}

pub fn invoice_detail(i: &invoice::Model) -> Value {
    let mut v = invoice_summary(i);
    v["subtotal"] = json!(format_minor(i.subtotal, &i.currency));
    v["tax"] = json!(format_minor(i.tax, &i.currency));
    v["line_items"] = parse_json(&i.line_items);
    v["metadata"] = parse_json(&i.metadata);
    v
}

pub fn payment(p: &payment::Model, approved_by: Option<&str>) -> Value {
    json!({
        "id": p.id,
        "invoice_id": p.invoice_id,
        "account_id": p.account_id,
        "amount": format_minor(p.amount, &p.currency),
        "currency": p.currency,
        "payment_method": p.payment_method,
        "status": p.status,
        "manual_reference": p.manual_reference,
        "manual_notes": p.manual_notes,
        "admin_notes": p.admin_notes,
        "failure_reason": p.failure_reason,
        "approved_by": approved_by,
        "approved_at": opt_time(p.approved_at),
        "created_at": time(p.created_at),
    })
}

pub fn payment_method(m: &payment_method_config::Model) -> Value {
    json!({
        "id": m.id,
        "country_code": m.country_code,
        "payment_method": m.payment_method,
        "display_name": m.display_name,
        "instructions": m.instructions,
        "details": parse_json(&m.details),
        "is_enabled": m.is_enabled,
        "sort_order": m.sort_order,
    })
}

pub fn ledger_row(t: &credit_transaction::Model) -> Value {
    json!({
        "id": t.id,
        "transaction_type": t.transaction_type,
        "amount": t.amount,
        "balance_after": t.balance_after,
        "description": t.description,
        "reference": t.reference,
        "created_at": time(t.created_at),
    })
}

pub fn industry(i: &industry::Model) -> Value {
    json!({ "id": i.id, "slug": i.slug, "name": i.name })
}

pub fn site(s: &site::Model) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "domain": s.domain,
        "industry_id": s.industry_id,
        "is_active": s.is_active,
        "created_at": time(s.created_at),
    })
}

pub fn site_with_access(s: &SiteWithAccess) -> Value {
    let mut v = site(&s.site);
    v["user_access"] = s
        .access
        .iter()
        .map(|(a, email)| json!({ "user_id": a.user_id, "email": email, "role": a.role }))
        .collect();
    v
}
