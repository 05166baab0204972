#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The benchmark command (issues 6 and 11), separate from the test command. On this machine, over loopback only, it
# starts a private PostgreSQL with pg_stat_statements, the fake upstream twice (no delay, and 200 ms), one silo and
# one frontend as real processes from their Release publish output, and two peers in front of the fast fake
# upstream's OpenAI-compatible route: nginx (a bare reverse-proxy hop) and the Portkey gateway (npm package
# @portkey-ai/gateway, installed into .local/bench with npm, run with node as a plain proxy). It seeds tenants
# through the operator API; measures the commit floor (pgbench and pg_test_fsync on the same PostgreSQL); drives
# load with wrk and our own client (tests/Bench); and writes docs/benchmarks.md and docs/benchmarks.json.
# Everything it starts is stopped on exit, however it exits; logs and raw results stay in .local/bench/. Takes
# about 12 to 15 minutes with the defaults.
#
# Optional settings (environment variables):
#   BENCH_SECONDS          length of each measured wrk (and pgbench) run             15
#   BENCH_WARMUP_SECONDS   unmeasured run before each measured one                   3
#   BENCH_CHAT_WARMUP_SECONDS  unmeasured chat load before the first chat row, in   150
#                          10 s rounds, at least this long (0: none); then until
#                          a round in which the silo and the frontend compiled
#   BENCH_JIT_QUIET_METHODS    at most this many methods together                   100
#   BENCH_CHAT_WARMUP_MAX_SECONDS  or this much warm-up in all                     300
#   BENCH_TENANTS          tenants of the "many tenants" runs                         1000
#   BENCH_ACTIVE_TENANTS   tenants made active for the memory and latency runs       10000
#   BENCH_BURST_CALLS      calls released at once with the 200 ms upstream           500
#   BENCH_KNOWLEDGE_ITEMS  articles of the knowledge-on tenant, indexed first        300
#   BENCH_FSYNC_SECONDS    seconds per test of pg_test_fsync (it runs ~15 tests)     2
#   BENCH_PEERS            0: leave out nginx and the Portkey gateway                1
#   BENCH_KNOWLEDGE_DETAIL 0: skip scripts/bench-knowledge.sh (embedding per core,   1
#                          search over 10,000 chunks, memory) run after the report
#   BENCH_SILO_ENV         NAME=VALUE words added to the silo's environment          (none)
#   BENCH_FRONTEND_ENV     NAME=VALUE words added to the frontend's environment      (none)
#   BENCH_DOCS             where the report goes                                      docs/
# BENCH_SILO_ENV and BENCH_FRONTEND_ENV are switches for comparing runs (tracing or a feature off, say: e.g.
# BENCH_SILO_ENV="Logging__LogLevel__Default=Warning"); the report names them. Words are split on spaces, so a
# value cannot hold one.
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
peers="${BENCH_PEERS:-1}"
portkey_version=1.15.2

check_tools() {
    ensure_tools curl wrk
    [ "$peers" = 0 ] || ensure_tools nginx node:nodejs npm
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

# switches_of NAME: the words of BENCH_SILO_ENV or BENCH_FRONTEND_ENV for a process of that name, into switches.
switches_of() {
    switches=()
    case "$1" in
        silo*) read -r -a switches <<<"${BENCH_SILO_ENV:-}" ;;
        frontend*) read -r -a switches <<<"${BENCH_FRONTEND_ENV:-}" ;;
    esac
}

