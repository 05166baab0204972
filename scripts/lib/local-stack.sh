# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck disable=SC2154 # repo and script_name are set by the script that sources this file
# What scripts/run.sh (one silo, one frontend) and scripts/cluster.sh (two of each) share: the private PostgreSQL in
# .local/, the Release build, starting and stopping the published processes, the operator key and the demo tenants.
# Source with repo and script_name (for messages) set. Each process is known by a name (silo, frontend1, ...): its
# log is .local/logs/NAME.log and its pid .local/NAME.pid; the part of the name before any digit is its publish folder.
#
# Settings both scripts take (environment variables):
#   TENANTCHAT_PG_PORT        PostgreSQL port                          55432
#   TENANTCHAT_READY_TIMEOUT  seconds to wait for each /health/ready   120
#   AI_PROVIDER, AI_BASE_URL  Ai:Provider and Ai:BaseUrl               mock, none

# shellcheck source=scripts/lib/common.sh
source "$repo/scripts/lib/common.sh"
# shellcheck source=scripts/lib/processes.sh
source "$repo/scripts/lib/processes.sh"
# shellcheck source=scripts/lib/postgres.sh
source "$repo/scripts/lib/postgres.sh"
# shellcheck source=scripts/lib/demo-tenants.sh
source "$repo/scripts/lib/demo-tenants.sh"

pg_port="${TENANTCHAT_PG_PORT:-55432}"
ready_timeout="${TENANTCHAT_READY_TIMEOUT:-120}"
ai_provider="${AI_PROVIDER:-mock}"
ai_base_url="${AI_BASE_URL:-}"

local_dir="$repo/.local"
pg_dir="$local_dir/postgres"
publish_dir="$local_dir/publish"
log_dir="$local_dir/logs"
key_file="$local_dir/operator-key"

# die_with_log NAME MESSAGE: the reason first, then the end of that process's log, which usually says why.
die_with_log() {
    printf '%s: the %s %s. Last lines of %s:\n' "$script_name" "$1" "$2" "$log_dir/$1.log" >&2
    tail -n 40 "$log_dir/$1.log" >&2 || true
    exit 1
}

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

# stop_processes NAME...: each named process of this checkout that is still running, one after the other in the order
# given. SIGKILL only if one takes over a minute (longer than the processes' own shutdown timeout).
stop_processes() {
    local name pid
    for name in "$@"; do
        pid="$(process_pid "$name")" || continue
        if pid_running "$pid"; then
            say "stopping the $name (pid $pid)"
            stop_pids TERM 60 "$pid" || say "the $name did not stop within 60 s; killed"
        fi
        rm -f "$local_dir/$name.pid"
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
            say "stopping the $name left over from an earlier run (pid $pid)"
            stop_pids TERM 60 "$pid" || true
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
    say "publishing the silo and the frontend (Release) into ${publish_dir#"$repo/"}; log in ${log_dir#"$repo/"}/build.log"
    : >"$log_dir/build.log"
    publish_projects "$publish_dir" "$log_dir/build.log" silo=src/Silo/Silo.csproj frontend=src/WebFrontend/WebFrontend.csproj ||
        die "the build failed"
    migrate_schema
    admin_key="$(secret "$key_file")"
    export_common_settings
}

# migrate_schema: the migration step, as the schema owner (postgres): the published silo with --migrate applies sql/
# and exits. The processes started afterwards serve as the serving login and only check the schema.
migrate_schema() {
    say "applying the schema as its owner (the silo with --migrate); log in ${log_dir#"$repo/"}/migrate.log"
    (cd / && ConnectionStrings__Migrations="$(owner_connection "$pg_port" tenantchat)" \
        dotnet "$publish_dir/silo/TenantChat.Silo.dll" --migrate 9>&-) >"$log_dir/migrate.log" 2>&1 ||
        die_with_log migrate "step failed"
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
    create_serving_login "$pg_port" || die "could not create the serving login $SERVING_LOGIN"
}

stop_database() {
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
        say "stopping PostgreSQL (data kept in ${pg_dir#"$repo/"})"
        stop_postgres "$pg_dir"
    fi
}

# The environment every process of the local system shares: the database (as the serving login, never the owner),
# loopback addresses, the AI provider.
export_common_settings() {
    export ConnectionStrings__Postgres
    ConnectionStrings__Postgres="$(serving_connection "$pg_port" tenantchat)"
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

# start_process NAME DLL URL [NAME=VALUE...]: runs a published DLL from /, not from the repository, so nothing can
# lean on the working directory; the dotnet process itself is recorded in .local/NAME.pid. The log of the run before
# is kept as NAME.previous.log.
start_process() {
    local name="$1" dll="$2" url="$3"
    shift 3
    [ -f "$log_dir/$name.log" ] && mv -f "$log_dir/$name.log" "$log_dir/$name.previous.log"
    launch / "$log_dir/$name.log" env ASPNETCORE_URLS="$url" "$@" dotnet "$dll"
    echo "$launched_pid" >"$local_dir/$name.pid"
}

process_pid() { cat "$local_dir/$1.pid" 2>/dev/null; }

# wait_ready NAME URL: until its /health/ready answers 200; if the process dies or the time is up, the end of its log.
wait_ready() {
    local reason
    reason="$(wait_http "$1" "$(process_pid "$1")" "$2/health/ready" "$ready_timeout" 2>&1)" ||
        die_with_log "$1" "did not become ready (${reason#"the $1 "})"
    say "$1 ready at $2"
}

# secret FILE: a random 64-hex-digit secret, made once and kept, so restarts keep keys and issued tokens valid
# (and the operator key printed by an earlier run keeps working).
secret() {
    if [ ! -s "$1" ]; then
        (umask 077 && random_hex >"$1")
    fi
    cat "$1"
}
