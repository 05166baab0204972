# shellcheck shell=bash
# Local PostgreSQL for development and tests: installs the server if missing, runs a private cluster in a
# folder of ours on a port of ours, never touching a system-wide instance. Source this file; it defines functions.

pg_bin_dir() {
    # shellcheck disable=SC2012 # Debian's version folders are plain numbers
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_postgres_installed() {
    if [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ]; then
        echo "PostgreSQL server not found; installing it with apt-get." >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
}

# Runs a PostgreSQL command as the postgres user when we are root (initdb refuses root).
as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# start_postgres DIR PORT: initializes DIR/data on first use and starts the server on 127.0.0.1:PORT.
# PG_OPTIONS adds server options (the benchmark loads pg_stat_statements with it).
start_postgres() {
    local dir="$1" port="$2" bin
    bin="$(pg_bin_dir)"
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
    fi
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on} ${PG_OPTIONS:-}" start >/dev/null
}

stop_postgres() {
    local dir="$1"
    [ -f "$dir/data/postmaster.pid" ] && as_postgres "$(pg_bin_dir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
    return 0
}

# The login the silos and frontends serve with (docs/behaviour.md, "Row-level security"); the server's superuser,
# postgres, owns the schema and only migrates.
SERVING_LOGIN="${SERVING_LOGIN:-tenantchat_silo}"

# create_serving_login PORT: creates SERVING_LOGIN on the server at 127.0.0.1:PORT if missing and makes it a member
# of tenantchat_app, with deploy/postgres/serving-login.sql, the script docker compose runs too. No password: this
# server trusts loopback. Server-wide and idempotent, so once per server is enough.
create_serving_login() {
    local port="$1" script
    script="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/postgres/serving-login.sql"
    env -u TENANTCHAT_DB_PASSWORD "$(pg_bin_dir)/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qX \
        -v ON_ERROR_STOP=1 -v login="$SERVING_LOGIN" -f "$script" >/dev/null
}

# serving_connection PORT DATABASE / owner_connection PORT DATABASE: the connection strings of the two logins.
serving_connection() { printf 'Host=127.0.0.1;Port=%s;Username=%s;Database=%s' "$1" "$SERVING_LOGIN" "$2"; }
owner_connection() { printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=%s' "$1" "$2"; }
