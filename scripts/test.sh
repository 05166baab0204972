#!/usr/bin/env bash
# Runs every test against a throw-away PostgreSQL, then the checks of this command itself (scripts/tests/), then
# the fault suite (scripts/fault-suite.sh), and prints one line: "N passed, N failed", counting all three. Extra
# arguments go to `dotnet test` (e.g. --filter). The exit status is dotnet test's own when it failed, else non-zero
# when anything else failed, else 0.
#
# Optional settings (environment variables):
#   TENANTCHAT_FAULT_SUITE=0    skip the fault suite (a quicker local run; CI always runs it)
#   TENANTCHAT_SCRIPT_TESTS=0   skip the checks of this command
#   KEEP_RESULTS=DIR            copy the TRX files there
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/lib/common.sh
source scripts/lib/postgres.sh

ensure_postgres_installed
work="$(mktemp -d /tmp/tenantchat-test.XXXXXX)"
chmod 755 "$work"
cleanup() { stop_postgres "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT

# Tests create a fresh database each; durability of this scratch server across power loss does not matter. A port
# found free can be taken by another process before PostgreSQL binds it: then another port, up to three times.
for attempt in 1 2 3; do
    pick_port port
    PG_FSYNC=off start_postgres "$work/pg" "$port" && break
    [ "$attempt" = 3 ] && { echo "could not start PostgreSQL"; cat "$work/pg/server.log"; echo "0 passed, 1 failed"; exit 1; }
done
# The tests connect as the owner (postgres) to create and migrate their databases, then run the system as the
# serving login (TestPostgres.ServingLogin), which this makes once for the whole server.
create_serving_login "$port" || { echo "could not create the serving login"; echo "0 passed, 1 failed"; exit 1; }
export TENANTCHAT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
export TENANTCHAT_TEST_SERVING_LOGIN="$SERVING_LOGIN"

status=0
dotnet test TenantChat.sln -c Release --logger "trx" --results-directory "$work/results" "$@" || status=$?
if [ -n "${KEEP_RESULTS:-}" ]; then cp -r "$work/results" "$KEEP_RESULTS"; fi

passed=0; failed=0
for trx in "$work"/results/*.trx; do
    [ -f "$trx" ] || continue
    counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
    p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # The build, the runner or a fixture failed where no test result shows it: never a green line.
    echo "dotnet test exited with status $status although no test reported a failure: counted as a failure"
    failed=1
fi

# add_counts NAME COMMAND...: runs a suite whose last line is "NAME: N passed, M failed" and adds its counts; a
# suite that stops early or exits non-zero with no failure counted counts as one failure.
add_counts() {
    local name="$1" log="$work/$1.log" suite_status counts suite_passed suite_failed
    shift
    "$@" | tee "$log"
    suite_status=${PIPESTATUS[0]}
    counts="$(sed -n "s/^$name: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" "$log" | tail -n 1)"
    read -r suite_passed suite_failed <<<"${counts:-0 1}"
    if [ "$suite_status" -ne 0 ] && [ "$suite_failed" -eq 0 ]; then suite_failed=1; fi
    passed=$((passed + suite_passed)); failed=$((failed + suite_failed))
}

# The checks of this command's own verdict: seconds, with a stub in place of dotnet.
if [ "${TENANTCHAT_SCRIPT_TESTS:-1}" != 0 ]; then
    add_counts "script tests" bash scripts/tests/test-command.sh
fi
# The fault suite runs the real processes with a PostgreSQL of its own.
if [ "${TENANTCHAT_FAULT_SUITE:-1}" != 0 ]; then
    add_counts "fault suite" bash scripts/fault-suite.sh
fi

echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
