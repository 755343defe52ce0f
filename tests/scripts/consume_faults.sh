#!/usr/bin/env bash
# consume_faults.sh BUILD_DIR: `kfk consume` against `kfk mock --fault`, as a user runs it.
# With -e it must end, exit 1 and say why in one line: at once when a partition stops on bad
# data (a batch whose CRC was broken in every Fetch answer), after the -m deadline when the
# partitions stay unusable (a Fetch answer that never decodes: aborted-transactions count
# 2^31; an unknown topic). Without -e it keeps reading and prints each cause once per
# partition, not once per attempt. A healthy topic still ends with exit 0, as soon as its last
# record is printed. Every run has a deadline; the time each took is printed.
set -uo pipefail
build=$1
kfk=$build/kfk
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"

# mock ARGS...: starts kfk mock ARGS (5 s at most to listen), produces one record "hello" to
# topic t unless noproduce=1; sets bs and mpid.
noproduce=0
mock() {
    # The previous mock's file goes first: the new one truncates it only once it runs, and the
    # loop below could read the old (dead) mock's address meanwhile.
    rm -f "$tmp/mock.out" "$tmp/mock.err"
    "$kfk" mock "$@" >"$tmp/mock.out" 2>"$tmp/mock.err" &
    mpid=$!
    pids+=("$mpid")
    bs=
    for _ in $(seq 1 500); do
        if head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP='; then
            bs=$(head -1 "$tmp/mock.out" | sed 's/^KFK_BOOTSTRAP=//')
            break
        fi
        kill -0 "$mpid" 2>/dev/null || break
        sleep 0.01
    done
    if [ -z "$bs" ]; then
        fail "kfk mock $* printed no KFK_BOOTSTRAP line: $(head -3 "$tmp/mock.err")"
        return 1
    fi
    [ "$noproduce" = 1 ] && return 0
    echo hello | timeout 10 "$kfk" produce -b "$bs" -t t >/dev/null 2>"$tmp/produce.err" ||
        fail "producing to the mock: $(cat "$tmp/produce.err")"
}

unmock() {
    kill -TERM "$mpid" 2>/dev/null
    wait "$mpid" 2>/dev/null
}

# consume LIMIT_S ARGS...: runs kfk consume -b $bs ARGS under a LIMIT_S deadline (SIGTERM; exit
# 124 when it had to be sent, unless preserve=1: then kfk's own exit status); sets rc, ms, lines
# (the "kfk consume:" lines on stderr) and first (the first of them).
preserve=0
consume() {
    local limit=$1 t0 t1 keep=()
    shift
    # --foreground: one SIGTERM to kfk only (by default timeout also signals its process group,
    # and a second SIGTERM after kfk's first one closed its handlers kills it: exit 143).
    [ "$preserve" = 1 ] && keep=(--preserve-status --foreground)
    t0=$(date +%s%N)
    timeout "${keep[@]}" -s TERM "$limit" "$kfk" consume -b "$bs" "$@" >"$tmp/c.out" 2>"$tmp/c.err"
    rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    lines=$(grep -c '^kfk consume: ' "$tmp/c.err")
    first=$(grep -m1 '^kfk consume: ' "$tmp/c.err")
}

# A batch CRC broken in every Fetch answer (byte 76 of a Fetch v12 answer to topic t: the first
# batch's CRC): the partition stops after 5 tries with backoff; -e exits 1 at once.
mock --topic t:1 --fault 'api=Fetch,patch=76:00000000,count=all' || exit 1
consume 15 -t t -o beginning -e -m 10
if [ "$rc" = 1 ] && [ "$lines" = 1 ] && [ "$ms" -lt 8000 ] &&
    [[ "$first" == "kfk consume: t/0: malformed record batch at offset 0: CRC-32C mismatch"* ]] &&
    [ ! -s "$tmp/c.out" ]; then
    pass "bad CRC, -e: exit 1 in $ms ms (before the 10 s deadline): $first"
