# shellcheck shell=bash
# shellcheck disable=SC2154 # repo (the repository root, for publish_projects) is set by the script that sources this
# What every script here needs: messages, the tools it runs, free ports, secrets and the Release publish output.
# Source it; it only defines functions. Messages name the script: set script_name, else the file's name is used.

say() { printf '==> %s\n' "$*"; }

die() {
    printf '%s: %s\n' "${script_name:-$(basename "$0")}" "$*" >&2
    exit 1
}

# ensure_tools TOOL[:PACKAGE]...: the .NET SDK must be there; a fresh Debian may lack curl, jq or wrk, so those are
# installed. A tool whose Debian package has another name is given with it: node:nodejs.
ensure_tools() {
    command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not installed."
    local tool missing=()
    for tool in "$@"; do
        command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]} with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The fixed ports of run.sh and cluster.sh: a script picking ports at random must leave them to a running system.
taken_ports=" 8080 8081 8090 8091 11111 11112 30000 30001 55432 "

# pick_port VAR: a loopback port nothing listens on, none of run.sh's and none picked before, stored in VAR. Ports
# picked together are all distinct although none is bound until the processes start. They are drawn from 20000-32767,
# below Linux's ephemeral range (32768-60999 by default): a port picked there can be taken by any outgoing
# connection on the machine before our process binds it, which made a busy machine's runs fail with "address in use".
pick_port() {
    local candidate # not "port": printf -v would set this local instead of the caller's variable of that name
    while :; do
        candidate=$(((RANDOM % 12768) + 20000))
        [[ "$taken_ports" == *" $candidate "* ]] && continue
        port_in_use "$candidate" && continue
        taken_ports+="$candidate "
        printf -v "$1" '%s' "$candidate"
        return
    done
}

# random_hex: 32 random bytes as 64 hex digits, for keys a run makes up.
random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

# publish_projects DIR LOG NAME=PROJECT...: `dotnet publish -c Release` of each project (a path from the repository
# root) into DIR/NAME, all output appended to LOG. On a failure it shows the end of LOG and returns 1.
publish_projects() {
    local dir="$1" log="$2" entry
    shift 2
    for entry in "$@"; do
        dotnet publish "$repo/${entry#*=}" -c Release -o "$dir/${entry%%=*}" --nologo </dev/null >>"$log" 2>&1 || {
            tail -n 40 "$log" >&2
            printf 'publishing %s failed; the whole output is in %s\n' "${entry#*=}" "$log" >&2
            return 1
        }
    done
}
