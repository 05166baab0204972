#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts all of TenantChat on this machine: a private PostgreSQL, one silo and one web frontend run from their
# `dotnet publish` output, and two demo tenants. It stays in the foreground; Ctrl-C stops everything and keeps
# the data in .local/ for the next run.
#
# Optional settings (environment variables):
#   TENANTCHAT_PG_PORT        PostgreSQL port                          55432
#   TENANTCHAT_SILO_PORT      Orleans silo-to-silo port                11111
#   TENANTCHAT_GATEWAY_PORT   Orleans gateway port (the frontend's)    30000
#   TENANTCHAT_SILO_URL       the silo's HTTP endpoint (health)        http://127.0.0.1:8081
#   TENANTCHAT_FRONTEND_URL   the HTTP API                             http://127.0.0.1:8080
#   TENANTCHAT_READY_TIMEOUT  seconds to wait for /health/ready        120
#   AI_PROVIDER, AI_BASE_URL  Ai:Provider and Ai:BaseUrl               mock, none
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/postgres.sh
source "$repo/scripts/lib/postgres.sh"

pg_port="${TENANTCHAT_PG_PORT:-55432}"
silo_port="${TENANTCHAT_SILO_PORT:-11111}"
gateway_port="${TENANTCHAT_GATEWAY_PORT:-30000}"
silo_url="${TENANTCHAT_SILO_URL:-http://127.0.0.1:8081}"
api_url="${TENANTCHAT_FRONTEND_URL:-http://127.0.0.1:8080}"
ready_timeout="${TENANTCHAT_READY_TIMEOUT:-120}"
ai_provider="${AI_PROVIDER:-mock}"
ai_base_url="${AI_BASE_URL:-}"

local_dir="$repo/.local"
pg_dir="$local_dir/postgres"
publish_dir="$local_dir/publish"
log_dir="$local_dir/logs"
key_file="$local_dir/operator-key"

say() { printf '==> %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# die_with_log NAME MESSAGE: the reason first, then the end of that process's log, which usually says why.
die_with_log() {
    printf 'run.sh: the %s %s. Last lines of %s:\n' "$1" "$2" "$log_dir/$1.log" >&2
    tail -n 40 "$log_dir/$1.log" >&2 || true
    exit 1
}

# A fresh Debian may lack curl and jq; the script and the printed examples need both.
ensure_tools() {
    command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not installed."
    local tool missing=()
    for tool in curl jq; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]} with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

url_port() {
    local port="${1##*:}"
    printf '%s' "${port%%/*}"
}

# Fails early with a clear message instead of a bind error buried in a log.
check_ports_free() {
    local port
    for port in "$silo_port" "$gateway_port" "$(url_port "$silo_url")" "$(url_port "$api_url")"; do
        if [[ "$port" =~ ^[0-9]+$ ]] && port_in_use "$port"; then
            die "port $port is already in use (see ss -ltnp); free it or choose another with the TENANTCHAT_* variables."
        fi
    done
}

# stop_process NAME PID: SIGTERM lets Orleans leave the cluster cleanly; SIGKILL only if that takes over 30 s.
stop_process() {
    local name="$1" pid="$2" i
    kill -0 "$pid" 2>/dev/null || return 0
    say "stopping the $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# A run killed with SIGKILL cannot clean up; its processes would hold the ports, so stop them first. Only a
# recorded pid whose command line still names our publish folder is touched (pids get reused).
stop_leftovers() {
    local name pid_file pid
    for name in frontend silo; do
        pid_file="$local_dir/$name.pid"
        [ -f "$pid_file" ] || continue
        pid="$(<"$pid_file")"
        if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$publish_dir/$name/"; then
            stop_process "$name left over from an earlier run" "$pid"
        fi
        rm -f "$pid_file"
    done
}

# shellcheck disable=SC2317 # reached through the EXIT trap only
cleanup() {
    trap '' INT TERM # a second Ctrl-C must not leave half of the system running
    [ -n "${frontend_pid:-}" ] && stop_process frontend "$frontend_pid"
    [ -n "${silo_pid:-}" ] && stop_process silo "$silo_pid"
    rm -f "$local_dir/frontend.pid" "$local_dir/silo.pid"
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        say "stopping PostgreSQL (data kept in ${pg_dir#"$repo/"})"
        stop_postgres "$pg_dir"
    fi
}

start_database() {
    ensure_postgres_installed
    local bin running_port
    bin="$(pg_bin_dir)"
    # The server runs as the postgres user, which must be able to walk down to our data folder.
    if [ "$(id -u)" = "0" ] && ! runuser -u postgres -- test -x "$local_dir"; then
        die "the postgres user cannot reach $local_dir (a parent folder such as /root is not searchable); move the repository or run chmod o+x on its parents."
    fi
    if [ -f "$pg_dir/data/PG_VERSION" ] && as_postgres "$bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
        running_port="$(sed -n 4p "$pg_dir/data/postmaster.pid")"
        if [ "$running_port" = "$pg_port" ]; then
            say "PostgreSQL already running on port $pg_port"
        else
            say "PostgreSQL is running on port $running_port; restarting it on $pg_port"
            stop_postgres "$pg_dir"
        fi
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
        port_in_use "$pg_port" && die "port $pg_port is already in use; choose another with TENANTCHAT_PG_PORT."
        say "starting PostgreSQL on 127.0.0.1:$pg_port (data in ${pg_dir#"$repo/"})"
        # fd 9 holds our run lock; a long-lived server must not inherit it.
        start_postgres "$pg_dir" "$pg_port" 9>&- || {
            tail -n 20 "$pg_dir/server.log" >&2 || true
            die "PostgreSQL did not start; its log is $pg_dir/server.log"
        }
    fi
    ln -sfn ../postgres/server.log "$log_dir/postgres.log"

    local exists
    exists="$("$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qtAc "select 1 from pg_database where datname = 'tenantchat'")"
    if [ "$exists" != "1" ]; then
        say "creating database tenantchat"
        "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "create database tenantchat" >/dev/null
    fi
}

