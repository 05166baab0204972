# shellcheck shell=bash
# Starting, watching and stopping the processes a script runs (silos, frontends, the fake upstream, the suites).
# Source it; it only defines functions. Every script knows its processes by pid; none is ever found by name.

# launch DIR LOG COMMAND...: runs COMMAND in the background from DIR, stdin closed (a service never reads from or
# reconfigures the terminal), output appended to LOG, without the script's lock on fd 9. Sets launched_pid to the
# command's own process: the subshell execs into it.
launch() {
    local dir="$1" log="$2"
    shift 2
    (cd "$dir" && exec "$@") </dev/null >>"$log" 2>&1 9>&- &
    # shellcheck disable=SC2034 # read by the caller
    launched_pid=$!
}

# pid_running PID: whether it runs. A killed child stays a zombie until its parent reaps it, which is not running
# all the same. Reads /proc rather than forking ps, since the wait loops ask often.
pid_running() {
    local stat
    [ -n "$1" ] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat="${stat##*) }"
    [[ "$stat" != Z* ]]
}

any_running() {
    local pid
    for pid in "$@"; do pid_running "$pid" && return 0; done
    return 1
}

# wait_gone SECONDS PID...: whether all of them exit within SECONDS.
wait_gone() {
    local deadline=$((SECONDS + $1))
    shift
    while any_running "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# wait_http NAME PID URL SECONDS: until URL answers 2xx. Fails, saying why on stderr, when the process exits first or
# the time is up.
wait_http() {
    local name="$1" pid="$2" url="$3" deadline=$((SECONDS + $4))
    until curl -fsS -o /dev/null --max-time 5 "$url" 2>/dev/null; do
        if ! pid_running "$pid"; then
            echo "the $name exited during start-up" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "the $name was not ready at $url after $4 s" >&2
            return 1
        fi
        sleep 0.5
    done
}

# stop_pids SIGNAL SECONDS PID...: SIGNAL to all at once (SIGTERM lets a process finish its calls in flight and
# leave the cluster cleanly), then SIGKILL to any still running SECONDS later. Fails when one needed SIGKILL.
stop_pids() {
    local signal="$1" grace="$2" pid
    shift 2
    for pid in "$@"; do
        if pid_running "$pid"; then kill -"$signal" "$pid" 2>/dev/null || true; fi
    done
    wait_gone "$grace" "$@" && return 0
    for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait_gone 10 "$@" || true
    return 1
}
