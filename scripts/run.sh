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
script_name=run.sh
# shellcheck source=lib/local-stack.sh
source "$repo/scripts/lib/local-stack.sh"

silo_port="${TENANTCHAT_SILO_PORT:-11111}"
gateway_port="${TENANTCHAT_GATEWAY_PORT:-30000}"
silo_url="${TENANTCHAT_SILO_URL:-http://127.0.0.1:8081}"
api_url="${TENANTCHAT_FRONTEND_URL:-http://127.0.0.1:8080}"

# shellcheck disable=SC2317 # reached through the EXIT trap only
cleanup() {
    trap '' INT TERM # a second Ctrl-C must not leave half of the system running
    stop_processes frontend silo
    stop_database
}

print_examples() {
    cat <<EOF

TenantChat is running. Ctrl-C stops it; the data stays in ${pg_dir#"$repo/"}.
  frontend   $api_url                    log: ${log_dir#"$repo/"}/frontend.log
  silo       $silo_url/health/ready      log: ${log_dir#"$repo/"}/silo.log
EOF
    print_try_it "$api_url"
}

main() {
    begin_run
    check_ports_free "$silo_port" "$gateway_port" "$silo_url" "$api_url"
    prepare_system
    say "starting the silo and the frontend (from their publish folders, working directory /)"
    start_silo silo "$silo_url" "$silo_port" "$gateway_port"
    start_frontend frontend "$api_url"
    wait_ready silo "$silo_url"
    wait_ready frontend "$api_url"

    create_demo_tenants "$api_url"
    print_examples

    # In the foreground until Ctrl-C; if either process dies by itself, stop the rest rather than half-run.
    local status=0
    wait -n "$(process_pid silo)" "$(process_pid frontend)" || status=$?
    if ! kill -0 "$(process_pid silo)" 2>/dev/null; then
        die_with_log silo "stopped unexpectedly (exit status $status)"
    fi
    die_with_log frontend "stopped unexpectedly (exit status $status)"
}

main "$@"
