#!/usr/bin/env bash
# Walk through the Payment Workflow Quick Start Guide (sections 1-5) against a fresh tollgate.
#
#   scripts/guide-walkthrough.sh [sqlite|postgres]
#
# Environment:
#   TOLLGATE_BIN    server binary (default: target/release/tollgate if present, else
#                   target/debug/tollgate; `cargo build` runs when neither exists)
#   TOLLGATE_GUIDE  path to payment-workflow-quick-start.txt. Optional. When the file is found,
#                   the script also checks that the commands and expected responses it holds
#                   are still word-for-word copies of the guide.
#
# The guide's curl commands are its public contract. They are copied below VERBATIM, including
# their `| jq` pipes and `TOKEN=$(...)` lines, between `# >>> verbatim` / `# <<< verbatim`
# markers (expected responses: in `<<'GUIDE'` heredocs). Do not edit them. Only the `{ ... }`
# wrapper around each block is ours; it sends the block's stdout to a file and curl's progress
# meter (stderr) to a log.
#
# The server runs on 127.0.0.1:8011 (the guide's port) with a fresh database: an SQLite file in a
# temporary directory, or a new PostgreSQL database tollgate_guide_<random> on
# 127.0.0.1:5432 (user postgres) that is dropped at exit. The server is always stopped at exit.
#
# Prints one PASS/FAIL line per check and ends with "N passed, M failed".
# Exit status: 0 when every check passed, 1 otherwise, 2 for bad usage.

set -uo pipefail

MODE=${1:-sqlite}
case $MODE in
    sqlite | postgres) ;;
    -h | --help)
        sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "usage: $0 [sqlite|postgres]" >&2
        exit 2
        ;;
esac

PORT=8011
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres

SCRIPT_PATH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd)

PASSED=0
FAILED=0
SERVER_PID=
PG_DB=
WORK=

pass() {
    PASSED=$((PASSED + 1))
    printf 'PASS: %s\n' "$1"
}

# fail NAME [DETAIL...]
fail() {
    FAILED=$((FAILED + 1))
    printf 'FAIL: %s\n' "$1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/      /'
    done
}

summary() {
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
}

# A problem that stops the walkthrough (no server, no database...): one failed check, then exit.
die() {
    fail "setup: $1" "${@:2}"
    summary
    exit 1
}

