# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck disable=SC2154 # repo, script_name and admin_key are set by the script that sources this file
# What scripts/run.sh (one silo, one frontend) and scripts/cluster.sh (two of each) share: the private PostgreSQL in
# .local/, the Release build, starting and stopping the published processes, the operator key and the demo tenants.
# Source with repo and script_name (for messages) set. Each process is known by a name (silo, frontend1, ...): its
# log is .local/logs/NAME.log and its pid .local/NAME.pid; the part of the name before any digit is its publish folder.
#
# Settings both scripts take (environment variables):
#   TENANTCHAT_PG_PORT        PostgreSQL port                          55432
#   TENANTCHAT_READY_TIMEOUT  seconds to wait for each /health/ready   120
#   AI_PROVIDER, AI_BASE_URL  Ai:Provider and Ai:BaseUrl               mock, none

# shellcheck source=scripts/lib/postgres.sh
source "$repo/scripts/lib/postgres.sh"

pg_port="${TENANTCHAT_PG_PORT:-55432}"
ready_timeout="${TENANTCHAT_READY_TIMEOUT:-120}"
ai_provider="${AI_PROVIDER:-mock}"
ai_base_url="${AI_BASE_URL:-}"

local_dir="$repo/.local"
pg_dir="$local_dir/postgres"
publish_dir="$local_dir/publish"
log_dir="$local_dir/logs"
key_file="$local_dir/operator-key"

say() { printf '==> %s\n' "$*"; }
die() { printf '%s: %s\n' "$script_name" "$*" >&2; exit 1; }

# die_with_log NAME MESSAGE: the reason first, then the end of that process's log, which usually says why.
die_with_log() {
    printf '%s: the %s %s. Last lines of %s:\n' "$script_name" "$1" "$2" "$log_dir/$1.log" >&2
    tail -n 40 "$log_dir/$1.log" >&2 || true
    exit 1
}

