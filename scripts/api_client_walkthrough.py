"""Walks the quick-start guide's workflow as an integrator would: with a client generated from
tollgate's own OpenAPI description by openapi-python-client, reading every answer through the
generated models (attributes, never dict keys).

Run by scripts/api-client-walkthrough.sh, which starts a fresh server, creates the staff user
(admin@example.com / adminpass) and generates the `tollgate_client` package into CLIENT_DIR:

    python api_client_walkthrough.py BASE_URL CLIENT_DIR [SETUP_PASSED SETUP_FAILED]

(the last two: checks the shell script already made, counted in the summary line).

Every answer is also checked for fields the description does not name: a generated model
keeps those in `additional_properties`, which must stay empty (except on the few objects that
are free-form by design). Prints one PASS/FAIL line per check, ends with "N passed, M failed"
and exits 1 when anything failed.
"""

import datetime
import re
import sys
import traceback
import uuid

import attrs

BASE_URL, CLIENT_DIR = sys.argv[1], sys.argv[2]
SETUP = [int(n) for n in sys.argv[3:5]] or [0, 0]
sys.path.insert(0, CLIENT_DIR)

# The generated package is importable only once CLIENT_DIR is on the path (hence imports here).
try:
    from tollgate_client import AuthenticatedClient, Client
    from tollgate_client.api.auth import login, logout, me, refresh, register
    from tollgate_client.api.billing import confirm_payment, invoice_detail, list_invoices, list_payments
    from tollgate_client.api.catalog import credit_costs, industries, payment_methods, plans
    from tollgate_client.api.credits_ import balance, spend, transactions
    from tollgate_client.api.sites import create_site, list_sites, site_detail
    from tollgate_client.api.staff import approve, audit_log, list_payment_queue, reject
    from tollgate_client.models import (
        Account,
        AccountStatus,
        BillingCycle,
        ConfirmInput,
        ConfirmInputPaymentMethod,
        CreditTransactionType,
        EnvelopeConfirmData,
        EnvelopeCreditBalance,
        EnvelopeCreditSpend,
        EnvelopeCursorPageQueuedPayment,
        EnvelopeInvoiceDetail,
        EnvelopePageAuditEntry,
        EnvelopePageCreditCost,
        EnvelopePageIndustry,
        EnvelopePageInvoiceSummary,
        EnvelopePageLedgerEntry,
        EnvelopePagePayment,
        EnvelopePagePaymentMethod,
        EnvelopePagePlan,
        EnvelopePageSite,
        EnvelopeProfile,
        EnvelopeRegistration,
        EnvelopeRejectionData,
        EnvelopeReviewData,
        EnvelopeSignedOut,
        EnvelopeSignIn,
        EnvelopeSiteDetail,
        EnvelopeTokenPair,
        ErrorEnvelope,
        InvoiceStatus,
        LoginInput,
        LogoutInput,
        OperationType,
        PaymentMethodType,
        PaymentStatus,
        RefreshInput,
        ReviewInput,
        SignupInput,
        SignupInputPaymentMethod,
        SiteInput,
        SubscriptionStatus,
        UsageInput,
        UsageInputOperationType,
    )
except ImportError as missing:  # a description without the named reply types
    print(f"FAIL: the generated client has the typed models: {missing}")
    print(f"{SETUP[0]} passed, {SETUP[1] + 1} failed")
    sys.exit(1)

PASSWORD = "TestPass123!"
API = f"{BASE_URL}/api/v1"
# Objects whose keys are data, not fields: a method's details, an audit snapshot, the
# field → messages map of a validation error.
FREE_FORM = {"PaymentMethodDetails", "AuditEntryBeforeType0", "AuditEntryAfterType0", "ErrorEnvelopeErrors"}
counts = {"passed": SETUP[0], "failed": SETUP[1]}


class StopScenario(Exception):
    """A failed step that the rest of its scenario depends on."""


