# shellcheck shell=bash
# The processes of the fault suite, kept as files under $FAULT_WORK so that scripts/fault-suite.sh and the suite
# itself (through $FAULT_WORK/control) can start, kill and inspect them by name:
#   services/NAME/command   the command line, shell-quoted      services/NAME/ready   URL answering 200 when ready
#   services/NAME/pid       the current process                 logs/NAME.log         its output, across restarts
# Source with FAULT_WORK set; it brings the process and PostgreSQL helpers along. The database lives in $FAULT_WORK/pg.

# shellcheck source=scripts/lib/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"
# shellcheck source=scripts/lib/postgres.sh
source "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

# define_service NAME READY_URL COMMAND...: remembers how to start NAME; starts nothing.
define_service() {
    local name="$1" ready="$2" dir="$FAULT_WORK/services/$1"
    shift 2
    mkdir -p "$dir" "$FAULT_WORK/logs"
    printf '%s\n' "$ready" >"$dir/ready"
    printf '%q ' "$@" >"$dir/command"
}

# start_service NAME: a new process from /, so nothing leans on the working directory; its log says when it started.
start_service() {
    local name="$1" log="$FAULT_WORK/logs/$1.log"
    printf -- '--- started %s ---\n' "$(date -u +%H:%M:%S.%3N)" >>"$log"
    eval "launch / $(printf '%q' "$log") $(<"$FAULT_WORK/services/$name/command")"
    echo "$launched_pid" >"$FAULT_WORK/services/$name/pid"
    disown "$launched_pid" # killing it is the point; no "Killed" job notice from this shell
}

service_pid() { cat "$FAULT_WORK/services/$1/pid" 2>/dev/null; }

# wait_ready NAME [SECONDS]: until its ready URL answers 200; fails if the process exits or time runs out.
wait_ready() {
    wait_http "$1" "$(service_pid "$1")" "$(<"$FAULT_WORK/services/$1/ready")" "${2:-120}"
}

# kill_service NAME: SIGKILL, as a crash would; returns once the process is gone.
kill_service() {
    local pid
    pid="$(service_pid "$1")"
    stop_pids KILL 10 "$pid" && return 0
    echo "$1 (pid $pid) survived SIGKILL" >&2
    return 1
}

# term_service NAME: SIGTERM, as an orchestrator stops a process (docker stop, a rolling update); returns once the
# process has exited. Still running after 60 s (longer than the processes' own shutdown timeout): SIGKILL, and fail.
term_service() {
    local pid
    pid="$(service_pid "$1")"
    pid_running "$pid" || { echo "$1 (pid $pid) is not running" >&2; return 1; }
    stop_pids TERM 60 "$pid" && return 0
    echo "$1 (pid $pid) was still running 60 s after SIGTERM; killed" >&2
    return 1
}

# stop_all_services [PID...]: SIGTERM to every service's process and to PIDs, all at once (so their last log lines
# are written), SIGKILL to any still running 5 s later.
stop_all_services() {
    local pid_file
    for pid_file in "$FAULT_WORK"/services/*/pid; do
        [ -f "$pid_file" ] && set -- "$@" "$(<"$pid_file")"
    done
    stop_pids TERM 5 "$@" || true
}

# fault_control COMMAND [NAME]: what the suite may ask for (see tests/FaultSuite/ClusterControl.cs).
fault_control() {
    case "${1:-}" in
        start) start_service "$2" && wait_ready "$2" ;;
        kill) kill_service "$2" ;;
        term) term_service "$2" ;;
        pg-stop) stop_postgres "$FAULT_WORK/pg" ;;
        pg-start) start_postgres "$FAULT_WORK/pg" "$(<"$FAULT_WORK/pg/port")" ;;
        processes)
            local dir pid
            for dir in "$FAULT_WORK"/services/*/; do
                pid="$(service_pid "$(basename "$dir")")"
                printf '%s %s %s\n' "$(basename "$dir")" "$pid" "$(pid_running "$pid" && echo running || echo stopped)"
            done
            ;;
        *) echo "usage: control start|kill|term NAME | pg-stop | pg-start | processes" >&2; return 2 ;;
    esac
}

# log_digest FILE: the log's lines above Information level, alike lines (same category, message template and
# exception type, or same text once numbers are masked) counted once: the 12 most recent kinds, with the latest line
# of each. The request-by-request noise and a warning repeated for every call would otherwise bury the lines that
# say why a check failed.
log_digest() {
    awk '/"LogLevel":"(Trace|Debug|Information)"/ { next }
        {
            key = $0
            if (match($0, /"Category":"[^"]*"/)) category = substr($0, RSTART, RLENGTH); else category = ""
            if (match($0, /"\{OriginalFormat\}":"[^"]*"/)) key = category substr($0, RSTART, RLENGTH)
            else gsub(/[0-9]+/, "#", key)
            if (match($0, /"Exception":"[^:" ]*/)) key = key substr($0, RSTART, RLENGTH)
            count[key]++; latest[key] = $0; when[key] = NR
        }
        END { for (key in count) printf "%d\t%d\t%s\n", when[key], count[key], latest[key] }' "$1" |
        sort -n | tail -n 12 | cut -f 2- | awk -F '\t' '{ printf "(%dx) %s\n", $1, substr($2, 1, 600) }'
}

# show_logs: the digest of every service's log and of PostgreSQL's, after a failed run.
show_logs() {
    local log
    for log in "$FAULT_WORK"/logs/*.log "$FAULT_WORK/pg/server.log"; do
        case "$(basename "$log")" in suite.log | build.log) continue ;; esac
        [ -f "$log" ] || continue
        printf '\n--- %s: latest warnings and errors (count, latest line)\n' "${log#"$FAULT_WORK/"}"
        log_digest "$log"
    done
    echo
}
