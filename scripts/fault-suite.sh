#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The fault suite of issue 4, run by CI after the tests. Publishes the silo, the frontend, the fake upstream and
# tests/FaultSuite (Release) into a temporary folder; starts a private PostgreSQL, the fake upstream, two silos and
# two frontends there as real processes on loopback; runs the suite against them (kill -9 of a silo under load, a
# budget race, a PostgreSQL restart under load, a tenant flooding its rate limit next to a quiet one, SIGTERM of a
# frontend and of a silo with calls in flight, a silo killed while delivering a usage webhook). Everything is stopped and removed on exit, whatever happens.
# Works from any directory. The last line is "fault suite: N passed, M failed"; the exit status is 0 only when
# every check passed.
#
# Optional settings (environment variables):
#   FAULT_SUITE_ONLY=g      run only the scenarios with these letters (comma-separated), when working on one
#   FAULT_SUITE_KEEP=1      keep the temporary folder (logs, publish output, database) to look at afterwards
#   FAULT_SUITE_TIMEOUT     seconds the suite may run before it is stopped (its scenarios' bounds summed)   900
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script_name=fault-suite.sh
# shellcheck source=lib/common.sh
source "$repo/scripts/lib/common.sh"
# shellcheck source=lib/fault-cluster.sh
source "$repo/scripts/lib/fault-cluster.sh"

summary_pattern='fault suite: [0-9]+ passed, [0-9]+ failed'
summary="fault suite: 0 passed, 1 failed" # until the suite itself says otherwise
suite_timeout="${FAULT_SUITE_TIMEOUT:-900}"

# shellcheck disable=SC2317 # reached through the EXIT trap only
cleanup() {
    local status=$?
    trap '' INT TERM
    stop_all_services ${suite_pid:+"$suite_pid"}
    stop_postgres "$FAULT_WORK/pg"
    if [ "$status" -ne 0 ]; then show_logs; fi
    if [ "${FAULT_SUITE_KEEP:-0}" = 1 ]; then
        say "kept $FAULT_WORK"
    else
        rm -rf "$FAULT_WORK"
    fi
    echo "$summary"
}

publish() {
    say "publishing (Release) into $FAULT_WORK/publish"
    publish_projects "$FAULT_WORK/publish" "$FAULT_WORK/logs/build.log" silo=src/Silo/Silo.csproj \
        frontend=src/WebFrontend/WebFrontend.csproj upstream=tests/FakeUpstream/FakeUpstream.csproj \
        suite=tests/FaultSuite/FaultSuite.csproj
}

start_database() {
    local pg_port
    pick_port pg_port
    say "starting PostgreSQL on 127.0.0.1:$pg_port"
    mkdir -p "$FAULT_WORK/pg"
    echo "$pg_port" >"$FAULT_WORK/pg/port"
    start_postgres "$FAULT_WORK/pg" "$pg_port"
    "$(pg_bin_dir)/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres tenantchat
    # As deployed: the owner (postgres) migrates, with the silo's --migrate step; the silos and frontends serve as
    # the non-owner login. The suite itself reads the ledger and the membership table as the owner.
    connection="$(owner_connection "$pg_port" tenantchat)"
    serving="$(serving_connection "$pg_port" tenantchat)"
    create_serving_login "$pg_port"
    say "applying the schema as its owner (the silo with --migrate)"
    (cd / && ConnectionStrings__Migrations="$connection" dotnet "$FAULT_WORK/publish/silo/TenantChat.Silo.dll" --migrate) \
        >"$FAULT_WORK/logs/migrate.log" 2>&1 || { cat "$FAULT_WORK/logs/migrate.log"; die "the migration step failed"; }
}