def check(name, ok, detail=""):
    counts["passed" if ok else "failed"] += 1
    print(f"{'PASS' if ok else 'FAIL'}: {name}")
    if not ok and detail:
        print(f"      {detail}")
    return ok


def undocumented(value, path="data"):
    """Fields the server sent that the description does not name (kept aside by the models)."""
    found = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += undocumented(item, f"{path}[{i}]")
    elif attrs.has(type(value)):
        # Closed objects (`additionalProperties: false`, a sign-out's `{}`) have no such field.
        extra = getattr(value, "additional_properties", {})
        if extra and type(value).__name__ not in FREE_FORM:
            found.append(f"{path} ({type(value).__name__}): {sorted(extra)}")
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                found += undocumented(getattr(value, field.name), f"{path}.{field.name}")
    return found


def answer(name, response, status, envelope):
    """The typed `data` of an expected answer; a wrong answer stops the scenario."""
    parsed = response.parsed
    ok = response.status_code == status and isinstance(parsed, envelope) and parsed.success
    extra = undocumented(parsed) if ok else []
    detail = "; ".join(extra) or f"{response.status_code} {type(parsed).__name__}: {response.content[:300]!r}"
    if not check(f"{name}: {status} {envelope.__name__}", ok and not extra, detail):
        raise StopScenario
    return parsed.data


def refused(name, response, status, error=None):
    """An expected refusal, read through the generated ErrorEnvelope."""
    parsed = response.parsed
    ok = response.status_code == status and isinstance(parsed, ErrorEnvelope) and not parsed.success
    ok = ok and (error is None or parsed.error == error) and not undocumented(parsed)
    check(f"{name}: {status} {error or ''}".rstrip(), ok, f"{response.status_code}: {response.content[:300]!r}")
    return parsed


def anonymous():
    return Client(base_url=API)


def signed_in(token):
    return AuthenticatedClient(base_url=API, token=token)


def new_key():
    return str(uuid.uuid4())


def signup(email, first, last, paid, key=None):
    body = SignupInput(email=email, password=PASSWORD, password_confirm=PASSWORD, first_name=first, last_name=last)
    if paid:
        body.plan_slug = "starter"
        body.billing_email = "billing@test.com"
        body.billing_country = "PK"
        body.billing_city = "Karachi"
        body.billing_address_line1 = "123 Main Street"
        body.payment_method = SignupInputPaymentMethod.BANK_TRANSFER
    extra = {"idempotency_key": key} if key else {}
    response = register.sync_detailed(client=anonymous(), body=body, **extra)
    return response, answer(f"register {email}", response, 201, EnvelopeRegistration)


def sign_in(email, password=PASSWORD):
    response = login.sync_detailed(client=anonymous(), body=LoginInput(email=email, password=password))
    return answer(f"login {email}", response, 200, EnvelopeSignIn)


def confirm(token, invoice_id, reference, amount="89.00"):
    body = ConfirmInput(
        invoice_id=invoice_id,
        payment_method=ConfirmInputPaymentMethod.BANK_TRANSFER,
        manual_reference=reference,
        amount=amount,
        manual_notes="Transferred via ABC Bank on Dec 8, 2025",
    )
    return confirm_payment.sync_detailed(client=signed_in(token), body=body, idempotency_key=new_key())


def staff_approves(state, payment_id, name):
    response = approve.sync_detailed(
        client=signed_in(state["staff"]),
        id=payment_id,
        body=ReviewInput(admin_notes="Verified payment in bank statement on Dec 8, 2025"),
        idempotency_key=new_key(),
    )
    return answer(name, response, 200, EnvelopeReviewData)


