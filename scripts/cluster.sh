#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts the docker-compose topology as plain processes on this machine: a private PostgreSQL (the same one and the
# same data as scripts/run.sh, in .local/), two silos of one cluster and two web frontends, each run from its
# `dotnet publish` output, and the two demo tenants. Any frontend serves any tenant; kill a silo and the other takes
# over its tenants. It stays in the foreground; Ctrl-C stops everything (SIGTERM, so calls in flight finish) and
# keeps the data for the next run. run.sh and cluster.sh exclude each other: they share ports and data.
#
# Optional settings (environment variables):
#   TENANTCHAT_PG_PORT        PostgreSQL port                                         55432
#   TENANTCHAT_SILO_PORT      silo1's silo-to-silo port; silo2 uses the next one      11111
#   TENANTCHAT_GATEWAY_PORT   silo1's gateway port; silo2 uses the next one           30000
#   TENANTCHAT_SILO1_URL      silo1's HTTP endpoint (health)                          http://127.0.0.1:8081
#   TENANTCHAT_SILO2_URL      silo2's HTTP endpoint (health)                          http://127.0.0.1:8091
#   TENANTCHAT_FRONTEND1_URL  the HTTP API, first frontend                            http://127.0.0.1:8080
#   TENANTCHAT_FRONTEND2_URL  the HTTP API, second frontend                           http://127.0.0.1:8090
#   TENANTCHAT_READY_TIMEOUT  seconds to wait for each /health/ready                  120
#   AI_PROVIDER, AI_BASE_URL  Ai:Provider and Ai:BaseUrl                              mock, none
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script_name=cluster.sh
# shellcheck source=lib/local-stack.sh
source "$repo/scripts/lib/local-stack.sh"

silo1_port="${TENANTCHAT_SILO_PORT:-11111}"
gateway1_port="${TENANTCHAT_GATEWAY_PORT:-30000}"
silo1_url="${TENANTCHAT_SILO1_URL:-http://127.0.0.1:8081}"
silo2_url="${TENANTCHAT_SILO2_URL:-http://127.0.0.1:8091}"
api1_url="${TENANTCHAT_FRONTEND1_URL:-http://127.0.0.1:8080}"
api2_url="${TENANTCHAT_FRONTEND2_URL:-http://127.0.0.1:8090}"

silos=(silo1 silo2)
frontends=(frontend1 frontend2)

# shellcheck disable=SC2317 # reached through the EXIT trap only
cleanup() {
    trap '' INT TERM # a second Ctrl-C must not leave half of the system running
    # Frontends first, so no new call reaches a silo that is leaving.
    stop_processes "${frontends[@]}" "${silos[@]}"
    stop_database
}

print_examples() {
    local logs="${log_dir#"$repo/"}"
    cat <<EOF

TenantChat is running as a cluster. Ctrl-C stops it; the data stays in ${pg_dir#"$repo/"}.
  frontend1  $api1_url                    log: $logs/frontend1.log
  frontend2  $api2_url                    log: $logs/frontend2.log
  silo1      $silo1_url/health/ready      ports $silo1_port/$gateway1_port   log: $logs/silo1.log
  silo2      $silo2_url/health/ready      ports $((silo1_port + 1))/$((gateway1_port + 1))   log: $logs/silo2.log
EOF
    print_try_it "$api1_url"
    cat <<EOF
# The same tenant through the other frontend: either one serves every tenant
API2=$api2_url
EOF
    cat <<'EOF'
curl -s "$API2/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Hello from the second frontend"}'

# Fail over: kill one silo without warning; within seconds the other serves its tenants, through both frontends
EOF
    cat <<EOF
kill -9 \$(cat $local_dir/silo1.pid)
EOF
    cat <<'EOF'
curl -s "$API/api/chat/call" -H 'Host: tenant1.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Still there?"}'
curl -s "$API2/api/chat/call" -H 'Host: tenant2.localhost' -H 'Content-Type: application/json' -d '{"prompt":"Still there?"}'

EOF
}

# Until Ctrl-C. A process that exits is reported and the rest go on, as a cluster should; only when no silo or no
# frontend is left is there nothing to serve with, and everything stops.
watch_processes() {
    local running=("${silos[@]}" "${frontends[@]}") name pids status still
    while :; do
        pids=()
        for name in "${running[@]}"; do pids+=("$(process_pid "$name")"); done
        status=0
        wait -n "${pids[@]}" || status=$?
        still=()
        for name in "${running[@]}"; do
            if kill -0 "$(process_pid "$name")" 2>/dev/null; then
                still+=("$name")
            else
                say "$name exited (status $status; its log is ${log_dir#"$repo/"}/$name.log); the others keep serving"
                rm -f "$local_dir/$name.pid"
            fi
        done
        running=("${still[@]}")
        [[ " ${running[*]} " == *" silo"* ]] || die "no silo is left running; stopping."
        [[ " ${running[*]} " == *" frontend"* ]] || die "no frontend is left running; stopping."
    done
}

main() {
    begin_run
    check_ports_free "$silo1_port" "$gateway1_port" "$((silo1_port + 1))" "$((gateway1_port + 1))" \
        "$silo1_url" "$silo2_url" "$api1_url" "$api2_url"
    prepare_system
    say "starting 2 silos and 2 frontends (from their publish folders, working directory /)"
    start_silo silo1 "$silo1_url" "$silo1_port" "$gateway1_port"
    start_silo silo2 "$silo2_url" "$((silo1_port + 1))" "$((gateway1_port + 1))"
    start_frontend frontend1 "$api1_url"
    start_frontend frontend2 "$api2_url"
    wait_ready silo1 "$silo1_url"
    wait_ready silo2 "$silo2_url"
    wait_ready frontend1 "$api1_url"
    wait_ready frontend2 "$api2_url"

    create_demo_tenants "$api1_url"
    print_examples
    watch_processes
}

main "$@"