# Two silos and two frontends of one cluster of their own, and the fake text API (50 ms per answer). The silos may
# send webhooks to loopback: the suite's own receiver listens there.
define_services() {
    local publish="$FAULT_WORK/publish" upstream_port http_port silo_port gateway_port i
    cluster_id="fault-$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')"
    admin_key="$(random_hex)"
    signing_key="$(random_hex)"
    mkdir -p "$FAULT_WORK/services" && chmod 700 "$FAULT_WORK/services" # the commands hold the keys

    pick_port upstream_port
    define_service upstream "http://127.0.0.1:$upstream_port/v1/text/ready" \
        dotnet "$publish/upstream/TenantChat.FakeUpstream.dll" --urls "http://127.0.0.1:$upstream_port" --delay-ms 50

    silos=""
    for i in 1 2; do
        pick_port http_port && pick_port silo_port && pick_port gateway_port
        define_service "silo$i" "http://127.0.0.1:$http_port/health/ready" env \
            ConnectionStrings__Postgres="$serving" Orleans__ClusterId="$cluster_id" Orleans__AdvertisedIP=127.0.0.1 \
            Orleans__SiloPort="$silo_port" Orleans__GatewayPort="$gateway_port" ASPNETCORE_URLS="http://127.0.0.1:$http_port" \
            Ai__Provider=text Ai__BaseUrl="http://127.0.0.1:$upstream_port/v1/text" \
            Alerts__AllowPrivateTargets=true \
            dotnet "$publish/silo/TenantChat.Silo.dll"
        silos+="${silos:+,}silo$i=$silo_port"
    done

    frontends=""
    for i in 1 2; do
        pick_port http_port
        define_service "frontend$i" "http://127.0.0.1:$http_port/health/ready" env \
            ConnectionStrings__Postgres="$serving" Orleans__ClusterId="$cluster_id" \
            ASPNETCORE_URLS="http://127.0.0.1:$http_port" Admin__ApiKey="$admin_key" Auth__SigningKey="$signing_key" \
            dotnet "$publish/frontend/TenantChat.WebFrontend.dll"
        frontends+="${frontends:+,}http://127.0.0.1:$http_port"
    done
}

start_services() {
    local name
    say "starting the fake upstream, 2 silos and 2 frontends (cluster $cluster_id)"
    for name in upstream silo1 silo2 frontend1 frontend2; do start_service "$name"; done
    for name in upstream silo1 silo2 frontend1 frontend2; do wait_ready "$name" 180; done
    say "all ready: frontends $frontends"
}

# The suite's handle on the processes and the database (see fault_control in lib/fault-cluster.sh).
write_control_script() {
    cat >"$FAULT_WORK/control" <<EOF
#!/usr/bin/env bash
set -euo pipefail
export FAULT_WORK=$(printf '%q' "$FAULT_WORK")
source $(printf '%q' "$repo/scripts/lib/fault-cluster.sh")
fault_control "\$@"
EOF
}

# Runs the suite in the background, so a signal reaches the trap at once, and shows its output as it comes; the
# summary line is held back to be printed last, after the cleanup.
run_suite() {
    local status=0
    : >"$FAULT_WORK/logs/suite.log" # exists before tail looks for it
    (cd / && exec env FAULT_FRONTENDS="$frontends" FAULT_ADMIN_KEY="$admin_key" FAULT_POSTGRES="$connection" \
        FAULT_CLUSTER_ID="$cluster_id" FAULT_SILOS="$silos" FAULT_CONTROL="$FAULT_WORK/control" \
        timeout -k 10 "$suite_timeout" dotnet "$FAULT_WORK/publish/suite/TenantChat.FaultSuite.dll") \
        </dev/null >>"$FAULT_WORK/logs/suite.log" 2>&1 &
    suite_pid=$!
    tail -n +1 -f --pid="$suite_pid" "$FAULT_WORK/logs/suite.log" | grep --line-buffered -v -x -E "$summary_pattern" &
    local output=$!
    wait "$suite_pid" || status=$?
    wait "$output" || true
    suite_pid=""
    [ "$status" -eq 124 ] && echo "the suite did not finish within ${suite_timeout}s and was stopped"
    local last
    last="$(tail -n 1 "$FAULT_WORK/logs/suite.log")"
    if [[ "$last" =~ ^$summary_pattern$ ]]; then summary="$last"; fi
    if [ "$status" -ne 0 ] && [[ "$summary" == *" 0 failed" ]]; then summary="${summary% 0 failed} 1 failed"; fi
    return "$status"
}

main() {
    ensure_tools curl
    ensure_postgres_installed
    FAULT_WORK="$(mktemp -d /tmp/tenantchat-fault.XXXXXX)"
    export FAULT_WORK
    chmod 755 "$FAULT_WORK" # PostgreSQL runs as its own user and must reach its folder
    mkdir -p "$FAULT_WORK/logs"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local started=$SECONDS
    publish
    start_database
    define_services
    start_services
    write_control_script
    say "set up in $((SECONDS - started))s; running the suite"
    run_suite
}

main "$@"