def payment_methods_are_public(state):
    for country, wanted in [
        ("PK", {"stripe", "paypal", "bank_transfer", "local_wallet"}),
        ("US", {"stripe", "paypal", "bank_transfer"}),
        (None, {"stripe", "paypal", "bank_transfer"}),
    ]:
        extra = {"country": country} if country else {}
        page = answer(f"payment methods {country or 'global'}",
                      payment_methods.sync_detailed(client=anonymous(), **extra), 200, EnvelopePagePaymentMethod)
        got = {m.payment_method.value for m in page.results}
        check(f"payment methods {country or 'global'}: {sorted(wanted)}", got == wanted and page.count == len(wanted))
        if country == "PK":
            wallet = next(m for m in page.results if m.payment_method == PaymentMethodType.LOCAL_WALLET)
            bank = next(m for m in page.results if m.payment_method == PaymentMethodType.BANK_TRANSFER)
            check("PK wallet is JazzCash / Easypaisa", (wallet.display_name, wallet.country_code, wallet.instructions)
                  == ("JazzCash / Easypaisa", "PK", "JazzCash: 03001234567"))
            check("bank transfer instructions",
                  bank.instructions == "Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA")
    plan_page = answer("plans", plans.sync_detailed(client=anonymous()), 200, EnvelopePagePlan)
    starter = next(p for p in plan_page.results if p.slug == "starter")
    check("starter plan: 89.00 USD monthly, 1000 credits, 1 site",
          (starter.price, starter.currency, starter.billing_cycle, starter.included_credits, starter.max_sites)
          == ("89.00", "USD", BillingCycle.MONTHLY, 1000, 1))
    costs = answer("credit costs", credit_costs.sync_detailed(client=anonymous()), 200, EnvelopePageCreditCost)
    words = next(c for c in costs.results if c.operation_type == OperationType.CONTENT_GENERATION)
    check("content generation: 1 credit per 100 words", (words.credits_per_unit, words.unit_size) == (1, 100))
    found = answer("industries", industries.sync_detailed(client=anonymous()), 200, EnvelopePageIndustry)
    check("industries listed", found.count == len(found.results) > 0)
    state["industry_id"] = found.results[0].id


def free_trial_signup(state):
    _, r = signup("freetrial@test.com", "Free", "Trial", paid=False)
    check("free trial: account status trial", r.account.status == AccountStatus.TRIAL)
    check("free trial: 1000 credits on the free plan", (r.account.credits_, r.account.plan.slug) == (1000, "free"))
    check("free trial: no subscription, no invoice", r.subscription is None and r.invoice is None)
    check("free trial: signed in", isinstance(r.token, str) and r.token == r.access and isinstance(r.refresh, str))
    state["trial"] = r.token


def paid_signup(state):
    key = new_key()
    _, r = signup("paiduser@test.com", "Paid", "User", paid=True, key=key)
    check("paid: account pending_payment with 0 credits",
          (r.account.status, r.account.credits_) == (AccountStatus.PENDING_PAYMENT, 0))
    check("paid: subscription pending_payment", r.subscription.status == SubscriptionStatus.PENDING_PAYMENT)
    check("paid: invoice pending for 89.00 USD",
          (r.invoice.status, r.invoice.total, r.invoice.currency) == (InvoiceStatus.PENDING, "89.00", "USD"))
    check("paid: billing details saved",
          (r.account.billing_email, r.account.billing_country, r.account.billing_city)
          == ("billing@test.com", "PK", "Karachi"))
    check("paid: the user belongs to the account", r.user.account_id == r.account.id and r.user.role == "owner")
    state.update(invoice_id=r.invoice.id, invoice_number=r.invoice.invoice_number, account_id=r.account.id)
    replay, again = signup("paiduser@test.com", "Paid", "User", paid=True, key=key)
    check("paid: a replayed sign-up says so and has no tokens",
          replay.headers.get("idempotent-replayed") == "true"
          and (again.token, again.access, again.refresh) == (None, None, None)
          and again.account.id == r.account.id)


