#!/usr/bin/env bash
# cli_deadlines.sh BUILD_DIR: the CLI gives up within its deadline (-m) with one line that names
# the cause and exit 1, against nothing listening (127.0.0.1:1), a broker whose Metadata answers
# do not decode (`kfk mock --fault patch=13:...`), a topic that does not exist and one that stays
# LEADER_NOT_AVAILABLE: kfk metadata, kfk topics create/delete, kfk produce. A healthy run is
# unchanged (exit 0). "Within the deadline" is a bound on how long a command may hang, with a
# generous margin (-m 2 must end within 8 s), not a timing benchmark.
set -uo pipefail
build=$1
kfk=$build/kfk
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"
LIMIT_MS=8000 # -m 2 plus a generous margin

# start NAME ARGS...: runs kfk mock ARGS in the background and waits (5 s at most) for its
# KFK_BOOTSTRAP line; sets bs.
start() {
    local name=$1
    shift
    "$kfk" mock "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    local pid=$!
    pids+=("$pid")
    bs=
    for _ in $(seq 1 500); do
        if head -1 "$tmp/$name.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP='; then
            bs=$(head -1 "$tmp/$name.out" | sed 's/^KFK_BOOTSTRAP=//')
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    fail "kfk mock $* printed no KFK_BOOTSTRAP line: $(head -3 "$tmp/$name.err")"
    return 1
}

# expect WANT_EXIT PATTERN INPUT -- kfk ARGS...: runs kfk ARGS (stdin from INPUT, a file or
# /dev/null) under a hard 30 s guard, then checks the exit code, that it ended within LIMIT_MS,
# that exactly one of its stderr lines is its own ("kfk CMD: ...") and that it matches PATTERN
# (an extended regex; "" for a healthy run, which must print no error line).
expect() {
    local want=$1 pattern=$2 input=$3
    shift 4
    local t0 t1 ms rc lines line
    t0=$(date +%s%N)
    timeout -s KILL 30 "$kfk" "$@" <"$input" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    local what="kfk $* (exit $rc in ${ms} ms)"
    if [ "$rc" != "$want" ]; then
        fail "$what: want exit $want; stderr: $(tail -3 "$tmp/err")"
        return
    fi
    if [ "$ms" -gt "$LIMIT_MS" ]; then
        fail "$what: took more than ${LIMIT_MS} ms"
        return
    fi
    if [ -z "$pattern" ]; then
        pass "$what"
        return
    fi
    lines=$(grep -c "^kfk $1\( [a-z]*\)\?: " "$tmp/err")
    line=$(grep "^kfk $1\( [a-z]*\)\?: " "$tmp/err" | head -1)
    if [ "$lines" != 1 ]; then
        fail "$what: $lines lines of its own, want 1: $(grep "^kfk " "$tmp/err" | head -3)"
        return
    fi
    if ! grep -Eq -- "$pattern" <<<"$line"; then
        fail "$what: '$line' does not match /$pattern/"
        return
    fi
    pass "$what: $line"
}

seq 1 3 >"$tmp/three"

# Nothing listening.
expect 1 'cannot get metadata: no usable answer in 2 s: connect to 127.0.0.1:1 failed: connection refused \(_TRANSPORT\)' \
    /dev/null -- metadata -b 127.0.0.1:1 -m 2
expect 1 'cannot create topics: no usable answer in 2 s: .*connection refused' \
    /dev/null -- topics create -b 127.0.0.1:1 -t x -m 2
expect 1 'cannot delete topics: no usable answer in 2 s: .*connection refused' \
    /dev/null -- topics delete -b 127.0.0.1:1 -t x -m 2
expect 1 'no record delivered to t in 2 s: no metadata for topic t: connect to 127.0.0.1:1 failed: connection refused \(_TRANSPORT\)' \
    "$tmp/three" -- produce -b 127.0.0.1:1 -t t -m 2

# The default deadline bounds a command without -m too: kfk metadata's is kcat -L's 5 s, the
# others' 10 s.
LIMIT_MS=11000
expect 1 'no usable answer in 5 s: .*connection refused' /dev/null -- metadata -b 127.0.0.1:1
LIMIT_MS=16000
expect 1 'no usable answer in 10 s: .*connection refused' /dev/null -- topics delete -b 127.0.0.1:1 -t x
LIMIT_MS=8000

# A broker whose Metadata answers do not decode: the brokers' count at byte 13 is past the end.
if start lying --fault 'api=Metadata,patch=13:ffffffff07,count=all'; then
    expect 1 'no usable answer in 2 s: malformed Metadata v12 response from broker -1 at byte 13: brokers: count 2147483646 past the end .*\(_BAD_MSG\)' \
        /dev/null -- metadata -b "$bs" -m 2
    expect 1 'no record delivered to t in 2 s: no metadata for topic t: malformed Metadata v12 response from broker -1 at byte 13: brokers: count' \
        "$tmp/three" -- produce -b "$bs" -t t -m 2
fi

# A topic that does not exist, one that stays LEADER_NOT_AVAILABLE, and a healthy one.
if start cluster --no-auto-create --topic ok:2 \
    --fault 'api=Metadata,topic=lna,error=LEADER_NOT_AVAILABLE,count=all'; then
    expect 1 'no record delivered to nosuch in 2 s: topic nosuch: .*\(UNKNOWN_TOPIC_OR_PARTITION\)' \
        "$tmp/three" -- produce -b "$bs" -t nosuch -m 2
    expect 1 'no record delivered to lna in 2 s: topic lna: .*\(LEADER_NOT_AVAILABLE\)' \
        "$tmp/three" -- produce -b "$bs" -t lna -m 2
    expect 0 '' "$tmp/three" -- produce -b "$bs" -t ok -m 2
    expect 0 '' /dev/null -- metadata -b "$bs" -t ok -m 2
    expect 0 '' /dev/null -- topics create -b "$bs" -t fresh -m 2
fi

finish cli_deadlines