# check_switches: each word must be NAME=VALUE, or env would take it for the command to run.
check_switches() {
    local name word switches
    for name in silo frontend; do
        switches_of "$name"
        for word in "${switches[@]}"; do
            [[ "$word" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "BENCH_${name^^}_ENV: '$word' is not NAME=VALUE."
        done
    done
}

# start_process NAME DLL [ARGS...]: runs a published DLL with the current environment (and the switches given for
# it); sets last_pid to the dotnet process itself, whose CPU and memory are read from /proc. The silo and the
# frontend run from /, as in a container. The fake upstream runs from its own folder: its content root is the
# working directory, and a host watching "/" for settings changes burns CPU on every file written on the machine.
start_process() {
    local name="$1" dll="$2" dir=/ switches
    shift 2
    [[ "$name" == upstream* ]] && dir="$(dirname "$dll")"
    switches_of "$name"
    : >"$log_dir/$name.log"
    launch "$dir" "$log_dir/$name.log" env "${switches[@]}" dotnet "$dll" "$@"
    last_pid=$launched_pid
    started+=("$name:$last_pid")
}

# install_portkey: the pinned @portkey-ai/gateway into .local/bench/portkey, unless it is there already. Its only
# install script applies patches the package does not ship, so scripts are not run.
install_portkey() {
    local dir="$bench_dir/portkey" installed
    installed="$(node -p "require('$dir/node_modules/@portkey-ai/gateway/package.json').version" 2>/dev/null || true)"
    [ "$installed" = "$portkey_version" ] && return
    say "installing @portkey-ai/gateway $portkey_version with npm into ${dir#"$repo/"}"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error "@portkey-ai/gateway@$portkey_version" \
        >>"$log_dir/build.log" 2>&1 || die "npm could not install the Portkey gateway; see ${log_dir#"$repo/"}/build.log"
}

# start_peers UPSTREAM_PORT: nginx and the Portkey gateway on loopback, both in front of the fake upstream on
# UPSTREAM_PORT; sets nginx_pid and portkey_pid.
start_peers() {
    local dir="$bench_dir/nginx"
    mkdir -p "$dir/temp"
    cat >"$dir/nginx.conf" <<CONF
# Written by scripts/bench.sh: a bare reverse-proxy hop in front of the fake upstream, for comparison.
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    upstream fake { server 127.0.0.1:$1; keepalive 64; }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
    : >"$log_dir/nginx.log"
    launch "$dir" "$log_dir/nginx.log" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    nginx_pid=$launched_pid
    started+=("nginx:$nginx_pid")

    : >"$log_dir/portkey.log"
    launch "$bench_dir/portkey" "$log_dir/portkey.log" env NODE_ENV=production node --require "$repo/scripts/bench/loopback-only.cjs" \
        node_modules/@portkey-ai/gateway/build/start-server.js --port="$portkey_port" --headless
    portkey_pid=$launched_pid
    started+=("portkey:$portkey_pid")

    wait_for nginx "$nginx_pid" "http://127.0.0.1:$nginx_port/v1/text/ping"
    wait_for portkey "$portkey_pid" "http://127.0.0.1:$portkey_port/"
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
    # As deployed: the owner migrates (the silo's --migrate step), the silo and frontend serve as the non-owner login.
    create_serving_login "$pg_port"
    say "applying the schema as its owner (the silo with --migrate); log in ${log_dir#"$repo/"}/migrate.log"
    (cd / && ConnectionStrings__Migrations="$(owner_connection "$pg_port" tenantchat)" \
        dotnet "$publish_dir/silo/TenantChat.Silo.dll" --migrate) >"$log_dir/migrate.log" 2>&1 ||
        die "the migration step failed; see $log_dir/migrate.log"
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

    check_switches
    publish
    [ "$peers" = 0 ] || install_portkey
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
    nginx_port="" portkey_port=""
    pick_port nginx_port
    pick_port portkey_port
    api_url="http://127.0.0.1:$api_port"
    start_database 9>&-

    say "starting the fake upstream on :$fast_port (no delay) and :$slow_port (200 ms)"
    start_process upstream "$publish_dir/upstream/TenantChat.FakeUpstream.dll" --urls "http://127.0.0.1:$fast_port"
    local fast_pid=$last_pid
    start_process upstream-200ms "$publish_dir/upstream/TenantChat.FakeUpstream.dll" --urls "http://127.0.0.1:$slow_port" --delay-ms 200
    local slow_pid=$last_pid
    wait_for upstream "$fast_pid" "http://127.0.0.1:$fast_port/v1/text/ping"
    wait_for upstream-200ms "$slow_pid" "http://127.0.0.1:$slow_port/v1/text/ping"

    if [ "$peers" != 0 ]; then
        say "starting nginx on :$nginx_port and the Portkey gateway on :$portkey_port, both in front of :$fast_port"
        start_peers "$fast_port"
        export BENCH_OPENAI_UPSTREAM="http://127.0.0.1:$fast_port/v1/chat/completions"
        export BENCH_NGINX="http://127.0.0.1:$nginx_port" BENCH_PORTKEY="http://127.0.0.1:$portkey_port"
        export BENCH_PEER_PIDS="$nginx_pid,$portkey_pid"
    fi
    export BENCH_PG_BIN BENCH_PG_DIR="$work/pg"
    BENCH_PG_BIN="$(pg_bin_dir)"
    export BENCH_SWITCHES="silo: ${BENCH_SILO_ENV:-none}; frontend: ${BENCH_FRONTEND_ENV:-none}"

    BENCH_ADMIN_KEY="$(random_hex)"
    export BENCH_ADMIN_KEY Admin__ApiKey="$BENCH_ADMIN_KEY"
    export ConnectionStrings__Postgres
    ConnectionStrings__Postgres="$(serving_connection "$pg_port" tenantchat)"
    export Orleans__ClusterId=bench Orleans__ServiceId=bench Orleans__AdvertisedIP=127.0.0.1
    export Orleans__SiloPort="$silo_port" Orleans__GatewayPort="$gateway_port" Ai__Provider=text
    # The bench client reads pg_stat_statements, seeds knowledge and runs pgbench as the owner, not as the system.
    export BENCH_API="$api_url" BENCH_PG
    # Their JIT counters, read during the chat warm-up.
    export BENCH_METRICS="http://127.0.0.1:$silo_http_port/metrics,$api_url/metrics"
    BENCH_PG="$(owner_connection "$pg_port" tenantchat)"
    export BENCH_POSTGRES_PID="$postgres_pid"
    export BENCH_UPSTREAM_PIDS="$fast_pid,$slow_pid" BENCH_WRK_SCRIPT="$repo/scripts/bench/wrk.lua"
    # The raw results are kept, so the report can be written again: dotnet .../TenantChat.Bench.dll report DIR docs
    export BENCH_RESULTS="$bench_dir/results"
    rm -rf "$BENCH_RESULTS"
    export BENCH_COMMIT
    BENCH_COMMIT="$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src tests scripts || echo ' (with uncommitted changes)')"

    say "starting a silo and a frontend on the zero-latency upstream"
    start_system "http://127.0.0.1:$fast_port/v1/text" ""
    run_phase "http://127.0.0.1:$fast_port/v1/text" main
    run_phase "http://127.0.0.1:$fast_port/v1/text" knowledge
    if [ "$peers" != 0 ]; then
        stop_pid nginx "$nginx_pid"
        stop_pid portkey "$portkey_pid"
        unset BENCH_OPENAI_UPSTREAM BENCH_NGINX BENCH_PORTKEY BENCH_PEER_PIDS
    fi

    say "restarting the silo and the frontend on the 200 ms upstream"
    stop_system
    start_system "http://127.0.0.1:$slow_port/v1/text" -200ms
    run_phase "http://127.0.0.1:$slow_port/v1/text" slow
    stop_system

    dotnet "$publish_dir/bench/TenantChat.Bench.dll" report "$BENCH_RESULTS" "$docs_dir"
    say "report written: ${docs_dir#"$repo/"}/benchmarks.md and benchmarks.json ($((EPOCHSECONDS - BENCH_STARTED)) s in all)"
    if [ "${BENCH_KNOWLEDGE_DETAIL:-1}" != 0 ]; then
        say "measuring embedding, search and memory of the knowledge feature (scripts/bench-knowledge.sh)"
        KNOWLEDGE_BENCH_OUT="$docs_dir/knowledge-benchmark.md" bash "$repo/scripts/bench-knowledge.sh"
    fi
}

main "$@"