def customer_reads_the_invoice(state):
    signin = sign_in("paiduser@test.com")
    check("login: data.token is the access token", signin.token == signin.access)
    check("login: user.account is the register's Account",
          isinstance(signin.user.account, Account) and signin.user.account.status == AccountStatus.PENDING_PAYMENT)
    state.update(paid=signin.token, paid_refresh=signin.refresh)
    client = signed_in(signin.token)
    profile = answer("me", me.sync_detailed(client=client), 200, EnvelopeProfile)
    check("me: billing email and pending subscription",
          profile.user.account.billing_email == "billing@test.com"
          and profile.subscription.status == SubscriptionStatus.PENDING_PAYMENT
          and profile.subscription.plan.slug == "starter")
    page = answer("invoices", list_invoices.sync_detailed(client=client), 200, EnvelopePageInvoiceSummary)
    first = page.results[0]
    check("invoices: one, pending, numbered INV-{account}-{YYYYMM}-0001",
          page.count == 1 and first.status == InvoiceStatus.PENDING
          and re.fullmatch(rf"INV-{state['account_id']}-\d{{6}}-0001", first.invoice_number) is not None)
    check("invoices: dates are dates", isinstance(first.due_date, datetime.date)
          and isinstance(first.created_at, datetime.datetime) and first.paid_at is None)
    detail = invoice_detail.sync_detailed(client=client, id=first.id)
    detail = answer("invoice detail", detail, 200, EnvelopeInvoiceDetail)
    check("invoice: the billing snapshot", detail.metadata.billing_snapshot.billing_city == "Karachi"
          and detail.metadata.billing_snapshot.billing_email == "billing@test.com")
    check("invoice: one line of 89.00",
          [i.amount for i in detail.line_items] == ["89.00"] and detail.subtotal == "89.00")
    check("invoice: pay by bank transfer", detail.payment_instructions.payment_method == PaymentMethodType.BANK_TRANSFER
          and "ABC Bank" in detail.payment_instructions.instructions)


def customer_confirms(state):
    token, invoice_id = state["paid"], state["invoice_id"]
    refused("confirm: wrong amount", confirm(token, invoice_id, "BT-X", amount="90.00"), 400, "Amount mismatch")
    refused("confirm: unknown invoice", confirm(token, 999_999, "BT-X"), 404, "Invoice not found")
    c = answer("confirm", confirm(token, invoice_id, "BT-20251208-12345"), 201, EnvelopeConfirmData)
    check("confirm: the guide's expected response",
          (c.invoice_id, c.invoice_number, c.status, c.amount, c.currency, c.manual_reference)
          == (invoice_id, state["invoice_number"], PaymentStatus.PENDING_APPROVAL, "89.00", "USD", "BT-20251208-12345"))
    state["payment_id"] = c.payment_id
    mine = answer("my payments", list_payments.sync_detailed(client=signed_in(token)), 200, EnvelopePagePayment)
    check("my payments: pending approval, reviewer not shown",
          mine.results[0].status == PaymentStatus.PENDING_APPROVAL and mine.results[0].approved_by is None)


