#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The benchmark command (issue 6), separate from the test command. On this machine, over loopback only, it starts
# a private PostgreSQL with pg_stat_statements, the fake text upstream twice (no delay, and 200 ms), one silo and
# one frontend as real processes from their Release publish output; seeds tenants through the operator API;
# drives load with wrk and our own client (tests/Bench); and writes docs/benchmarks.md and docs/benchmarks.json.
# Everything it starts is stopped on exit, however it exits; logs and raw results stay in .local/bench/. Takes
# about 7 minutes with the defaults.
#
# Optional settings (environment variables):
#   BENCH_SECONDS          length of each measured wrk run                        15
#   BENCH_WARMUP_SECONDS   unmeasured wrk run before each measured one            3
#   BENCH_TENANTS          tenants of the "many tenants" runs                      1000
#   BENCH_ACTIVE_TENANTS   tenants made active for the memory and latency runs    10000
#   BENCH_BURST_CALLS      calls released at once with the 200 ms upstream        500
#   BENCH_DOCS             where the report goes                                   docs/
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script_name=bench.sh
# shellcheck source=lib/common.sh
source "$repo/scripts/lib/common.sh"
# shellcheck source=lib/processes.sh
source "$repo/scripts/lib/processes.sh"
# shellcheck source=lib/postgres.sh
source "$repo/scripts/lib/postgres.sh"

bench_dir="$repo/.local/bench"
publish_dir="$bench_dir/publish"
log_dir="$bench_dir/logs"
docs_dir="${BENCH_DOCS:-$repo/docs}"

check_tools() {
    ensure_tools curl wrk
    ensure_postgres_installed
    # Debian's postgresql-15 ships pg_stat_statements in the server package itself.
    [ -f "$(pg_bin_dir)/../lib/pg_stat_statements.so" ] ||
        die "pg_stat_statements is missing from $(pg_bin_dir)/../lib; database round trips could not be counted."
}

publish() {
    say "publishing the silo, the frontend, the fake upstream and the bench client (Release); log in ${log_dir#"$repo/"}/build.log"
    : >"$log_dir/build.log"
    publish_projects "$publish_dir" "$log_dir/build.log" silo=src/Silo/Silo.csproj frontend=src/WebFrontend/WebFrontend.csproj \
        upstream=tests/FakeUpstream/FakeUpstream.csproj bench=tests/Bench/Bench.csproj || die "the build failed"
}

# start_process NAME DLL [ARGS...]: runs a published DLL with the current environment; sets last_pid to the dotnet
# process itself, whose CPU and memory are read from /proc. The silo and the frontend run from /, as in a
# container. The fake upstream runs from its own folder: its content root is the working directory, and a host
# watching "/" for settings changes burns CPU on every file written on the machine.
start_process() {
    local name="$1" dll="$2" dir=/
    shift 2
    [[ "$name" == upstream* ]] && dir="$(dirname "$dll")"
    : >"$log_dir/$name.log"
    launch "$dir" "$log_dir/$name.log" dotnet "$dll" "$@"
    last_pid=$launched_pid
    started+=("$name:$last_pid")
}

# wait_for NAME PID URL: until URL answers 200 (60 s at most), or the process dies.
wait_for() {
    wait_http "$1" "$2" "$3" 60 || { tail -n 30 "$log_dir/$1.log" >&2; die "see $log_dir/$1.log"; }
}

# stop_pid NAME PID: SIGTERM, and SIGKILL if it is still there after 20 s. Only pids this script started. The fake
# upstream ends on Ctrl-C (SIGINT); its host swallows SIGTERM.
stop_pid() {
    local signal=TERM
    [[ "$1" == upstream* ]] && signal=INT
    stop_pids "$signal" 20 "$2" || say "the $1 (pid $2) did not stop within 20 s of SIG$signal; killed"
}

# shellcheck disable=SC2317 # reached through the EXIT trap only
cleanup() {
    trap '' INT TERM
    local process
    for process in "${started[@]}"; do stop_pid "${process%:*}" "${process##*:}"; done
    [ -n "${work:-}" ] && stop_postgres "$work/pg" && rm -rf "$work"
}