build() {
    say "publishing the silo and the frontend (Release) into ${publish_dir#"$repo/"}; log in ${log_dir#"$repo/"}/build.log"
    {
        dotnet publish "$repo/src/Silo/Silo.csproj" -c Release -o "$publish_dir/silo" --nologo &&
            dotnet publish "$repo/src/WebFrontend/WebFrontend.csproj" -c Release -o "$publish_dir/frontend" --nologo
    } </dev/null >"$log_dir/build.log" 2>&1 || {
        tail -n 40 "$log_dir/build.log" >&2
        die "the build failed; the whole output is in $log_dir/build.log"
    }
}

# start_process NAME DLL URL [NAME=VALUE...]: runs a published DLL from /, not from the repository, so nothing
# can lean on the working directory. Sets $! to the dotnet process itself (exec). Its stdin is /dev/null so a
# service never reads from or reconfigures the terminal.
start_process() {
    local name="$1" dll="$2" url="$3"
    shift 3
    [ -f "$log_dir/$name.log" ] && mv -f "$log_dir/$name.log" "$log_dir/$name.previous.log"
    (cd / && exec env ASPNETCORE_URLS="$url" "$@" dotnet "$dll") </dev/null >"$log_dir/$name.log" 2>&1 9>&- &
    echo "$!" >"$local_dir/$name.pid"
}

# wait_ready NAME PID URL: polls /health/ready until it answers 200, the process dies, or the time is up.
wait_ready() {
    local name="$1" pid="$2" url="$3" deadline=$((SECONDS + ready_timeout))
    until curl -fsS -o /dev/null --max-time 5 "$url/health/ready" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || die_with_log "$name" "exited during start-up"
        ((SECONDS < deadline)) || die_with_log "$name" "was not ready at $url/health/ready after ${ready_timeout}s"
        sleep 1
    done
    say "$name ready at $url"
}

# The operator key is generated once, so restarts (and the examples printed earlier) keep working.
# secret FILE: a random 64-hex-digit secret, made once and kept, so restarts keep keys and issued tokens valid.
secret() {
    if [ ! -s "$1" ]; then
        (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$1")
    fi
    cat "$1"
}

operator_key() { secret "$key_file"; }

# operator_curl ARGS...: the key goes in through a file descriptor, so it never shows in `ps`.
operator_curl() {
    curl -sS -H @<(printf 'Authorization: Bearer %s\n' "$admin_key") "$@"
}

find_tenant_id() {
    local domain="$1" cursor="" page id
    while :; do
        page="$(operator_curl -f "$api_url/api/admin/tenants?limit=200${cursor:+&cursor=$cursor}")"
        id="$(jq -r --arg domain "$domain" '.items[] | select(.domain == $domain) | .id' <<<"$page")"
        [ -n "$id" ] && { printf '%s' "$id"; return; }
        cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
        [ -n "$cursor" ] || die "tenant $domain exists (409) but is not in the operator's tenant list."
    done
}

# ensure_tenant < BODY: creates the tenant, or finds the one that already has this domain (409); prints its id.
ensure_tenant() {
    local body domain response status
    body="$(cat)"
    domain="$(jq -r .domain <<<"$body")"
    response="$(operator_curl -X POST "$api_url/api/admin/tenants" -H 'Content-Type: application/json' \
        -d "$body" -w '\n%{http_code}')"
    status="${response##*$'\n'}"
    response="${response%$'\n'*}"
    case "$status" in
        201) jq -r .id <<<"$response" ;;
        409) find_tenant_id "$domain" ;;
        *) die "creating tenant $domain failed with HTTP $status: $response" ;;
    esac
}