cleanup() {
    local status=$?
    trap '' INT TERM # finish cleaning up even when interrupted again
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null
        local i
        for i in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            kill -9 "$SERVER_PID" 2>/dev/null
        fi
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [[ -n $PG_DB ]]; then
        local force=
        local version
        version=$(psql_admin -tAc 'SHOW server_version_num' 2>/dev/null)
        if [[ $version =~ ^[0-9]+$ ]] && ((version >= 130000)); then
            force=' WITH (FORCE)'
        fi
        if ! psql_admin -qc "DROP DATABASE IF EXISTS \"$PG_DB\"$force" >/dev/null 2>&1; then
            echo "warning: could not drop database $PG_DB" >&2
        fi
    fi
    if [[ -n $WORK && -d $WORK ]]; then
        if ((status == 0)); then
            rm -rf "$WORK"
        else
            echo "(server log, responses and curl stderr kept in $WORK)" >&2
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql_admin() {
    psql -X -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@" </dev/null
}

# Is something accepting connections on HOST:PORT?
listening() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# show FILE: a response, for failure details (at most 60 lines).
show() {
    if [[ -s $1 ]]; then
        head -n 60 "$1"
    else
        echo "(empty output; curl stderr tail:)"
        tail -n 5 "$CURL_LOG" 2>/dev/null
    fi
}

# jcheck NAME FILE FILTER [JQ ARGS...]: PASS when FILTER is true for the JSON in FILE.
jcheck() {
    local name=$1 file=$2 filter=$3
    shift 3
    if jq -e "$@" "$filter" "$file" >/dev/null 2>&1; then
        pass "$name"
    else
        fail "$name" "jq test: $filter" "response:" "$(show "$file")"
    fi
}

# same_json NAME EXPECTED_FILE ACTUAL_FILE IGNORE_FILTER: compare after applying IGNORE_FILTER
# (which removes the fields that legitimately differ) to both.
same_json() {
    local name=$1 expected=$2 actual=$3 ignore=$4
    local e a
    e=$(jq -S "$ignore" "$expected" 2>&1) || {
        fail "$name" "expected response is not JSON: $e"
        return
    }
    a=$(jq -S "$ignore" "$actual" 2>/dev/null)
    if [[ -n $a && $e == "$a" ]]; then
        pass "$name"
    else
        fail "$name" "ignoring: $ignore" "diff (expected vs actual):" \
            "$(diff <(printf '%s\n' "$e") <(printf '%s\n' "$a"))" "response:" "$(show "$actual")"
    fi
}

# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------

for tool in curl jq; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (the guide's commands need curl and jq)"
done

if [[ -n ${TOLLGATE_BIN:-} ]]; then
    BIN=$TOLLGATE_BIN
else
    TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
    if [[ -x $TARGET_DIR/release/tollgate ]]; then
        BIN=$TARGET_DIR/release/tollgate
    elif [[ -x $TARGET_DIR/debug/tollgate ]]; then
        BIN=$TARGET_DIR/debug/tollgate
    else
        echo "==> no tollgate binary found; running cargo build" >&2
        (cd "$REPO" && cargo build) || die "cargo build failed"
        BIN=$TARGET_DIR/debug/tollgate
    fi
fi
[[ $BIN == /* ]] || BIN=$PWD/$BIN
[[ -x $BIN ]] || die "server binary $BIN does not exist or is not executable"

# The guide talks to localhost:8011, so that port must be ours alone.
for host in 127.0.0.1 ::1; do
    if listening "$host" "$PORT"; then
        die "port $PORT is already in use (something is listening on $host:$PORT); stop it and re-run" \
            "$(command -v ss >/dev/null && ss -ltnp 2>/dev/null | grep -E "[:.]$PORT\b")"
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-guide.XXXXXX") || die "cannot create a temporary directory"
OUT=$WORK/out
mkdir -p "$OUT"
CURL_LOG=$WORK/curl-stderr.log
SERVER_LOG=$WORK/server.log
: >"$CURL_LOG"

case $MODE in
    sqlite)
        export TOLLGATE_DATABASE_URL="sqlite://$WORK/tollgate.db"
        ;;
    postgres)
        command -v psql >/dev/null 2>&1 || die "psql is not installed (needed to create the database)"
        psql_admin -tAc 'SELECT 1' >/dev/null 2>&1 ||
            die "PostgreSQL is not reachable at $PG_HOST:$PG_PORT as user $PG_USER"
        suffix=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
        db="tollgate_guide_$suffix"
        err=$(psql_admin -qc "CREATE DATABASE \"$db\"" 2>&1) || die "cannot create database $db" "$err"
        PG_DB=$db
        export TOLLGATE_DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
        ;;
esac
export TOLLGATE_BIND="127.0.0.1:$PORT"

echo "==> guide walkthrough: backend=$MODE binary=$BIN"
echo "==> database: $TOLLGATE_DATABASE_URL"

(cd "$WORK" && NO_COLOR=1 exec "$BIN" </dev/null >"$SERVER_LOG" 2>&1) &
SERVER_PID=$!

ready=
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/api/v1/billing/admin/payment-methods/"; then
        ready=1
        break
    fi
    sleep 0.2
done
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    SERVER_PID=
    die "the server exited during start-up (port $PORT taken?); server log:" "$(tail -n 20 "$SERVER_LOG")"
fi
[[ -n $ready ]] || die "the server did not answer on port $PORT within 60 s; server log:" "$(tail -n 20 "$SERVER_LOG")"
echo "==> server is up (pid $SERVER_PID)"

out=$(cd "$WORK" && "$BIN" createsuperuser --email admin@example.com --password adminpass \
    </dev/null 2>"$WORK/createsuperuser.stderr") ||
    die "createsuperuser failed" "$out" "$(tail -n 20 "$WORK/createsuperuser.stderr")"
echo "==> createsuperuser: $out"

# ---------------------------------------------------------------------------------------------
# The guide's commands, verbatim
# ---------------------------------------------------------------------------------------------

# 1. Test Payment Methods API
{
# >>> verbatim
# Get payment methods for Pakistan
curl "http://localhost:8011/api/v1/billing/admin/payment-methods/?country=PK" | jq
# <<< verbatim
} >"$OUT/1-payment-methods-pk.json" 2>>"$CURL_LOG"
{
# >>> verbatim
# Get payment methods for USA
curl "http://localhost:8011/api/v1/billing/admin/payment-methods/?country=US" | jq
# <<< verbatim
} >"$OUT/1-payment-methods-us.json" 2>>"$CURL_LOG"
{
# >>> verbatim
# Get all global payment methods
curl "http://localhost:8011/api/v1/billing/admin/payment-methods/" | jq
# <<< verbatim
} >"$OUT/1-payment-methods-global.json" 2>>"$CURL_LOG"

# 2. Register Free Trial User
{
# >>> verbatim
curl -X POST http://localhost:8011/api/v1/auth/register/ \
-H "Content-Type: application/json" \
-d '{
"email": "freetrial@test.com",
"password": "TestPass123!",
"password_confirm": "TestPass123!",
"first_name": "Free",
"last_name": "Trial"
}' | jq
# <<< verbatim
} >"$OUT/2-register-free.json" 2>>"$CURL_LOG"

# 3. Register Paid User with Billing Info
{
# >>> verbatim
curl -X POST http://localhost:8011/api/v1/auth/register/ \
-H "Content-Type: application/json" \
-d '{
"email": "paiduser@test.com",
"password": "TestPass123!",
"password_confirm": "TestPass123!",
"first_name": "Paid",
"last_name": "User",
"plan_slug": "starter",
"billing_email": "billing@test.com",
"billing_country": "PK",
"billing_city": "Karachi",
"billing_address_line1": "123 Main Street",
"payment_method": "bank_transfer"
}' | jq
# <<< verbatim
} >"$OUT/3-register-paid.json" 2>>"$CURL_LOG"

# Step 4: User Confirms Payment
TOKEN=
{
# >>> verbatim
# Get auth token first
TOKEN=$(curl -X POST http://localhost:8011/api/v1/auth/login/ \
-H "Content-Type: application/json" \
-d '{"email": "paiduser@test.com", "password": "TestPass123!"}' | jq -r '.data.token')
# Submit payment confirmation
curl -X POST http://localhost:8011/api/v1/billing/admin/payments/confirm/ \
-H "Authorization: Bearer $TOKEN" \
-H "Content-Type: application/json" \
-d '{
"invoice_id": 1,
"payment_method": "bank_transfer",
"manual_reference": "BT-20251208-12345",
"manual_notes": "Transferred via ABC Bank on Dec 8, 2025",
"amount": "89.00"
}' | jq
# <<< verbatim
} >"$OUT/4-confirm.json" 2>>"$CURL_LOG"

# Step 5: Admin Approves Payment, Option B: Via API
ADMIN_TOKEN=
{
# >>> verbatim
# Get admin token
ADMIN_TOKEN=$(curl -X POST http://localhost:8011/api/v1/auth/login/ \
-H "Content-Type: application/json" \
-d '{"email": "admin@example.com", "password": "adminpass"}' | jq -r '.data.token')
# Approve payment
curl -X POST http://localhost:8011/api/v1/billing/admin/payments/1/approve/ \
-H "Authorization: Bearer $ADMIN_TOKEN" \
-H "Content-Type: application/json" \
-d '{
"admin_notes": "Verified payment in bank statement on Dec 8, 2025"
}' | jq
# <<< verbatim
} >"$OUT/5-approve.json" 2>>"$CURL_LOG"

# The guide's "Expected Response" blocks, verbatim.
cat >"$OUT/4-confirm.expected.json" <<'GUIDE'
{
"success": true,
"message": "Payment confirmation submitted for review. You will be notified once approved.",
"data": {
"payment_id": 1,
"invoice_id": 1,
"invoice_number": "INV-2-202512-0001",
"status": "pending_approval",
"amount": "89.00",
"currency": "USD",
"manual_reference": "BT-20251208-12345"
}
}
GUIDE
cat >"$OUT/5-approve.expected.json" <<'GUIDE'
{
"success": true,
"message": "Payment approved successfully. Account activated.",
"data": {
"payment_id": 1,
"invoice_id": 1,
"invoice_number": "INV-2-202512-0001",
"account_id": 2,
"account_status": "active",
"subscription_status": "active",
"credits_added": 1000,
"total_credits": 1000,
"approved_by": "admin@example.com",
"approved_at": "2025-12-08T15:30:00Z"
}
}
GUIDE

# The guide's verification query, as tollgate offers it.
ACCOUNT_SHOW=$OUT/account-show-2.txt
(cd "$WORK" && "$BIN" account show 2 </dev/null >"$ACCOUNT_SHOW" 2>"$OUT/account-show-2.stderr")
ACCOUNT_SHOW_STATUS=$?

# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

echo "==> checks"

# Are the blocks above still the guide's own words? (Only when the guide is at hand.)
GUIDE_FILE=${TOLLGATE_GUIDE:-}
if [[ -z $GUIDE_FILE ]]; then
    for candidate in "$REPO/spec/payment-workflow-quick-start.txt" \
        "$REPO/../shared/spec/payment-workflow-quick-start.txt"; do
        if [[ -f $candidate ]]; then
            GUIDE_FILE=$candidate
            break
        fi
    done
fi
if [[ -n $GUIDE_FILE && -f $GUIDE_FILE ]]; then
    guide_text=$(<"$GUIDE_FILE")
    mkdir -p "$WORK/verbatim"
    awk -v dir="$WORK/verbatim" '
        /^# <<< verbatim$/ { inblock = 0; next }
        /^GUIDE$/ && inheredoc { inheredoc = 0; next }
        inblock || inheredoc { print > sprintf("%s/%02d", dir, n) }
        /^# >>> verbatim$/ { inblock = 1; n++; next }
        /<<.GUIDE.$/ { inheredoc = 1; n++; next }
    ' "$SCRIPT_PATH"
    for f in "$WORK"/verbatim/*; do
        block=$(<"$f")
        first=$(grep -m 1 -E 'curl|"message"' "$f")
        if [[ $guide_text == *"$block"* ]]; then
            pass "verbatim: block starting '${first:0:70}' is word for word in the guide"
        else
            fail "verbatim: block starting '${first:0:70}' is not word for word in $GUIDE_FILE"
        fi
    done
else
    echo "SKIP: verbatim comparison with the guide (guide not found; set TOLLGATE_GUIDE)"
fi

# 1. Payment methods
PK=$OUT/1-payment-methods-pk.json
US=$OUT/1-payment-methods-us.json
GLOBAL=$OUT/1-payment-methods-global.json
jcheck "1 PK methods include stripe" "$PK" \
    'any(.data.results[]; .payment_method == "stripe")'
jcheck "1 PK methods include paypal" "$PK" \
    'any(.data.results[]; .payment_method == "paypal")'
jcheck "1 PK methods include bank_transfer with 'Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA'" "$PK" \
    'any(.data.results[]; .payment_method == "bank_transfer"
        and .instructions == "Bank: ABC Bank, Account: 1234567890, SWIFT: ABCPKKA")'
jcheck "1 PK methods include local_wallet 'JazzCash / Easypaisa'" "$PK" \
    'any(.data.results[]; .payment_method == "local_wallet" and .display_name == "JazzCash / Easypaisa")'
GLOBAL3='([.data.results[].payment_method] | sort) == ["bank_transfer", "paypal", "stripe"]
    and all(.data.results[]; .country_code == "*")'
jcheck "1 US methods are exactly the 3 global ones (stripe, paypal, bank_transfer)" "$US" "$GLOBAL3"
jcheck "1 no-country methods are exactly the 3 global ones (stripe, paypal, bank_transfer)" "$GLOBAL" "$GLOBAL3"

# 2. Free trial
FREE=$OUT/2-register-free.json
jcheck "2 free trial: account status 'trial'" "$FREE" '.success == true and .data.account.status == "trial"'
jcheck "2 free trial: 1000 credits allocated" "$FREE" '.data.account.credits == 1000'
jcheck "2 free trial: free plan assigned" "$FREE" '.data.account.plan.slug == "free"'
jcheck "2 free trial: no subscription created" "$FREE" '.data | has("subscription") and .subscription == null'
jcheck "2 free trial: no invoice created" "$FREE" '.data | has("invoice") and .invoice == null'

# 3. Paid sign-up
PAID=$OUT/3-register-paid.json
jcheck "3 paid: account status 'pending_payment'" "$PAID" \
    '.success == true and .data.account.status == "pending_payment"'
jcheck "3 paid: 0 credits (awaiting payment)" "$PAID" '.data.account.credits == 0'
jcheck "3 paid: subscription status 'pending_payment'" "$PAID" '.data.subscription.status == "pending_payment"'
jcheck "3 paid: invoice status 'pending'" "$PAID" '.data.invoice.status == "pending"'
jcheck "3 paid: invoice id 1" "$PAID" '.data.invoice.id == 1'

# 4. Confirm
CONFIRM=$OUT/4-confirm.json
INVOICE_RE='^INV-2-[0-9]{6}-0001$'
if [[ -n $TOKEN && $TOKEN != null ]]; then
    pass "4 customer login gave a token"
else
    fail "4 customer login gave a token" "TOKEN='$TOKEN'"
fi
jcheck "4 confirm: message word for word" "$CONFIRM" \
    '.message == "Payment confirmation submitted for review. You will be notified once approved."'
jcheck "4 confirm: invoice_number matches $INVOICE_RE" "$CONFIRM" \
    '.data.invoice_number | type == "string" and test($re)' --arg re "$INVOICE_RE"
same_json "4 confirm: response equals the guide's Expected Response (except invoice_number, request_id)" \
    "$OUT/4-confirm.expected.json" "$CONFIRM" 'del(.request_id, .data.invoice_number)'

# 5. Approve
APPROVE=$OUT/5-approve.json
if [[ -n $ADMIN_TOKEN && $ADMIN_TOKEN != null ]]; then
    pass "5 admin login gave a token"
else
    fail "5 admin login gave a token" "ADMIN_TOKEN='$ADMIN_TOKEN'"
fi
jcheck "5 approve: message word for word" "$APPROVE" \
    '.message == "Payment approved successfully. Account activated."'
jcheck "5 approve: invoice_number matches $INVOICE_RE" "$APPROVE" \
    '.data.invoice_number | type == "string" and test($re)' --arg re "$INVOICE_RE"
approved_at=$(jq -r '.data.approved_at // empty' "$APPROVE" 2>/dev/null)
if [[ $approved_at =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] &&
    date -u -d "$approved_at" >/dev/null 2>&1; then
    pass "5 approve: approved_at is an RFC 3339 UTC time ending in Z ($approved_at)"
else
    fail "5 approve: approved_at is an RFC 3339 UTC time ending in Z" "approved_at='$approved_at'"
fi
same_json "5 approve: response equals the guide's Expected Response (except invoice_number, approved_at, request_id)" \
    "$OUT/5-approve.expected.json" "$APPROVE" 'del(.request_id, .data.invoice_number, .data.approved_at)'
numbers=$(jq -rn --slurpfile p "$PAID" --slurpfile c "$CONFIRM" --slurpfile a "$APPROVE" \
    '[$p[0].data.invoice.invoice_number, $c[0].data.invoice_number, $a[0].data.invoice_number] | map(tostring) | join(" ")' 2>/dev/null)
read -r n1 n2 n3 <<<"$numbers"
if [[ -n ${n1:-} && $n1 != null && $n1 == "${n2:-}" && $n1 == "${n3:-}" ]]; then
    pass "3-5 the same invoice number throughout ($n1)"
else
    fail "3-5 the same invoice number throughout" "register/confirm/approve: ${numbers:-?}"
fi

# Verification: tollgate account show 2
if ((ACCOUNT_SHOW_STATUS == 0)); then
    pass "verify: 'tollgate account show 2' succeeded"
else
    fail "verify: 'tollgate account show 2' succeeded" "exit status $ACCOUNT_SHOW_STATUS" \
        "$(cat "$OUT/account-show-2.stderr")"
fi
for line in "Status: active" "Credits: 1000" "Billing Email: billing@test.com" \
    "Has billing snapshot: true" "Reference: BT-20251208-12345" "Approved by: admin@example.com"; do
    if grep -Fxq -- "$line" "$ACCOUNT_SHOW"; then
        pass "verify: account show prints '$line'"
    else
        fail "verify: account show prints '$line'" "output:" "$(cat "$ACCOUNT_SHOW")"
    fi
done

if ((FAILED > 0)); then
    echo "---- server log (tail) ----"
    tail -n 30 "$SERVER_LOG"
fi
summary
((FAILED == 0))
