#!/usr/bin/env bash
# Fuzzes the whole API against its own OpenAPI description with schemathesis, signed in as a
# customer and as staff: no server errors, no response that breaks the schema. The description
# itself is first checked against the OpenAPI 3.1 specification.
#
#   scripts/fuzz-api.sh sqlite|postgres      (TOLLGATE_BIN picks the binary; FUZZ_EXAMPLES)
set -euo pipefail

backend=${1:-sqlite}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${TOLLGATE_BIN:-$(ls -t target/release/tollgate target/debug/tollgate 2>/dev/null | head -n 1 || true)}
[[ -n $bin ]] || { cargo build --quiet; bin=target/debug/tollgate; }
bin=$(realpath "$bin")
examples=${FUZZ_EXAMPLES:-40}
port=${FUZZ_PORT:-8076}
base="http://127.0.0.1:$port/api/v1"
venv=${FUZZ_VENV:-target/fuzz-venv}
work=$(mktemp -d /tmp/tollgate-fuzz.XXXXXX)
server_pid=
pg_db=

if [[ ! -x $venv/bin/schemathesis ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==4.32.5" "openapi-spec-validator==0.9.0"
fi

case $backend in
    sqlite) export TOLLGATE_DATABASE_URL="sqlite://$work/tollgate.db" ;;
    postgres)
        pg_db="tollgate_fuzz_$RANDOM$RANDOM"
        psql -X -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $pg_db" </dev/null
        export TOLLGATE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$pg_db"
        ;;
    *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
export TOLLGATE_BIND="127.0.0.1:$port" TOLLGATE_SECRET_KEY=fuzz TOLLGATE_LOG=warn
# Proof files the fuzzer uploads go to the run's own folder, removed with it.
export TOLLGATE_STORAGE_URL="file://$work/uploads"

cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ -n $pg_db ]]; then
        psql -X -q -h 127.0.0.1 -U postgres -d postgres \
            -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" </dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# No cache of earlier runs' cases (schemathesis keeps one in .schemathesis/ by default): every
# run generates from the seed alone, so a run's result does not depend on the one before it.
printf '[cache]\nenabled = false\n' >"$work/schemathesis.toml"
st=("$venv/bin/schemathesis" --config-file "$work/schemathesis.toml")

"$bin" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -sf "$base/billing/plans/" >/dev/null && break
    sleep 0.1
done

json() { curl -s -X POST "$base$1" -H "Content-Type: application/json" ${3:+-H "Authorization: Bearer $3"} -d "$2"; }
# A customer with a paid, approved plan and a pending invoice of a second account to review.
customer=$(json /auth/register/ '{"email":"fuzz@test.com","password":"TestPass123!","password_confirm":"TestPass123!","first_name":"Fuzz","last_name":"Er","plan_slug":"starter","billing_country":"PK","payment_method":"bank_transfer"}' | jq -r .data.token)
json /billing/admin/payments/confirm/ '{"invoice_id":1,"payment_method":"bank_transfer","manual_reference":"FZ-1","amount":"89.00"}' "$customer" >/dev/null
"$bin" createsuperuser --email admin@example.com --password adminpass >/dev/null
staff=$(json /auth/login/ '{"email":"admin@example.com","password":"adminpass"}' | jq -r .data.token)
json /billing/admin/payments/1/approve/ '{}' "$staff" >/dev/null

total=0
failed=0
curl -s "$base/openapi.json" >"$work/openapi.json"
if "$venv/bin/openapi-spec-validator" "$work/openapi.json"; then
    echo "==> openapi.json is a valid OpenAPI $(jq -r .openapi "$work/openapi.json") document"
else
    failed=$((failed + 1))
fi
# One schemathesis pass: pass NAME TOKEN CHECKS [VAR=VALUE…] (the variables load hooks).
pass() {
    local name=$1 token=$2 checks=$3
    shift 3
    echo "==> schemathesis: $name ($backend, $examples examples per operation)"
    if env "$@" "${st[@]}" run "$base/openapi.json" --url "$base" \
        -H "Authorization: Bearer $token" --checks "$checks" \
        --max-examples "$examples" --seed 1 --no-color >"$work/$name.out" 2>&1; then
        status=passed
    else
        status=failed
        failed=$((failed + 1))
        cat "$work/$name.out"
        tail -30 "$work/server.log"
    fi
    cases=$(grep -Eo '[0-9]+ generated' "$work/$name.out" | grep -Eo '[0-9]+' | tail -n 1 || echo 0)
    total=$((total + cases))
    echo "    $name: $cases requests generated, $status"
}
conformance=not_a_server_error,response_schema_conformance,content_type_conformance
pass customer "$customer" "$conformance"
pass staff "$staff" "$conformance"
# Control characters (NUL, ESC, DEL…) in every generated string: always a 4xx, never a 500
# (PostgreSQL cannot store NUL; SQLite's full-text queries break on it).
tally="$work/control-characters.count"
: >"$tally"
pass control-characters "$staff" not_a_server_error,control_characters_refused \
    PYTHONPATH=scripts SCHEMATHESIS_HOOKS=fuzz_control_chars FUZZ_CONTROL_COUNT="$tally"
sent=$(wc -c <"$tally")
echo "    control-characters: $sent requests carried a control character"
if ((sent < 100)); then
    echo "    too few requests carried a control character: the pass tested nothing" >&2
    failed=$((failed + 1))
fi
echo "==> $total generated requests in all"
echo "$((4 - failed)) passed, $failed failed"
[[ $failed -eq 0 ]]