start_database() {
    say "starting PostgreSQL on 127.0.0.1:$pg_port with pg_stat_statements (data in $work, thrown away)"
    PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=1000" \
        start_postgres "$work/pg" "$pg_port" || { tail -n 20 "$work/pg/server.log" >&2; die "PostgreSQL did not start."; }
    local psql=("$(pg_bin_dir)/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qX -v ON_ERROR_STOP=1)
    "${psql[@]}" -d postgres -c "create database tenantchat" >/dev/null
    "${psql[@]}" -d tenantchat -c "create extension pg_stat_statements" >/dev/null
    postgres_pid="$(head -n 1 "$work/pg/data/postmaster.pid")"
}

# start_system UPSTREAM_URL SUFFIX: one silo and one frontend on the given upstream, logging to silo$SUFFIX.log and
# frontend$SUFFIX.log; sets silo_pid and frontend_pid.
start_system() {
    export Ai__BaseUrl="$1"
    start_process "silo$2" "$publish_dir/silo/TenantChat.Silo.dll" --urls "http://127.0.0.1:$silo_http_port"
    silo_pid=$last_pid
    start_process "frontend$2" "$publish_dir/frontend/TenantChat.WebFrontend.dll" --urls "$api_url"
    frontend_pid=$last_pid
    wait_for "silo$2" "$silo_pid" "http://127.0.0.1:$silo_http_port/health/ready"
    wait_for "frontend$2" "$frontend_pid" "$api_url/health/ready"
}

stop_system() {
    local started_at=$SECONDS
    stop_pid frontend "$frontend_pid"
    stop_pid silo "$silo_pid"
    say "silo and frontend stopped in $((SECONDS - started_at)) s"
}

run_phase() {
    BENCH_SILO_PID="$silo_pid" BENCH_FRONTEND_PID="$frontend_pid" BENCH_UPSTREAM="$1" \
        dotnet "$publish_dir/bench/TenantChat.Bench.dll" "$2" || die "the $2 phase failed; logs are in $log_dir"
}

main() {
    export BENCH_STARTED="$EPOCHSECONDS"
    check_tools
    mkdir -p "$bench_dir" "$log_dir"
    exec 9>"$bench_dir/bench.lock"
    flock -n 9 || die "scripts/bench.sh is already running for this checkout."
    started=()
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    publish
    work="$(mktemp -d /tmp/tenantchat-bench.XXXXXX)"
    chmod 755 "$work" # the server runs as the postgres user
    pg_port="" fast_port="" slow_port="" silo_http_port="" api_port="" silo_port="" gateway_port=""
    pick_port pg_port
    pick_port fast_port
    pick_port slow_port
    pick_port silo_http_port
    pick_port api_port
    pick_port silo_port
    pick_port gateway_port
    api_url="http://127.0.0.1:$api_port"
    start_database 9>&-

    say "starting the fake upstream on :$fast_port (no delay) and :$slow_port (200 ms)"
    start_process upstream "$publish_dir/upstream/TenantChat.FakeUpstream.dll" --urls "http://127.0.0.1:$fast_port"
    local fast_pid=$last_pid
    start_process upstream-200ms "$publish_dir/upstream/TenantChat.FakeUpstream.dll" --urls "http://127.0.0.1:$slow_port" --delay-ms 200
    local slow_pid=$last_pid
    wait_for upstream "$fast_pid" "http://127.0.0.1:$fast_port/v1/text/ping"
    wait_for upstream-200ms "$slow_pid" "http://127.0.0.1:$slow_port/v1/text/ping"

    BENCH_ADMIN_KEY="$(random_hex)"
    export BENCH_ADMIN_KEY Admin__ApiKey="$BENCH_ADMIN_KEY"
    export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=tenantchat"
    export Orleans__ClusterId=bench Orleans__ServiceId=bench Orleans__AdvertisedIP=127.0.0.1
    export Orleans__SiloPort="$silo_port" Orleans__GatewayPort="$gateway_port" Ai__Provider=text
    export BENCH_API="$api_url" BENCH_PG="$ConnectionStrings__Postgres" BENCH_POSTGRES_PID="$postgres_pid"
    export BENCH_UPSTREAM_PIDS="$fast_pid,$slow_pid" BENCH_WRK_SCRIPT="$repo/scripts/bench/wrk.lua"
    # The raw results are kept, so the report can be written again: dotnet .../TenantChat.Bench.dll report DIR docs
    export BENCH_RESULTS="$bench_dir/results"
    rm -rf "$BENCH_RESULTS"
    export BENCH_COMMIT
    BENCH_COMMIT="$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src tests scripts || echo ' (with uncommitted changes)')"

    say "starting a silo and a frontend on the zero-latency upstream"
    start_system "http://127.0.0.1:$fast_port/v1/text" ""
    run_phase "http://127.0.0.1:$fast_port/v1/text" main

    say "restarting the silo and the frontend on the 200 ms upstream"
    stop_system
    start_system "http://127.0.0.1:$slow_port/v1/text" -200ms
    run_phase "http://127.0.0.1:$slow_port/v1/text" slow
    stop_system

    dotnet "$publish_dir/bench/TenantChat.Bench.dll" report "$BENCH_RESULTS" "$docs_dir"
    say "report written: ${docs_dir#"$repo/"}/benchmarks.md and benchmarks.json ($((EPOCHSECONDS - BENCH_STARTED)) s in all)"
}

main "$@"
