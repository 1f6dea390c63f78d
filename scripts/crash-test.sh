#!/usr/bin/env bash
# Crash test: mixed concurrent load (sign-ups, confirmations, approvals, credit spends) while
# the server is killed with SIGKILL at random moments, ten times, restarted each time; then
# `tollgate verify` must find no violation.
#
#   scripts/crash-test.sh sqlite|postgres      (TOLLGATE_BIN picks the binary)
set -euo pipefail

backend=${1:-sqlite}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${TOLLGATE_BIN:-}
if [[ -z $bin ]]; then
    # The newest build, release or debug.
    bin=$(ls -t target/release/tollgate target/debug/tollgate 2>/dev/null | head -n 1 || true)
fi
[[ -n $bin ]] || { cargo build --quiet; bin=target/debug/tollgate; }
bin=$(realpath "$bin")
kills=${CRASH_KILLS:-10}
port=${CRASH_PORT:-8077}
base="http://127.0.0.1:$port/api/v1"
work=$(mktemp -d /tmp/tollgate-crash.XXXXXX)
server_pid=
pg_db=

case $backend in
    sqlite) export TOLLGATE_DATABASE_URL="sqlite://$work/tollgate.db" ;;
    postgres)
        pg_db="tollgate_crash_$RANDOM$RANDOM"
        psql -X -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $pg_db" </dev/null
        export TOLLGATE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$pg_db"
        ;;
    *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
export TOLLGATE_BIND="127.0.0.1:$port" TOLLGATE_SECRET_KEY=crash-test TOLLGATE_LOG=warn
export TOLLGATE_STORAGE_URL="file://$work/uploads"

cleanup() {
    [[ -n $server_pid ]] && kill -9 "$server_pid" 2>/dev/null || true
    jobs -p | xargs -r kill 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ -n $pg_db ]]; then
        psql -X -q -h 127.0.0.1 -U postgres -d postgres \
            -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" </dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

start_server() {
    "$bin" >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "$base/billing/plans/" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server did not start; log:" >&2
    tail -20 "$work/server.log" >&2
    exit 1
}

post() { # path token json
    curl -s --max-time 3 -X POST "$base$1" -H "Content-Type: application/json" \
        ${2:+-H "Authorization: Bearer $2"} -d "$3" 2>/dev/null || true
}

token_of() { jq -r '.data.token // empty' 2>/dev/null || true; }

# A paid customer: sign up, confirm, and have staff approve; then spend.
paid_worker() {
    local n=0
    while [[ ! -e $work/stop ]]; do
        n=$((n + 1))
        local email="paid-$1-$n@crash.test" token invoice payment
        token=$(post /auth/register/ "" "{\"email\":\"$email\",\"password\":\"TestPass123!\",\"password_confirm\":\"TestPass123!\",\"first_name\":\"P\",\"last_name\":\"$1\",\"plan_slug\":\"starter\",\"billing_country\":\"PK\",\"payment_method\":\"bank_transfer\"}" | token_of)
        [[ -n $token ]] || continue
        invoice=$(curl -s --max-time 3 "$base/billing/invoices/" -H "Authorization: Bearer $token" | jq -r '.data.results[0].id // empty' 2>/dev/null || true)
        [[ -n $invoice ]] || continue
        payment=$(post /billing/admin/payments/confirm/ "$token" "{\"invoice_id\":$invoice,\"payment_method\":\"bank_transfer\",\"manual_reference\":\"CR-$1-$n\",\"amount\":\"89.00\"}" | jq -r '.data.payment_id // empty' 2>/dev/null || true)
        [[ -n $payment ]] || continue
        local staff
        staff=$(cat "$work/staff-token" 2>/dev/null || true)
        post "/billing/admin/payments/$payment/approve/" "$staff" '{}' >/dev/null
        post /billing/credits/usage/ "$token" '{"operation_type":"clustering"}' >/dev/null
    done
}

# A free trial spending its credits as fast as it can.
spend_worker() {
    local token=
    while [[ ! -e $work/stop ]]; do
        [[ -n $token ]] || token=$(post /auth/register/ "" "{\"email\":\"free-$1-$RANDOM$RANDOM@crash.test\",\"password\":\"TestPass123!\",\"password_confirm\":\"TestPass123!\",\"first_name\":\"F\",\"last_name\":\"$1\"}" | token_of)
        [[ -n $token ]] || continue
        post /billing/credits/usage/ "$token" '{"operation_type":"idea_generation","quantity":1}' >/dev/null
    done
}

echo "==> crash test: backend=$backend binary=$bin kills=$kills"
start_server
"$bin" createsuperuser --email admin@example.com --password adminpass >/dev/null 2>&1
login_staff() {
    post /auth/login/ "" '{"email":"admin@example.com","password":"adminpass"}' | token_of >"$work/staff-token.new"
    [[ -s $work/staff-token.new ]] && mv "$work/staff-token.new" "$work/staff-token"
}
login_staff

for w in 1 2 3; do paid_worker "$w" & done
for w in 1 2; do spend_worker "$w" & done

for k in $(seq 1 "$kills"); do
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.5 + (r % 200) / 100 }')"
    kill -9 "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    echo "    kill $k: SIGKILL at $(date -u +%T.%N | cut -c1-12)"
    start_server
    login_staff
done
sleep 1
touch "$work/stop"
wait $(jobs -p | grep -v "^$server_pid$") 2>/dev/null || true

accounts=$(curl -s "$base/billing/admin/payments/?page_size=1" -H "Authorization: Bearer $(cat "$work/staff-token")" | jq -r '.data.count')
echo "==> load done: $accounts payments recorded; verifying"
if "$bin" verify; then
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
    exit 1
fi