else
    fail "bad CRC, -e: exit $rc in $ms ms, $lines lines, stdout $(wc -c <"$tmp/c.out") bytes: $(cat "$tmp/c.err")"
fi

# The same without -e: reading goes on (until SIGTERM), each cause printed once.
preserve=1
consume 4 -t t -o beginning
preserve=0
crc_lines=$(grep -c '^kfk consume: t/0: .*CRC-32C mismatch' "$tmp/c.err")
stopped=$(grep -c 'partition stopped' "$tmp/c.err")
if [ "$rc" = 0 ] && [ "$crc_lines" = 2 ] && [ "$stopped" = 1 ]; then
    pass "bad CRC, no -e: kept running until SIGTERM, the cause printed twice (retrying, stopped), not per attempt"
else
    fail "bad CRC, no -e: exit $rc, $crc_lines CRC lines, $stopped stop lines: $(cat "$tmp/c.err")"
fi
unmock

# A Fetch answer that never decodes (aborted-transactions count 2^31 at byte 53): a connection
# failure each time, backed off; -e gives up at the -m deadline with the cause.
mock --topic t:1 --fault 'api=Fetch,patch=53:8180808008,count=all' || exit 1
consume 15 -t t -o beginning -e -m 2
if [ "$rc" = 1 ] && [ "$lines" = 1 ] && [ "$ms" -ge 1900 ] && [ "$ms" -lt 6000 ] &&
    [[ "$first" == "kfk consume: t/0: Fetch answer from broker 1: malformed Fetch"*"aborted_transactions"* ]]; then
    pass "undecodable Fetch answer, -e -m 2: exit 1 in $ms ms: ${first:0:140}"
else
    fail "undecodable Fetch answer, -e -m 2: exit $rc in $ms ms, $lines lines: $(cat "$tmp/c.err")"
fi
unmock

# An unknown topic (no auto-creation): -e -m 2 ends with the topic's error.
noproduce=1
mock --no-auto-create --topic other:1 || exit 1
noproduce=0
consume 15 -t t -p 0 -o beginning -e -m 2
if [ "$rc" = 1 ] && [ "$lines" = 1 ] && [ "$ms" -lt 6000 ] &&
    [[ "$first" == "kfk consume: t/0: topic t: "*"UNKNOWN_TOPIC_OR_PARTITION"* ]]; then
    pass "unknown topic, -e -m 2: exit 1 in $ms ms: $first"
else
    fail "unknown topic, -e -m 2: exit $rc in $ms ms, $lines lines: $(cat "$tmp/c.err")"
fi
unmock

# A healthy topic: -e reads the record and exits 0, nothing on stderr.
mock --topic t:1 || exit 1
consume 15 -t t -o beginning -e -m 5
if [ "$rc" = 0 ] && [ "$(cat "$tmp/c.out")" = hello ] && [ "$lines" = 0 ]; then
    pass "healthy topic, -e: exit 0 in $ms ms with the record"
else
    fail "healthy topic, -e: exit $rc, stdout '$(cat "$tmp/c.out")': $(cat "$tmp/c.err")"
fi
unmock

# -e ends when the last record delivered was at the end of every partition, not at the next
# 100 ms check: every Fetch answer after the first (fetch.max.wait.ms 0: at once) claims a high
# watermark of 2 with no record 1 behind it. Ending at the check, the command would have taken
# that claim and waited for record 1 until the -m deadline (exit 1).
mock --topic t:1 --fault 'api=Fetch,skip=1,count=all,patch=29:0000000000000002' || exit 1
consume 15 -t t -o beginning -e -m 5 -X fetch.max.wait.ms=0
if [ "$rc" = 0 ] && [ "$(cat "$tmp/c.out")" = hello ] && [ "$lines" = 0 ]; then
    pass "-e ends with the batch that reached the end: exit 0 in $ms ms, before a later answer"
else
    fail "-e with a later answer's high watermark past the end: exit $rc in $ms ms, stdout '$(cat "$tmp/c.out")': $(cat "$tmp/c.err")"
fi
unmock

finish consume_faults
