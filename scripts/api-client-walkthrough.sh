#!/usr/bin/env bash
# Walks the quick-start guide's workflow with a client generated from the running server's own
# OpenAPI description, as an integrator would: openapi-python-client generates the
# `tollgate_client` package from /api/v1/openapi.json, and scripts/api_client_walkthrough.py
# signs up (free trial and paid), signs in, lists and reads invoices, confirms, approves as
# staff, rejects and re-confirms for a second customer, creates a site and spends credits,
# reading every answer through the generated models.
#
#   scripts/api-client-walkthrough.sh sqlite|postgres
#
# Environment:
#   TOLLGATE_BIN  server binary (default: the newer of target/release/tollgate and
#                 target/debug/tollgate; `cargo build` runs when neither exists)
#   CLIENT_PORT   port of the server (default 8078; 8011, 8076 and 8077 belong to the guide
#                 walkthrough, the fuzzer and the crash test)
#   CLIENT_VENV   virtual environment for the generator (default target/client-venv)
#   REDOCLY       the @redocly/cli binary that lints the description (default
#                 target/redocly/node_modules/.bin/redocly, used when installed:
#                 `npm install --prefix target/redocly @redocly/cli@2.77.0`; .ci/run does)
#
# A fresh database each run: an SQLite file in a temporary directory, or a new PostgreSQL
# database on 127.0.0.1:5432 (user postgres, trust auth) dropped at exit. Prints one PASS/FAIL
# line per check and ends with "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail

backend=${1:-sqlite}
case $backend in
    sqlite | postgres) ;;
    *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."
port=${CLIENT_PORT:-8078}
case $port in
    8011 | 8076 | 8077) echo "CLIENT_PORT=$port is taken by another script; use another" >&2; exit 2 ;;
esac
bin=${TOLLGATE_BIN:-$(ls -t target/release/tollgate target/debug/tollgate 2>/dev/null | head -n 1 || true)}
[[ -n $bin ]] || { cargo build --quiet && bin=target/debug/tollgate; }
bin=$(realpath "$bin")
venv=${CLIENT_VENV:-target/client-venv}
base="http://127.0.0.1:$port"
work=$(mktemp -d /tmp/tollgate-client.XXXXXX)
server_pid=
pg_db=
setup_passed=0
setup_failed=0

pass() {
    setup_passed=$((setup_passed + 1))
    printf 'PASS: %s\n' "$1"
}

# fail NAME [LOG]
fail() {
    setup_failed=$((setup_failed + 1))
    printf 'FAIL: %s\n' "$1"
    [[ -n ${2:-} && -f $2 ]] && sed 's/^/      /' "$2" | tail -n 40
    return 0
}

# A problem before the walk (no generator, no server, no client): one failed check, then exit.
die() {
    printf 'FAIL: setup: %s\n' "$1"
    [[ -n ${2:-} && -f $2 ]] && sed 's/^/      /' "$2" | tail -n 40
    echo "$setup_passed passed, $((setup_failed + 1)) failed"
    exit 1
}

cleanup() {
    local status=$?
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    if [[ -n $pg_db ]]; then
        psql -X -q -h 127.0.0.1 -U postgres -d postgres \
            -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" </dev/null || true
    fi
    if ((status == 0)); then
        rm -rf "$work"
    else
        echo "(server log, description and generated client kept in $work)" >&2
    fi
    exit "$status"
}
trap cleanup EXIT

# The generator, pinned: 0.29 reads OpenAPI 3.1 (type arrays, `null`) as this API writes it.
if [[ ! -x $venv/bin/openapi-python-client ]]; then
    python3 -m venv "$venv" || die "cannot create $venv"
    "$venv/bin/pip" install --quiet "openapi-python-client==0.29.0" || die "pip install openapi-python-client"
fi

case $backend in
    sqlite) export TOLLGATE_DATABASE_URL="sqlite://$work/tollgate.db" ;;
    postgres)
        pg_db="tollgate_client_$RANDOM$RANDOM"
        psql -X -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $pg_db" </dev/null ||
            { pg_db=; die "cannot create a PostgreSQL database on 127.0.0.1:5432"; }
        export TOLLGATE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$pg_db"
        ;;
esac
export TOLLGATE_BIND="127.0.0.1:$port" TOLLGATE_SECRET_KEY=client-walkthrough TOLLGATE_LOG=warn
export TOLLGATE_STORAGE_URL="file://$work/uploads"
echo "==> $bin on $base ($backend)"

"$bin" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -sf "$base/api/v1/openapi.json" -o "$work/openapi.json" && break
    kill -0 "$server_pid" 2>/dev/null || die "the server stopped" "$work/server.log"
    sleep 0.1
done
[[ -s $work/openapi.json ]] || die "no description at $base/api/v1/openapi.json" "$work/server.log"
"$bin" createsuperuser --email admin@example.com --password adminpass >"$work/createsuperuser.log" 2>&1 ||
    die "createsuperuser" "$work/createsuperuser.log"

# The description as served, linted with Redocly's recommended rules: no error allowed.
redocly=${REDOCLY:-target/redocly/node_modules/.bin/redocly}
if [[ -x $redocly ]]; then
    echo "==> redocly lint --extends recommended"
    if REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$redocly" lint --extends recommended \
        --format summary "$work/openapi.json" >"$work/lint.log" 2>&1; then
        warnings=$(grep -Eo '[0-9]+ warnings?' "$work/lint.log" | grep -Eo '[0-9]+' | head -n 1)
        pass "redocly lint (recommended rules): 0 errors, ${warnings:-0} warnings"
    else
        fail "redocly lint (recommended rules)" "$work/lint.log"
    fi
elif [[ -n ${REDOCLY:-} ]]; then
    fail "REDOCLY=$REDOCLY is not an executable"
else
    echo "note: @redocly/cli is not installed under target/redocly; the lint was skipped"
fi

# Generate from the description exactly as served. No post hooks (they would need ruff), so a
# generator warning means the description lost a piece of the client. The generator reads
# binary answers only as application/octet-stream: a proof's download (PDF or image) is told
# to it as such (its documented `content_type_overrides`), so the client returns its bytes.
cat >"$work/generator.yaml" <<'YAML'
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
  image/png: application/octet-stream
  image/jpeg: application/octet-stream
  image/webp: application/octet-stream
YAML
echo "==> openapi-python-client generate"
"$venv/bin/openapi-python-client" generate --path "$work/openapi.json" --config "$work/generator.yaml" \
    --meta none --output-path "$work/tollgate_client" >"$work/generate.log" 2>&1 ||
    die "openapi-python-client generate" "$work/generate.log"
if grep -qi "warning" "$work/generate.log"; then
    fail "the client generates without warnings" "$work/generate.log"
else
    pass "the client generates without warnings"
fi

"$venv/bin/python" scripts/api_client_walkthrough.py "$base" "$work" "$setup_passed" "$setup_failed"
