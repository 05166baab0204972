#!/usr/bin/env bash
# Checks scripts/test.sh's own verdict: its exit status and its last line, for the outcomes of `dotnet test` it must
# tell apart. Each case runs test.sh from a scratch copy of scripts/ with a stub `dotnet` first on PATH that writes
# the TRX file vstest would write and exits with a chosen status; the real PostgreSQL of test.sh still starts.
# A few seconds per case. The last line is "script tests: N passed, M failed"; the exit status is 0 only when every
# case passed.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
scratch="$(mktemp -d /tmp/tenantchat-script-tests.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/repo" "$scratch/bin"
cp -r "$repo/scripts" "$scratch/repo/"
mkdir -p "$scratch/repo/deploy" && cp -r "$repo/deploy/postgres" "$scratch/repo/deploy/" # test.sh makes the serving login with it
: >"$scratch/repo/TenantChat.sln"

# The stub answers only `dotnet test`: it records its arguments, writes one TRX file into --results-directory
# with STUB_PASSED and STUB_FAILED (none when STUB_TRX=no, as after a failed build), and exits with STUB_EXIT.
cat >"$scratch/bin/dotnet" <<'STUB'
#!/usr/bin/env bash
[ "$1" = test ] || { echo "stub dotnet: only 'test' is expected, got: $*" >&2; exit 99; }
printf '%s\n' "$*" >"$STUB_ARGS"
results=""
while [ $# -gt 0 ]; do
    [ "$1" = --results-directory ] && results="$2"
    shift
done
if [ "${STUB_TRX:-yes}" = yes ]; then
    mkdir -p "$results"
    total=$((STUB_PASSED + STUB_FAILED))
    outcome=Completed
    [ "$STUB_FAILED" -gt 0 ] && outcome=Failed
    cat >"$results/stub.trx" <<TRX
<?xml version="1.0" encoding="utf-8"?>
<TestRun id="00000000-0000-0000-0000-000000000000" name="stub" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <ResultSummary outcome="$outcome">
    <Counters total="$total" executed="$total" passed="$STUB_PASSED" failed="$STUB_FAILED" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
  </ResultSummary>
</TestRun>
TRX
fi
echo "stub dotnet test: $STUB_PASSED passed, $STUB_FAILED failed, exit $STUB_EXIT"
exit "$STUB_EXIT"
STUB
chmod +x "$scratch/bin/dotnet"

# run_case NAME STUB_PASSED STUB_FAILED STUB_EXIT STUB_TRX -- ARGS...: test.sh ARGS with the stub set up so; its
# output goes to NAME.log and its exit status to NAME.status. The cases run at once, each test.sh with its own
# PostgreSQL on its own port.
run_case() {
    local name="$1" status=0
    PATH="$scratch/bin:$PATH" STUB_ARGS="$scratch/$name.args" STUB_PASSED="$2" STUB_FAILED="$3" STUB_EXIT="$4" \
        STUB_TRX="$5" TENANTCHAT_FAULT_SUITE=0 TENANTCHAT_SCRIPT_TESTS=0 \
        bash "$scratch/repo/scripts/test.sh" "${@:7}" >"$scratch/$name.log" 2>&1 || status=$?
    echo "$status" >"$scratch/$name.status"
}

passed=0
failed=0

# expect NAME STATUS LAST_LINE [ARGS...]: the case exited with STATUS, its last line was LAST_LINE, and dotnet test
# was given ARGS.
expect() {
    local name="$1" want_status="$2" want_last="$3" status last problems=()
    shift 3
    status="$(cat "$scratch/$name.status")"
    last="$(tail -n 1 "$scratch/$name.log")"
    [ "$status" = "$want_status" ] || problems+=("exit status $status, expected $want_status")
    [ "$last" = "$want_last" ] || problems+=("last line '$last', expected '$want_last'")
    if [ "$#" -gt 0 ] && ! grep -qF -- "$*" "$scratch/$name.args" 2>/dev/null; then
        problems+=("dotnet test did not get the arguments '$*'")
    fi
    if [ "${#problems[@]}" -eq 0 ]; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAILED: $name: ${problems[*]}"
        sed 's/^/    | /' "$scratch/$name.log" | tail -n 15
        failed=$((failed + 1))
    fi
}

#        case                                   stub: passed failed exit trx
run_case a_test_fails                           3 1 1 yes -- &
run_case exit_status_is_dotnet_tests_own        3 1 3 yes -- &
run_case every_test_passes                      5 0 0 yes -- &
run_case build_fails_before_any_test            0 0 1 no -- &
run_case green_record_but_dotnet_test_failed    5 0 1 yes -- &
run_case extra_arguments_reach_dotnet_test      2 0 0 yes -- --filter "FullyQualifiedName~Budget" &
wait

#      case                                   exit  last line
expect a_test_fails                           1    "3 passed, 1 failed"
expect exit_status_is_dotnet_tests_own        3    "3 passed, 1 failed"
expect every_test_passes                      0    "5 passed, 0 failed"
expect build_fails_before_any_test            1    "0 passed, 1 failed"
expect green_record_but_dotnet_test_failed    1    "5 passed, 1 failed"
expect extra_arguments_reach_dotnet_test      0    "2 passed, 0 failed" --filter "FullyQualifiedName~Budget"

echo "script tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