def staff_approves_payment(state):
    staff = sign_in("admin@example.com", "adminpass")
    check("staff: no account, no role", staff.user.is_staff and staff.user.account is None and staff.user.role is None)
    state["staff"] = staff.token
    queue = answer("queue pending_approval", list_payment_queue.sync_detailed(
        client=signed_in(staff.token), status=PaymentStatus.PENDING_APPROVAL), 200, EnvelopeCursorPageQueuedPayment)
    row = next((p for p in queue.results if p.id == state["payment_id"]), None)
    check("queue: the payment with its invoice and account", row is not None and row.account_name == "Paid User"
          and row.invoice_number == state["invoice_number"] and row.manual_reference == "BT-20251208-12345")
    cursor = answer("queue by cursor", list_payment_queue.sync_detailed(
        client=signed_in(staff.token), cursor="", page_size=1), 200, EnvelopeCursorPageQueuedPayment)
    check("queue by cursor: no count, no previous", cursor.count is None and cursor.previous is None)
    r = staff_approves(state, state["payment_id"], "approve")
    check("approve: the guide's expected response",
          (r.payment_id, r.account_id, r.account_status, r.subscription_status, r.credits_added, r.total_credits,
           r.approved_by) == (state["payment_id"], state["account_id"], AccountStatus.ACTIVE,
                              SubscriptionStatus.ACTIVE, 1000, 1000, "admin@example.com"))
    check("approve: approved_at is a time", isinstance(r.approved_at, datetime.datetime))
    again = approve.sync_detailed(client=signed_in(staff.token), id=state["payment_id"], body=ReviewInput())
    refused("approve twice", again, 409, "Payment not pending approval")
    client = signed_in(state["paid"])
    profile = answer("me after approval", me.sync_detailed(client=client), 200, EnvelopeProfile)
    check("account active with 1000 credits",
          (profile.user.account.status, profile.user.account.credits_) == (AccountStatus.ACTIVE, 1000))
    b = answer("balance", balance.sync_detailed(client=client), 200, EnvelopeCreditBalance)
    check("balance: 1000, active", (b.credits_, b.account_status) == (1000, AccountStatus.ACTIVE))
    paid = list_invoices.sync_detailed(client=client)
    paid = answer("invoices after approval", paid, 200, EnvelopePageInvoiceSummary)
    check("invoice paid", paid.results[0].status == InvoiceStatus.PAID
          and isinstance(paid.results[0].paid_at, datetime.datetime))


def rejected_then_confirmed_again(state):
    _, r = signup("second@test.com", "Second", "Customer", paid=True)
    token = sign_in("second@test.com").token
    first = answer("second: confirm", confirm(token, r.invoice.id, "BT-WRONG-1"), 201, EnvelopeConfirmData)
    rejected = reject.sync_detailed(
        client=signed_in(state["staff"]), id=first.payment_id, idempotency_key=new_key(),
        body=ReviewInput(admin_notes="Not in the statement", failure_reason="Reference not found"))
    j = answer("reject", rejected, 200, EnvelopeRejectionData)
    check("reject: payment failed with its reason, account still pending",
          (j.payment_status, j.failure_reason, j.account_status, j.credits_added)
          == (PaymentStatus.FAILED, "Reference not found", AccountStatus.PENDING_PAYMENT, 0))
    mine = answer("second: payments", list_payments.sync_detailed(client=signed_in(token)), 200, EnvelopePagePayment)
    check("second: sees the failure reason", mine.results[0].status == PaymentStatus.FAILED
          and mine.results[0].failure_reason == "Reference not found")
    second = answer("second: confirm again", confirm(token, r.invoice.id, "BT-RIGHT-2"), 201, EnvelopeConfirmData)
    check("second: pending approval again", second.status == PaymentStatus.PENDING_APPROVAL)
    a = staff_approves(state, second.payment_id, "approve the second confirmation")
    check("second: active with 1000 credits", (a.account_status, a.total_credits) == (AccountStatus.ACTIVE, 1000))


def trial_creates_a_site(state):
    client = signed_in(state["trial"])
    # The guide's "industry required": the generated model will not even build a site without one…
    try:
        SiteInput(name="Blog")
        check("a site needs an industry (required in the model)", False)
    except TypeError:
        check("a site needs an industry (required in the model)", True)
    # … and the server names the field when the industry does not exist.
    unknown = create_site.sync_detailed(client=client, body=SiteInput(name="Blog", industry_id=999_999))
    unknown = refused("site with an unknown industry", unknown, 400)
    check("unknown industry: the field is named",
          isinstance(unknown, ErrorEnvelope) and "industry_id" in unknown.errors)
    created = create_site.sync_detailed(
        client=client, body=SiteInput(name="My blog", domain="example.com", industry_id=state["industry_id"]))
    site = answer("create site", created, 201, EnvelopeSiteDetail)
    check("site: industry and the creator's access",
          site.industry_id == state["industry_id"] and site.is_active
          and [(a.email, a.role) for a in site.user_access] == [("freetrial@test.com", "owner")])
    over = create_site.sync_detailed(client=client, body=SiteInput(name="Second", industry_id=state["industry_id"]))
    refused("a second site on the free plan", over, 403)
    listed = answer("sites", list_sites.sync_detailed(client=client), 200, EnvelopePageSite)
    check("sites: one", [s.id for s in listed.results] == [site.id])
    one = answer("site detail", site_detail.sync_detailed(client=client, id=site.id), 200, EnvelopeSiteDetail)
    check("site detail: same site", (one.id, one.name, one.domain) == (site.id, "My blog", "example.com"))


