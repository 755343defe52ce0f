# Shared helpers for the kfk scripts (sourced, not run).
# Everything here is careful about processes: start by pid, stop by pid, bounded waits.

KFK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KFK_CACHE=${KFK_CACHE:-$HOME/.cache/kfk}
KFK_RUN=${KFK_RUN:-$KFK_ROOT/.run}
KFK_PORT_BASE=${KFK_PORT_BASE:-29000}

kfk_log() { printf '%s\n' "$*" >&2; }
kfk_die() {
    printf '%s: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# Monotonic-ish seconds with milliseconds, for timings printed to stderr.
kfk_now() { date +%s.%N | cut -c1-14; }
kfk_elapsed() { awk -v a="$1" -v b="$(kfk_now)" 'BEGIN { printf "%.1f", b - a }'; }

# True when PID names a live (non-zombie) process.
kfk_alive() {
    local pid=$1 st
    [ -n "$pid" ] && [ -r "/proc/$pid/status" ] || return 1
    st=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
kfk_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# kfk_stop_pids TIMEOUT PID...: SIGTERM all at once, wait until gone, then SIGKILL.
kfk_stop_pids() {
    local timeout=$1 pid t0 left
    shift
    for pid in "$@"; do kfk_alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
    t0=$(date +%s)
    while :; do
        left=0
        for pid in "$@"; do kfk_alive "$pid" && left=1; done
        [ $left = 0 ] && return 0
        if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
            for pid in "$@"; do
                if kfk_alive "$pid"; then
                    kfk_log "pid $pid did not stop in ${timeout}s: SIGKILL"
                    kill -KILL "$pid" 2>/dev/null
                fi
            done
            sleep 0.2
            return 0
        fi
        sleep 0.1
    done
}