create_demo_tenants() {
    tenant1_id="$(ensure_tenant <<'JSON'
{ "name": "Acme", "domain": "tenant1.localhost", "system_prompt": "Explain things like I'm five",
  "token_limit": 100000, "model": "mock-1", "seed": 42, "allowed_models": ["mock-1", "mock-2"] }
JSON
    )"
    tenant2_id="$(ensure_tenant <<'JSON'
{ "name": "Globex", "domain": "tenant2.localhost",
  "system_prompt": "You are a formal, professional support agent for Globex. Answer precisely.",
  "token_limit": 50000, "model": "mock-1" }
JSON
    )"
    say "demo tenants: tenant1.localhost (Acme) $tenant1_id, tenant2.localhost (Globex) $tenant2_id"
}

print_examples() {
    cat <<EOF

TenantChat is running. Ctrl-C stops it; the data stays in ${pg_dir#"$repo/"}.
  frontend   $api_url                    log: ${log_dir#"$repo/"}/frontend.log
  silo       $silo_url/health/ready      log: ${log_dir#"$repo/"}/silo.log
  postgres   127.0.0.1:$pg_port database tenantchat   log: ${log_dir#"$repo/"}/postgres.log
  AI         $ai_provider${ai_base_url:+ at $ai_base_url}
  operator key (Admin:ApiKey, kept in ${key_file#"$repo/"}): $admin_key

Try it from another shell (paste these four lines first):
  API=$api_url
  KEY=$admin_key
  T1=$tenant1_id
  T2=$tenant2_id

EOF
    cat <<'EOF'
# Chat as tenant1 (Acme: "explain like I'm five") and as tenant2 (Globex: a formal support agent)
curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Explain the theory of relativity simply"}'
curl -s "$API/api/chat/call" -H 'Host: tenant2.localhost' -H 'Content-Type: application/json' -d '{"prompt":"How do I reset my password?"}'

# Continue a conversation: send back the conversation_id of an earlier answer
CONV=$(curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Why is the sky blue?"}' | jq -r .conversation_id)
curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d "{\"prompt\":\"And why are sunsets red?\",\"conversation_id\":\"$CONV\"}"

# Operator: every tenant, then one (tokens_used and calls climb with each chat)
curl -s "$API/api/admin/tenants" -H "Authorization: Bearer $KEY"
curl -s "$API/api/admin/tenants/$T1" -H "Authorization: Bearer $KEY" | jq '{tokens_used, tokens_remaining, calls, period_start}'

# Budget: shrink tenant2's token_limit and the next call is refused (429 token_limit_exceeded); then restore it
curl -s -X PATCH "$API/api/admin/tenants/$T2" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"token_limit":10}'
curl -s -w '\nHTTP %{http_code}\n' "$API/api/chat/call" -H 'Host: tenant2.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Are you still there?"}'
curl -s -X PATCH "$API/api/admin/tenants/$T2" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"token_limit":50000}'

# Reset tenant1's usage: tokens_used back to 0, period_start now
curl -s -X POST "$API/api/admin/tenants/$T1/usage/reset" -H "Authorization: Bearer $KEY"

EOF
}

main() {
    ensure_tools
    mkdir -p "$local_dir" "$log_dir"
    # One run per checkout: a second one would fight over the ports and the data folder.
    exec 9>"$local_dir/run.lock"
    flock -n 9 || die "scripts/run.sh is already running for this checkout."
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    stop_leftovers
    check_ports_free
    start_database
    build
    admin_key="$(operator_key)"

    export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=tenantchat"
    export Orleans__AdvertisedIP=127.0.0.1 Orleans__SiloPort="$silo_port" Orleans__GatewayPort="$gateway_port"
    export Ai__Provider="$ai_provider"
    if [ -n "$ai_base_url" ]; then export Ai__BaseUrl="$ai_base_url"; fi

    say "starting the silo and the frontend (from their publish folders, working directory /)"
    start_process silo "$publish_dir/silo/TenantChat.Silo.dll" "$silo_url"
    silo_pid=$!
    # Only the frontend serves the operator API, so only it gets the key.
    start_process frontend "$publish_dir/frontend/TenantChat.WebFrontend.dll" "$api_url" Admin__ApiKey="$admin_key" \
        Auth__SigningKey="$(secret "$local_dir/auth-signing-key")"
    frontend_pid=$!
    wait_ready silo "$silo_pid" "$silo_url"
    wait_ready frontend "$frontend_pid" "$api_url"

    create_demo_tenants
    print_examples

    # In the foreground until Ctrl-C; if either process dies by itself, stop the rest rather than half-run.
    local status=0
    wait -n "$silo_pid" "$frontend_pid" || status=$?
    if ! kill -0 "$silo_pid" 2>/dev/null; then
        die_with_log silo "stopped unexpectedly (exit status $status)"
    fi
    die_with_log frontend "stopped unexpectedly (exit status $status)"
}

main "$@"
