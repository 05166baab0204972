# shellcheck shell=bash
# The processes of the fault suite, kept as files under $FAULT_WORK so that scripts/fault-suite.sh and the suite
# itself (through $FAULT_WORK/control) can start, kill and inspect them by name:
#   services/NAME/command   the command line, shell-quoted      services/NAME/ready   URL answering 200 when ready
#   services/NAME/pid       the current process                 logs/NAME.log         its output, across restarts
# Source after scripts/lib/postgres.sh, with FAULT_WORK set. The database lives in $FAULT_WORK/pg.

# define_service NAME READY_URL COMMAND...: remembers how to start NAME; starts nothing.
define_service() {
    local name="$1" ready="$2" dir="$FAULT_WORK/services/$1"
    shift 2
    mkdir -p "$dir" "$FAULT_WORK/logs"
    printf '%s\n' "$ready" >"$dir/ready"
    printf '%q ' "$@" >"$dir/command"
}

# start_service NAME: a new process from /, so nothing leans on the working directory; stdin closed, output logged.
start_service() {
    local name="$1" dir="$FAULT_WORK/services/$1" command
    command="$(<"$dir/command")"
    printf -- '--- started %s ---\n' "$(date -u +%H:%M:%S.%3N)" >>"$FAULT_WORK/logs/$name.log"
    (cd / && eval "exec $command") </dev/null >>"$FAULT_WORK/logs/$name.log" 2>&1 &
    echo "$!" >"$dir/pid"
    disown "$!" # killing it is the point; no "Killed" job notice from this shell
}

service_pid() { cat "$FAULT_WORK/services/$1/pid" 2>/dev/null; }

# A killed child of this shell stays a zombie until reaped; it is not running all the same. Reads /proc rather
# than forking ps, since the stop loop asks often.
pid_running() {
    local stat
    [ -n "$1" ] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat="${stat##*) }"
    [[ "$stat" != Z* ]]
}

# wait_ready NAME [SECONDS]: until its ready URL answers 200; fails if the process exits or time runs out.
wait_ready() {
    local name="$1" limit="${2:-120}" pid url deadline
    pid="$(service_pid "$name")"
    url="$(<"$FAULT_WORK/services/$name/ready")"
    deadline=$((SECONDS + limit))
    until curl -fsS -o /dev/null --max-time 5 "$url" 2>/dev/null; do
        if ! pid_running "$pid"; then
            echo "$name exited while starting; see its log" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "$name was not ready at $url after ${limit}s" >&2
            return 1
        fi
        sleep 0.5
    done
}

# wait_gone PID SECONDS: whether the process exits within SECONDS.
wait_gone() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        pid_running "$1" || return 0
        sleep 0.1
    done
    return 1
}

# kill_service NAME: SIGKILL, as a crash would; returns once the process is gone.
kill_service() {
    local pid
    pid="$(service_pid "$1")"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 && return 0
    echo "$1 (pid $pid) survived SIGKILL" >&2
    return 1
}

# term_service NAME: SIGTERM, as an orchestrator stops a process (docker stop, a rolling update); returns once the
# process has exited. Still running after 60 s (longer than the processes' own shutdown timeout): SIGKILL, and fail.
term_service() {
    local pid
    pid="$(service_pid "$1")"
    pid_running "$pid" || { echo "$1 (pid $pid) is not running" >&2; return 1; }
    kill -TERM "$pid"
    wait_gone "$pid" 60 && return 0
    kill -KILL "$pid" 2>/dev/null || true
    echo "$1 (pid $pid) was still running 60 s after SIGTERM; killed" >&2
    return 1
}

any_running() {
    local pid
    for pid in "$@"; do pid_running "$pid" && return 0; done
    return 1
}

# stop_all_services [PID...]: SIGTERM to every service's process and to PIDs, all at once (so their last log lines
# are written), SIGKILL to any still running 5 s later.
stop_all_services() {
    local pid_file pid pids=() deadline=$((SECONDS + 5))
    for pid_file in "$FAULT_WORK"/services/*/pid; do
        [ -f "$pid_file" ] && set -- "$@" "$(<"$pid_file")"
    done
    for pid in "$@"; do
        if pid_running "$pid"; then
            pids+=("$pid")
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    while ((SECONDS < deadline)); do
        any_running "${pids[@]}" || return 0
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
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
