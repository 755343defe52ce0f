#!/usr/bin/env bash
# mock_interop.sh BUILD_DIR: a peer client, kcat (Debian's librdkafka), against `kfk mock`:
# kcat -P with each codec (none, gzip, snappy, lz4, zstd) and kcat -C -e reading every record
# back once with its key, value and partition; two kcat -G members of one group splitting a
# 6-partition topic 3/3 (disjoint), then reading 60 records produced after both were assigned,
# each exactly once. Every wait has a deadline. Exit 77 without kcat.
set -uo pipefail
build=$1
kfk=$build/kfk
if ! command -v kcat >/dev/null; then
    echo "no kcat (apt-get install kcat)" >&2
    exit 77
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"

# wait_for SECONDS COMMAND...: runs COMMAND every 20 ms until it succeeds; 1 after SECONDS.
wait_for() {
    local n=$(($1 * 50))
    shift
    for _ in $(seq 1 "$n"); do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}

"$kfk" mock --brokers 3 --topic codecs:3 --topic split:6 >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock=$!
pids+=("$mock")
has_bootstrap() { head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP='; }
if ! wait_for 5 has_bootstrap; then
    echo "kfk mock did not start: $(head -3 "$tmp/mock.err")" >&2
    exit 1
fi
bs=$(head -1 "$tmp/mock.out" | sed 's/^KFK_BOOTSTRAP=//')

# ---- kcat -P with each codec, kcat -C -e reads them back ----------------------------------------
expected=$tmp/expected
: >"$expected"
for codec in none gzip snappy lz4 zstd; do
    for i in $(seq 1 100); do
        echo "$codec-k$i:$codec-value-$i-$(printf '%0100d' "$i")"
    done >"$tmp/in.$codec"
    if ! timeout 20 kcat -b "$bs" -P -t codecs -K: -z "$codec" -l "$tmp/in.$codec" \
        2>"$tmp/p.$codec.err"; then
        fail "kcat -P -z $codec: $(head -3 "$tmp/p.$codec.err")"
    fi
    sed 's/:/ /' "$tmp/in.$codec" >>"$expected"
done
timeout 20 kcat -b "$bs" -C -t codecs -e -f '%k %s\n' >"$tmp/read" 2>"$tmp/read.err"
rc=$?
if [ $rc = 0 ] && [ "$(sort "$tmp/read")" = "$(sort "$expected")" ]; then
    pass "kcat -P with none, gzip, snappy, lz4 and zstd: kcat -C -e read all 500 records once"
else
    fail "kcat -C -e (rc $rc): $(wc -l <"$tmp/read") of 500 records; $(grep -m2 ERROR "$tmp/read.err")"
fi
# Offsets per partition run 0, 1, 2, ... with no gap (offsets rewritten by the mock).
timeout 20 kcat -b "$bs" -C -t codecs -e -f '%p %o\n' >"$tmp/offsets" 2>/dev/null
gaps=$(sort -k1,1n -k2,2n "$tmp/offsets" |
    awk '{ if (($1 in next_) && $2 != next_[$1]) bad++; next_[$1] = $2 + 1 } END { print bad + 0 }')
if [ "$gaps" = 0 ] && [ "$(wc -l <"$tmp/offsets")" = 500 ]; then
    pass "offsets are contiguous from 0 in each of the 3 partitions"
else
    fail "offsets: $gaps gaps, $(wc -l <"$tmp/offsets") records"
fi

# ---- two kcat -G members split a 6-partition topic --------------------------------------------
member() {
    timeout 60 kcat -u -b "$bs" -G interop split -X auto.offset.reset=earliest \
        -f '%p %o %k\n' >"$tmp/$1.out" 2>"$tmp/$1.err" &
    pids+=($!)
}
# assigned NAME: the partitions of NAME's last assignment, one line, sorted.
assigned() {
    grep 'assigned:' "$tmp/$1.err" 2>/dev/null | tail -1 | sed 's/.*assigned://' |
        grep -o '\[[0-9]*\]' | tr -d '[]' | sort -n | tr '\n' ' '
}
three_each() {
    local a b
    a=$(assigned a)
    b=$(assigned b)
    [ "$(echo $a | wc -w)" = 3 ] && [ "$(echo $b | wc -w)" = 3 ]
}
member a
wait_for 20 grep -q 'assigned:' "$tmp/a.err"
member b
if wait_for 30 three_each; then
    a=$(assigned a)
    b=$(assigned b)
    if [ "$(echo $a $b | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 " ]; then
        pass "two kcat -G members: partitions $a and $b"
    else
        fail "two kcat -G members overlap: $a / $b"
    fi
    seq 1 60 | sed 's/.*/key-&:value-&/' >"$tmp/in.split"
    timeout 20 kcat -b "$bs" -P -t split -K: -l "$tmp/in.split" 2>"$tmp/p.split.err" ||
        fail "kcat -P split: $(head -3 "$tmp/p.split.err")"
    total() { [ "$(cat "$tmp/a.out" "$tmp/b.out" | wc -l)" -ge 60 ]; }
    wait_for 20 total
    dups=$(cat "$tmp/a.out" "$tmp/b.out" | awk '{ print $3 }' | sort | uniq -d | wc -l)
    n=$(cat "$tmp/a.out" "$tmp/b.out" | awk '{ print $3 }' | sort -u | wc -l)
    pa=$(awk '{ print $1 }' "$tmp/a.out" | sort -un | tr '\n' ' ')
    pb=$(awk '{ print $1 }' "$tmp/b.out" | sort -un | tr '\n' ' ')
    if [ "$n" = 60 ] && [ "$dups" = 0 ] && [ "$pa" = "$a" ] && [ "$pb" = "$b" ]; then
        pass "the group read 60 records once each: member a from $pa, member b from $pb"
    else
        fail "the group read $n distinct records, $dups twice; a from '$pa' (assigned '$a'), b from '$pb' (assigned '$b')"
    fi
else
    fail "the two members did not get 3 partitions each in 30 s: a '$(assigned a)', b '$(assigned b)'"
fi

kill -TERM "$mock"
if wait_for 5 eval '! kill -0 '"$mock"' 2>/dev/null'; then
    wait "$mock"
    rc=$?
    [ $rc = 0 ] && pass "kfk mock exits 0 on SIGTERM" || fail "kfk mock exited $rc"
else
    fail "kfk mock still runs 5 s after SIGTERM"
fi
finish mock_interop