def credits_are_spent(state):
    client = signed_in(state["trial"])
    key = new_key()
    body = UsageInput(operation_type=UsageInputOperationType.CONTENT_GENERATION, quantity=150)
    first = spend.sync_detailed(client=client, body=body, idempotency_key=key)
    s = answer("spend 150 words", first, 201, EnvelopeCreditSpend)
    check("spend: 2 credits, 998 left", (s.operation_type, s.credits_used, s.balance_after)
          == (OperationType.CONTENT_GENERATION, 2, 998))
    replay = spend.sync_detailed(client=client, body=body, idempotency_key=key)
    again = answer("spend replayed", replay, 201, EnvelopeCreditSpend)
    check("spend replayed: same usage, once", again.usage_id == s.usage_id
          and replay.headers.get("idempotent-replayed") == "true")
    ledger = answer("ledger", transactions.sync_detailed(client=client), 200, EnvelopePageLedgerEntry)
    check("ledger: trial grant then deduction",
          [(t.transaction_type, t.amount, t.balance_after) for t in ledger.results]
          == [(CreditTransactionType.DEDUCTION, -2, 998), (CreditTransactionType.TRIAL, 1000, 1000)])
    paid = spend.sync_detailed(client=signed_in(state["paid"]), idempotency_key=new_key(),
                               body=UsageInput(operation_type=UsageInputOperationType.IDEA_GENERATION))
    idea = answer("spend an idea", paid, 201, EnvelopeCreditSpend)
    check("paid customer spends 15 on an idea", (idea.credits_used, idea.balance_after) == (15, 985))


def tokens_and_audit(state):
    renewed = refresh.sync_detailed(client=anonymous(), body=RefreshInput(refresh=state["paid_refresh"]))
    pair = answer("refresh", renewed, 200, EnvelopeTokenPair)
    check("refresh: a new pair", pair.token == pair.access and pair.refresh != state["paid_refresh"])
    client = signed_in(pair.token)
    answer("logout one session", logout.sync_detailed(client=client, body=LogoutInput(refresh=pair.refresh)),
           200, EnvelopeSignedOut)
    answer("logout everywhere (no body)", logout.sync_detailed(client=client), 200, EnvelopeSignedOut)
    revoked = refresh.sync_detailed(client=anonymous(), body=RefreshInput(refresh=pair.refresh))
    refused("a revoked refresh token", revoked, 401)
    entries = answer("audit log", audit_log.sync_detailed(client=signed_in(state["staff"]), object_type="payment"),
                     200, EnvelopePageAuditEntry)
    actions = {e.action for e in entries.results}
    check("audit: confirmations and reviews", {"payment.confirm", "payment.approve", "payment.reject"} <= actions)


SCENARIOS = [
    payment_methods_are_public,
    free_trial_signup,
    paid_signup,
    customer_reads_the_invoice,
    customer_confirms,
    staff_approves_payment,
    rejected_then_confirmed_again,
    trial_creates_a_site,
    credits_are_spent,
    tokens_and_audit,
]


def main():
    state = {}
    for scenario in SCENARIOS:
        print(f"==> {scenario.__name__.replace('_', ' ')}")
        try:
            scenario(state)
        except StopScenario:
            pass
        except Exception:  # a model without the field read, a missing key…: a failure, not a crash
            check(f"{scenario.__name__}: ran to the end", False, traceback.format_exc().replace("\n", "\n      "))
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