# ensure_tools TOOL...: a fresh Debian may lack curl, jq or wrk; install the missing ones with apt-get.
ensure_tools() {
    command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not installed."
    local tool missing=()
    for tool in "$@"; do
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

# check_ports_free PORT|URL...: fails early with a clear message instead of a bind error buried in a log.
check_ports_free() {
    local port
    for port in "$@"; do
        port="$(url_port "$port")"
        if [[ "$port" =~ ^[0-9]+$ ]] && port_in_use "$port"; then
            die "port $port is already in use (see ss -ltnp); free it or choose another with the TENANTCHAT_* variables."
        fi
    done
}

# stop_process NAME PID: SIGTERM lets the process finish its calls in flight and leave the cluster cleanly;
# SIGKILL only if that takes over a minute (longer than the processes' own shutdown timeout).
stop_process() {
    local name="$1" pid="$2" i
    kill -0 "$pid" 2>/dev/null || return 0
    say "stopping the $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 120; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# stop_processes NAME...: each named process of this checkout that is still running, in the order given.
stop_processes() {
    local name pid_file
    for name in "$@"; do
        pid_file="$local_dir/$name.pid"
        [ -f "$pid_file" ] || continue
        stop_process "$name" "$(<"$pid_file")"
        rm -f "$pid_file"
    done
}

# stop_leftovers: a run killed with SIGKILL cannot clean up; its processes would hold the ports, so stop them
# first. Only a recorded pid whose command line still names our publish folder is touched (pids get reused).
stop_leftovers() {
    local pid_file pid name
    for pid_file in "$local_dir"/*.pid; do
        [ -f "$pid_file" ] || continue
        name="$(basename "$pid_file" .pid)"
        pid="$(<"$pid_file")"
        if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$publish_dir/${name%%[0-9]*}/"; then
            stop_process "$name left over from an earlier run" "$pid"
        fi
        rm -f "$pid_file"
    done
}

# begin_run: the tools, the checkout's lock, the traps (the script's own cleanup on exit; Ctrl-C and SIGTERM exit
# through it), and whatever an earlier run killed with SIGKILL left running.
begin_run() {
    ensure_tools curl jq
    lock_checkout
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    stop_leftovers
}

# prepare_system: the database up, the processes built, the operator key made, the shared settings exported.
prepare_system() {
    start_database
    build
    admin_key="$(operator_key)"
    export_common_settings
}

stop_database() {
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        say "stopping PostgreSQL (data kept in ${pg_dir#"$repo/"})"
        stop_postgres "$pg_dir"
    fi
}

# lock_checkout: one run per checkout; a second one would fight over the ports and the data folder. Holds fd 9.
lock_checkout() {
    mkdir -p "$local_dir" "$log_dir"
    exec 9>"$local_dir/run.lock"
    flock -n 9 || die "scripts/run.sh or scripts/cluster.sh is already running for this checkout."
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

# The environment every process of the local system shares: the database, loopback addresses, the AI provider.
export_common_settings() {
    export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=tenantchat"
    export Orleans__AdvertisedIP=127.0.0.1
    export Ai__Provider="$ai_provider"
    if [ -n "$ai_base_url" ]; then export Ai__BaseUrl="$ai_base_url"; fi
}

# start_silo NAME URL SILO_PORT GATEWAY_PORT: a silo from its publish folder.
start_silo() {
    start_process "$1" "$publish_dir/silo/TenantChat.Silo.dll" "$2" Orleans__SiloPort="$3" Orleans__GatewayPort="$4"
}

# start_frontend NAME URL: a frontend; only frontends serve the operator API, so only they get the keys.
start_frontend() {
    start_process "$1" "$publish_dir/frontend/TenantChat.WebFrontend.dll" "$2" Admin__ApiKey="$admin_key" \
        Auth__SigningKey="$(secret "$local_dir/auth-signing-key")"
}

# start_process NAME DLL URL [NAME=VALUE...]: runs a published DLL from /, not from the repository, so nothing
# can lean on the working directory. Records the dotnet process itself (exec) in .local/NAME.pid. Its stdin is
# /dev/null so a service never reads from or reconfigures the terminal.
start_process() {
    local name="$1" dll="$2" url="$3"
    shift 3
    [ -f "$log_dir/$name.log" ] && mv -f "$log_dir/$name.log" "$log_dir/$name.previous.log"
    (cd / && exec env ASPNETCORE_URLS="$url" "$@" dotnet "$dll") </dev/null >"$log_dir/$name.log" 2>&1 9>&- &
    echo "$!" >"$local_dir/$name.pid"
}

process_pid() { cat "$local_dir/$1.pid" 2>/dev/null; }

# wait_ready NAME URL: polls /health/ready until it answers 200, the process dies, or the time is up.
wait_ready() {
    local name="$1" url="$2" pid deadline=$((SECONDS + ready_timeout))
    pid="$(process_pid "$name")"
    until curl -fsS -o /dev/null --max-time 5 "$url/health/ready" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || die_with_log "$name" "exited during start-up"
        ((SECONDS < deadline)) || die_with_log "$name" "was not ready at $url/health/ready after ${ready_timeout}s"
        sleep 1
    done
    say "$name ready at $url"
}

# secret FILE: a random 64-hex-digit secret, made once and kept, so restarts keep keys and issued tokens valid
# (and the operator key printed by an earlier run keeps working).
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

# find_tenant_id API DOMAIN
find_tenant_id() {
    local api="$1" domain="$2" cursor="" page id
    while :; do
        page="$(operator_curl -f "$api/api/admin/tenants?limit=200${cursor:+&cursor=$cursor}")"
        id="$(jq -r --arg domain "$domain" '.items[] | select(.domain == $domain) | .id' <<<"$page")"
        [ -n "$id" ] && { printf '%s' "$id"; return; }
        cursor="$(jq -r '.next_cursor // empty' <<<"$page")"
        [ -n "$cursor" ] || die "tenant $domain exists (409) but is not in the operator's tenant list."
    done
}

# ensure_tenant API < BODY: creates the tenant, or finds the one that already has this domain (409); prints its id.
ensure_tenant() {
    local api="$1" body domain response status
    body="$(cat)"
    domain="$(jq -r .domain <<<"$body")"
    response="$(operator_curl -X POST "$api/api/admin/tenants" -H 'Content-Type: application/json' \
        -d "$body" -w '\n%{http_code}')"
    status="${response##*$'\n'}"
    response="${response%$'\n'*}"
    case "$status" in
        201) jq -r .id <<<"$response" ;;
        409) find_tenant_id "$api" "$domain" ;;
        *) die "creating tenant $domain failed with HTTP $status: $response" ;;
    esac
}

# create_demo_tenants API: Acme on tenant1.localhost and Globex on tenant2.localhost; sets tenant1_id, tenant2_id.
create_demo_tenants() {
    tenant1_id="$(ensure_tenant "$1" <<'JSON'
{ "name": "Acme", "domain": "tenant1.localhost", "system_prompt": "Explain things like I'm five",
  "token_limit": 100000, "model": "mock-1", "seed": 42, "allowed_models": ["mock-1", "mock-2"] }
JSON
    )"
    tenant2_id="$(ensure_tenant "$1" <<'JSON'
{ "name": "Globex", "domain": "tenant2.localhost",
  "system_prompt": "You are a formal, professional support agent for Globex. Answer precisely.",
  "token_limit": 50000, "model": "mock-1" }
JSON
    )"
    say "demo tenants: tenant1.localhost (Acme) $tenant1_id, tenant2.localhost (Globex) $tenant2_id"
}

# print_try_it API: the variables to paste and the curl examples, after the caller's own lines on what runs where.
print_try_it() {
    cat <<EOF
  postgres   127.0.0.1:$pg_port database tenantchat   log: ${log_dir#"$repo/"}/postgres.log
  AI         $ai_provider${ai_base_url:+ at $ai_base_url}
  operator key (Admin:ApiKey, kept in ${key_file#"$repo/"}): $admin_key

Try it from another shell (paste these four lines first):
  API=$1
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
