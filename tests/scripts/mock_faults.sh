#!/usr/bin/env bash
# mock_faults.sh BUILD_DIR: faults injected with `kfk mock --fault SPEC`, seen through a peer
# client, kcat (Debian's librdkafka): a Metadata answer cut after 20 bytes on every try makes
# kcat -L fail with an error within its metadata timeout instead of hanging, and once only it
# recovers; a frame of size -1 and a silent broker fail it too; a topic error reaches its
# output; 3 NOT_LEADER_OR_FOLLOWER on Produce are retried and every record lands once; a 1.5 s
# Fetch delay is waited out. Every kcat run has a deadline. Exit 77 without kcat.
set -uo pipefail
build=$1
kfk=$build/kfk
if ! command -v kcat >/dev/null; then
    echo "no kcat (apt-get install kcat)" >&2
    exit 77
fi
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start ARGS...: kfk mock ARGS in the background; waits (5 s at most) for KFK_BOOTSTRAP=...
start() {
    # The previous mock's file goes first: the new one truncates it only once it runs, and the
    # loop below could read the old (dead) mock's address meanwhile.
    rm -f "$tmp/mock.out" "$tmp/mock.err"
    "$kfk" mock "$@" >"$tmp/mock.out" 2>"$tmp/mock.err" &
    pid=$!
    bs=
    for _ in $(seq 1 500); do
        if head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP='; then
            bs=$(head -1 "$tmp/mock.out" | sed 's/^KFK_BOOTSTRAP=//')
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    fail "kfk mock $* did not start: $(head -3 "$tmp/mock.err")"
    return 1
}

# stop: SIGTERM, and kfk mock must exit 0 within 5 s.
stop() {
    local rc
    kill -TERM "$pid"
    for _ in $(seq 1 500); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "kfk mock still runs 5 s after SIGTERM"
    else
        wait "$pid"
        rc=$?
        [ "$rc" = 0 ] || fail "kfk mock exited $rc after SIGTERM"
    fi
    pid=
}

# kcat_list NAME: kcat -L with a 3 s metadata timeout under a 20 s deadline; sets rc and ms.
kcat_list() {
    local t0
    t0=$(now_ms)
    timeout 20 kcat -L -b "$bs" -m 3 >"$tmp/$1.out" 2>"$tmp/$1.err"
    rc=$?
    ms=$(($(now_ms) - t0))
}

# ---- a Metadata answer cut after 20 bytes -------------------------------------------------------
start --topic foo:2 --fault 'api=Metadata,count=all,truncate=20' || exit 1
kcat_list cut
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$ms" -lt 15000 ] &&
    grep -q 'ERROR' "$tmp/cut.err"; then
    pass "Metadata cut after 20 bytes every time: kcat -L fails in $ms ms ($(grep ERROR "$tmp/cut.err" | head -1))"
else
    fail "Metadata cut every time: kcat -L exit $rc after $ms ms: $(head -3 "$tmp/cut.err")"
fi
stop

start --topic foo:2 --fault 'api=Metadata,truncate=20' || exit 1
kcat_list cut1
if [ "$rc" = 0 ] && grep -q 'topic "foo" with 2 partitions' "$tmp/cut1.out"; then
    pass "Metadata cut once: kcat -L reconnects, asks again and lists foo ($ms ms)"
else
    fail "Metadata cut once: kcat -L exit $rc: $(head -3 "$tmp/cut1.err") $(head -3 "$tmp/cut1.out")"
fi
stop

# ---- a frame of size -1, a broker that never answers ------------------------------------------
start --fault 'api=ApiVersions,count=all,replace=FFFFFFFF' || exit 1
kcat_list neg
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$ms" -lt 15000 ] && grep -q 'ERROR' "$tmp/neg.err"; then
    pass "ApiVersions answered with a frame of size -1: kcat -L fails in $ms ms"
else
    fail "size -1 frame: kcat -L exit $rc after $ms ms: $(head -3 "$tmp/neg.err")"
fi
stop

start --fault 'api=Metadata,count=all,silence' || exit 1
kcat_list quiet
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$ms" -lt 15000 ] &&
    grep -qi 'timed out' "$tmp/quiet.err"; then
    pass "Metadata never answered: kcat -L times out in $ms ms"
else
    fail "silence: kcat -L exit $rc after $ms ms: $(head -3 "$tmp/quiet.err")"
fi
stop

# ---- an error code for one topic ----------------------------------------------------------------
start --topic foo:2 --topic bar --fault 'api=Metadata,topic=foo,count=all,error=LEADER_NOT_AVAILABLE' ||
    exit 1
kcat_list err
if [ "$rc" = 0 ] && grep -qi 'leader not available' "$tmp/err.out" &&
    grep -q 'topic "bar" with 1 partitions' "$tmp/err.out"; then
    pass "Metadata error for foo only: kcat -L shows it ($(grep -i 'leader not available' "$tmp/err.out" | head -1 | sed 's/^ *//'))"
else
    fail "topic error: kcat -L exit $rc: $(head -8 "$tmp/err.out") $(head -3 "$tmp/err.err")"
fi
stop

# ---- NOT_LEADER_OR_FOLLOWER on Produce: retried, each record once -----------------------------------
start --topic orders:3 --fault 'api=Produce,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER' ||
    exit 1
seq 1 5 | sed 's/^/order-/' >"$tmp/sent"
timeout 30 kcat -P -b "$bs" -t orders -p 0 -X retry.backoff.ms=20 -X message.send.max.retries=10 \
    -l "$tmp/sent" >"$tmp/p.out" 2>"$tmp/p.err"
prc=$?
timeout 30 kcat -C -b "$bs" -t orders -p 0 -o beginning -e -q >"$tmp/got" 2>"$tmp/c.err"
crc=$?
if [ "$prc" = 0 ] && [ "$crc" = 0 ] && cmp -s "$tmp/sent" "$tmp/got"; then
    pass "3 NOT_LEADER_OR_FOLLOWER on Produce: kcat -P retried, kcat -C reads the 5 records once, in order"
else
    fail "Produce errors: kcat -P exit $prc, kcat -C exit $crc, read: $(tr '\n' ' ' <"$tmp/got") $(head -3 "$tmp/p.err" "$tmp/c.err")"
fi
stop

# ---- a Fetch answered late --------------------------------------------------------------------
start --topic slow --fault 'api=Fetch,count=1,delay=1500' || exit 1
echo hello | timeout 30 kcat -P -b "$bs" -t slow -p 0 2>"$tmp/sp.err"
t0=$(now_ms)
timeout 30 kcat -C -b "$bs" -t slow -p 0 -o beginning -e -q >"$tmp/slow" 2>"$tmp/sc.err"
rc=$?
ms=$(($(now_ms) - t0))
if [ "$rc" = 0 ] && [ "$(cat "$tmp/slow")" = hello ] && [ "$ms" -ge 1400 ] && [ "$ms" -lt 15000 ]; then
    pass "the first Fetch 1.5 s late: kcat -C reads the record after $ms ms"
else
    fail "Fetch delay: kcat -C exit $rc after $ms ms, read '$(cat "$tmp/slow")': $(head -3 "$tmp/sc.err")"
fi
stop

finish mock_faults
