#!/usr/bin/env bash
# mock_cli.sh BUILD_DIR: `kfk mock` through its real binary, with no broker: it prints
# KFK_BOOTSTRAP=... first once listening (waited for with a deadline, time reported), kcat -L
# (when installed) and kfk's own admin (kfk metadata, kfk topics) list its brokers and topics,
# a --fault reaches the answers, bad options are usage errors, SIGTERM/SIGINT end it with
# exit 0, kfk produce waits for room in a full queue without spinning and skips a line no record
# can hold.
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

# start NAME ARGS...: runs kfk mock ARGS in the background and waits (5 s at most) for its
# first stdout line; sets bs (the bootstrap list), pid and ready_ms.
start() {
    local name=$1
    shift
    local t0 t1
    t0=$(date +%s%N)
    "$kfk" mock "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids+=("$pid")
    bs=
    for _ in $(seq 1 500); do
        if head -1 "$tmp/$name.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP='; then
            bs=$(head -1 "$tmp/$name.out" | sed 's/^KFK_BOOTSTRAP=//')
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    t1=$(date +%s%N)
    ready_ms=$(((t1 - t0) / 1000000))
    if [ -z "$bs" ]; then
        fail "kfk mock $* printed no KFK_BOOTSTRAP line: $(head -3 "$tmp/$name.err")"
        return 1
    fi
    pass "kfk mock $* ready in ${ready_ms} ms: $bs"
}

# stop SIGNAL: sends it and checks exit 0 within 5 s.
stop() {
    local sig=$1 rc
    kill "-$sig" "$pid"
    for _ in $(seq 1 500); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "kfk mock still runs 5 s after SIG$sig"
        return
    fi
    wait "$pid"
    rc=$?
    [ "$rc" = 0 ] && pass "SIG$sig: kfk mock exits 0" || fail "SIG$sig: kfk mock exited $rc"
}

# ---- usage errors -----------------------------------------------------------------------------
for args in "--brokers 0" "--brokers 65" "--port -1" "--topic" "--bogus" "--topic :3" \
    "--fault api=Nope,error=1"; do
    # shellcheck disable=SC2086
    "$kfk" mock $args >"$tmp/u.out" 2>"$tmp/u.err"
    rc=$?
    if [ "$rc" = 2 ] && [ ! -s "$tmp/u.out" ] && grep -q '^kfk mock: ' "$tmp/u.err"; then
        pass "kfk mock $args -> 2 ($(head -1 "$tmp/u.err"))"
    else
        fail "kfk mock $args exited $rc (want 2, a 'kfk mock:' line, nothing on stdout)"
    fi
done
"$kfk" mock --help | grep '^examples:' >/dev/null && pass "kfk mock --help has examples" ||
    fail "kfk mock --help has examples"
"$kfk" help | grep '^  mock ' >/dev/null && pass "kfk help lists mock" || fail "kfk help lists mock"

# ---- three brokers, two topics ------------------------------------------------------------------
start three --brokers 3 --topic foo:4 --topic bar || exit 1
[ "$(echo "$bs" | tr ',' '\n' | grep -c '^127\.0\.0\.1:[0-9]*$')" = 3 ] &&
    pass "three brokers in KFK_BOOTSTRAP" || fail "KFK_BOOTSTRAP=$bs is not three 127.0.0.1:P"

if command -v kcat >/dev/null; then
    timeout 20 kcat -L -b "$bs" >"$tmp/kcat.out" 2>"$tmp/kcat.err"
    rc=$?
    ok=1
    [ "$rc" = 0 ] || ok=0
    grep -q ' 3 brokers:' "$tmp/kcat.out" || ok=0
    for i in 1 2 3; do
        port=$(echo "$bs" | cut -d, -f$i | cut -d: -f2)
        grep -q "broker $i at 127.0.0.1:$port" "$tmp/kcat.out" || ok=0
    done
    grep -q 'broker 1 at .*(controller)' "$tmp/kcat.out" || ok=0
    grep -q 'topic "foo" with 4 partitions' "$tmp/kcat.out" || ok=0
    grep -q 'topic "bar" with 1 partitions' "$tmp/kcat.out" || ok=0
    [ "$(grep -c 'partition [0-9], leader [123], replicas: [123], isrs: [123]$' "$tmp/kcat.out")" = 5 ] ||
        ok=0
    [ $ok = 1 ] && pass "kcat -L lists 3 brokers, foo (4 partitions) and bar (1)" ||
        fail "kcat -L (exit $rc): $(cat "$tmp/kcat.out" "$tmp/kcat.err" | head -20)"
else
    echo "skip kcat -L (no kcat; apt-get install kcat)"
fi

timeout 20 "$kfk" metadata -b "$bs" --json >"$tmp/md.json" 2>"$tmp/md.err"
rc=$?
if [ "$rc" = 0 ] && python3 - "$tmp/md.json" "$bs" <<'EOF'; then
import json, sys
md = json.load(open(sys.argv[1]))
ports = [int(hp.split(":")[1]) for hp in sys.argv[2].split(",")]
assert [b["id"] for b in md["brokers"]] == [1, 2, 3], md["brokers"]
assert [b["port"] for b in md["brokers"]] == ports
assert md["controller_id"] == 1
assert len(md["cluster_id"]) == 22
topics = {t["topic"]: t for t in md["topics"]}
assert sorted(topics) == ["bar", "foo"], sorted(topics)
foo = topics["foo"]["partitions"]
assert [p["partition"] for p in foo] == [0, 1, 2, 3]
assert sorted({p["leader"] for p in foo}) == [1, 2, 3], foo
for p in foo:
    assert p["replicas"] == [p["leader"]] and p["isrs"] == [p["leader"]], p
EOF
    pass "kfk metadata --json: brokers 1-3 on the bootstrap ports, controller 1, foo and bar"
else
    fail "kfk metadata --json (exit $rc): $(head -5 "$tmp/md.err") $(head -c 400 "$tmp/md.json")"
fi

if timeout 20 "$kfk" topics create -b "$bs" -t made --partitions 6 --replication-factor 3 \
    >"$tmp/tc.out" 2>&1 &&
    timeout 20 "$kfk" metadata -b "$bs" -t made --json >"$tmp/made.json" 2>&1 &&
    python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["topics"][0]
assert t["topic"] == "made" and len(t["partitions"]) == 6, t
assert all(len(p["replicas"]) == 3 for p in t["partitions"]), t' "$tmp/made.json" &&
    timeout 20 "$kfk" topics delete -b "$bs" -t made >>"$tmp/tc.out" 2>&1; then
    pass "kfk topics create (6 partitions, 3 replicas), metadata, delete"
else
    fail "kfk topics create/delete: $(cat "$tmp/tc.out" | head -5) $(head -c 300 "$tmp/made.json")"
fi
timeout 20 "$kfk" topics create -b "$bs" -t unnamed --config =x >"$tmp/tc3.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "^kfk topics create: --config =x: expected name=value" "$tmp/tc3.out" &&
    pass "kfk topics create --config =x -> 2 (a config without a name; it was sent)" ||
    fail "kfk topics create --config =x exited $rc: $(head -2 "$tmp/tc3.out")"
timeout 20 "$kfk" topics create -b "$bs" -t foo >"$tmp/tc2.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -qi 'already exists' "$tmp/tc2.out" &&
    pass "kfk topics create of an existing topic: exit 1, already exists" ||
    fail "kfk topics create foo again exited $rc: $(head -3 "$tmp/tc2.out")"
stop TERM

# ---- a fault from the command line, and SIGINT ----------------------------------------------------
start fault --topic foo:2 --fault 'api=Metadata,topic=foo,count=all,error=TOPIC_AUTHORIZATION_FAILED' ||
    exit 1
timeout 20 "$kfk" metadata -b "$bs" -t foo --json >"$tmp/f.json" 2>"$tmp/f.err"
grep -q 'TOPIC_AUTHORIZATION_FAILED' "$tmp/f.json" &&
    pass "--fault: Metadata answers foo with TOPIC_AUTHORIZATION_FAILED" ||
    fail "--fault not applied: $(head -c 300 "$tmp/f.json") $(head -3 "$tmp/f.err")"
stop INT

# ---- the same fault as JSON (--faults-json), and a bad JSON file -------------------------------
printf '[{"api": "Metadata", "topic": "foo", "count": "all", "error": "TOPIC_AUTHORIZATION_FAILED"}]' \
    >"$tmp/faults.json"
start json --topic foo:2 --faults-json "$tmp/faults.json" || exit 1
timeout 20 "$kfk" metadata -b "$bs" -t foo --json >"$tmp/j.json" 2>"$tmp/j.err"
grep -q 'TOPIC_AUTHORIZATION_FAILED' "$tmp/j.json" &&
    pass "--faults-json: Metadata answers foo with TOPIC_AUTHORIZATION_FAILED" ||
    fail "--faults-json not applied: $(head -c 300 "$tmp/j.json") $(head -3 "$tmp/j.err")"
stop TERM
printf '[{"api": "Metadata", "eror": "TOPIC_AUTHORIZATION_FAILED"}]' >"$tmp/bad.json"
"$kfk" mock --faults-json "$tmp/bad.json" >"$tmp/bj.out" 2>"$tmp/bj.err"
rc=$?
[ "$rc" = 2 ] && [ ! -s "$tmp/bj.out" ] && grep -q "eror" "$tmp/bj.err" &&
    pass "--faults-json with an unknown key -> 2 ($(head -1 "$tmp/bj.err"))" ||
    fail "--faults-json with an unknown key exited $rc: $(head -2 "$tmp/bj.err")"

# ---- kfk produce waits for room in a full queue without spinning -----------------------------
# Every Produce answered 1 s late and a queue of 100 records: kfk produce spends most of the run
# waiting for room, and while it waits it must sleep in its loop. Judged from the scheduler's
# own account (/proc/PID/schedstat: time on a CPU plus time waiting for one) over 2 s of the
# wait, which does not depend on how busy the machine is: a process that spins is runnable all
# the time (a handle left active while the queue was full did that), one that sleeps is not.
start slow --topic slow:1 --fault 'api=Produce,count=all,delay=1000' || exit 1
seq 1 400 >"$tmp/400.txt"
"$kfk" produce -b "$bs" -t slow -X queue.buffering.max.messages=100 -X linger.ms=0 \
    -X batch.size=1024 <"$tmp/400.txt" >"$tmp/slow.out" 2>"$tmp/slow.err" &
kp=$!
pids+=("$kp")
sleep 1
s1=$(cat "/proc/$kp/schedstat" 2>/dev/null)
t1=$(date +%s%N)
sleep 2
s2=$(cat "/proc/$kp/schedstat" 2>/dev/null)
t2=$(date +%s%N)
for _ in $(seq 1 600); do
    kill -0 "$kp" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$kp" 2>/dev/null; then
    fail "kfk produce through 1 s answers still runs after 60 s"
else
    wait "$kp"
    rc=$?
    if [ -z "$s1" ] || [ -z "$s2" ]; then
        fail "no /proc/$kp/schedstat to judge the wait by (kfk produce exited $rc)"
    else
        read -r c1 w1 _ <<<"$s1"
        read -r c2 w2 _ <<<"$s2"
        pct=$(((c2 - c1 + w2 - w1) * 100 / (t2 - t1)))
        if [ "$rc" = 0 ] && [ "$pct" -lt 50 ]; then
            pass "a full queue waited on: runnable ${pct}% of 2 s of waiting ($(tail -1 "$tmp/slow.err"))"
        else
            fail "a full queue: exit $rc, runnable ${pct}% of 2 s of waiting (a spin is ~100%, under 50% expected): $(tail -2 "$tmp/slow.err")"
        fi
    fi
fi
stop TERM

# ---- kfk produce skips a line no record can hold, and goes on --------------------------------------
# A 3 MB line (message.max.bytes is 1 MB) between two short ones, from a file and from a pipe: it
# is reported and skipped as it is read (not held whole), the two others are delivered, exit 1.
# From a file this once spun for ever: a partial line over 1 MiB stopped all further reading.
start long --topic long:1 || exit 1
{ echo a; head -c 3000000 /dev/zero | tr '\0' x; echo; echo b; } >"$tmp/long.txt"
for how in file pipe; do
    if [ $how = file ]; then
        timeout 30 "$kfk" produce -b "$bs" -t long <"$tmp/long.txt" >"$tmp/long.out" 2>"$tmp/long.err"
    else
        cat "$tmp/long.txt" | timeout 30 "$kfk" produce -b "$bs" -t long >"$tmp/long.out" 2>"$tmp/long.err"
    fi
    rc=$?
    [ "$rc" = 1 ] && grep -q "line 2 is longer than 1048576 bytes, more than a record of message.max.bytes can hold: skipped" "$tmp/long.err" &&
        grep -q "^kfk produce: 2 records (2 bytes) delivered" "$tmp/long.err" &&
        pass "a 3 MB line from a $how: skipped, the 2 others delivered, exit 1 ($(tail -1 "$tmp/long.err"))" ||
        fail "a 3 MB line from a $how: exit $rc (124: still running after 30 s): $(tail -2 "$tmp/long.err")"
done
stop TERM

# ---- stdin and stdout that are not pipes or terminals -------------------------------------------
# kfk produce from /dev/null (a character device epoll refuses: libuv aborted on it), from a
# closed stdin (libuv's own fds took number 0 and aborted closing it) and from a directory. kfk
# consume into a full disk and a closed stdout: an error, and no offset committed past what
# reached stdout (the records went on being committed unwritten); into a reader that leaves
# (| head -2), without -e: it ends (it went on reading the topic into nothing). kfk mock whose
# KFK_BOOTSTRAP line cannot be written: an error (it served on, nobody knowing where).
start stdio --topic out:1 || exit 1
t0=$(date +%s%N)
timeout 30 "$kfk" produce -b "$bs" -t out </dev/null >"$tmp/in.out" 2>"$tmp/in.err"
rc=$?
[ "$rc" = 0 ] && grep -q "^kfk produce: 0 records (0 bytes) delivered to out, 0 failed" "$tmp/in.err" &&
    pass "kfk produce </dev/null -> 0 ($(tail -1 "$tmp/in.err"))" ||
    fail "kfk produce </dev/null exited $rc (134: abort): $(tail -2 "$tmp/in.err")"
timeout 30 "$kfk" produce -b "$bs" -t out <&- >"$tmp/in.out" 2>"$tmp/in.err"
rc=$?
[ "$rc" = 1 ] && grep -q "^kfk produce: cannot read stdin: bad file descriptor" "$tmp/in.err" &&
    pass "kfk produce with stdin closed -> 1 ($(head -1 "$tmp/in.err"))" ||
    fail "kfk produce with stdin closed exited $rc (134: abort): $(tail -2 "$tmp/in.err")"
timeout 30 "$kfk" produce -b "$bs" -t out <"$tmp" >"$tmp/in.out" 2>"$tmp/in.err"
rc=$?
[ "$rc" = 1 ] && grep -q "^kfk produce: cannot read stdin: illegal operation on a directory" "$tmp/in.err" &&
    pass "kfk produce <directory -> 1 ($(head -1 "$tmp/in.err"))" ||
    fail "kfk produce <directory exited $rc: $(tail -2 "$tmp/in.err")"
seq 1 1000 | timeout 30 "$kfk" produce -b "$bs" -t out 2>"$tmp/in.err" ||
    fail "kfk produce of 1000 lines: $(tail -2 "$tmp/in.err")"
if [ -w /dev/full ]; then
    timeout 30 "$kfk" consume -b "$bs" -t out -G full -o beginning -e >/dev/full 2>"$tmp/full.err"
    rc=$?
    timeout 30 "$kfk" groups describe -b "$bs" full >"$tmp/full.desc" 2>&1
    committed=$(awk '$1 == "full" && $2 == "out" {print $4}' "$tmp/full.desc")
    [ "$rc" = 1 ] && grep -q "cannot write stdout: No space left on device" "$tmp/full.err" &&
        [ -z "$committed" ] &&
        pass "kfk consume -G >/dev/full -> 1, no offset committed ($(grep -v '^%' "$tmp/full.err" | head -1))" ||
        fail "kfk consume -G >/dev/full exited $rc, committed '${committed}': $(grep -v '^%' "$tmp/full.err" | head -2)"
    # Through stdio (-f, JSON) as through the raw writer: the cause is said once, by the command.
    for fmt in "-f %s\n" "--format json"; do
        timeout 30 "$kfk" consume -b "$bs" -t out -o beginning -e $fmt >/dev/full 2>"$tmp/full.err"
        rc=$?
        said=$(grep -c "cannot write stdout" "$tmp/full.err")
        [ "$rc" = 1 ] && [ "$said" = 1 ] &&
            pass "kfk consume $fmt >/dev/full -> 1, the cause said once" ||
            fail "kfk consume $fmt >/dev/full exited $rc, said $said times: $(grep -v '^%' "$tmp/full.err" | head -3)"
    done
    n=$(timeout 30 "$kfk" consume -b "$bs" -t out -G full -o beginning -e 2>"$tmp/full.err" | wc -l)
    [ "$n" = 1000 ] && pass "the same group then reads all 1000 records" ||
        fail "the same group then read $n records, not 1000: $(grep -v '^%' "$tmp/full.err" | tail -2)"
fi
timeout 30 "$kfk" consume -b "$bs" -t out -o beginning -e >&- 2>"$tmp/closed.err"
rc=$?
[ "$rc" = 1 ] && grep -q "cannot write stdout: Bad file descriptor" "$tmp/closed.err" &&
    pass "kfk consume with stdout closed -> 1 ($(head -1 "$tmp/closed.err"))" ||
    fail "kfk consume with stdout closed exited $rc: $(tail -2 "$tmp/closed.err")"
timeout 30 "$kfk" consume -b "$bs" -t out -o beginning 2>"$tmp/head.err" | head -2 >"$tmp/head.out"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && [ "$(cat "$tmp/head.out" | tr '\n' ' ')" = "1 2 " ] &&
    pass "kfk consume (following) | head -2 -> 0, ends when head does" ||
    fail "kfk consume (following) | head -2 exited $rc (124: still running after 30 s), printed '$(head -c 40 "$tmp/head.out")': $(tail -2 "$tmp/head.err")"
if [ -w /dev/full ]; then
    timeout 10 "$kfk" mock >/dev/full 2>"$tmp/mfull.err"
    rc=$?
    [ "$rc" = 1 ] && grep -q "cannot write the KFK_BOOTSTRAP line to stdout: No space left on device" "$tmp/mfull.err" &&
        pass "kfk mock >/dev/full -> 1 ($(head -1 "$tmp/mfull.err"))" ||
        fail "kfk mock >/dev/full exited $rc (124: served on, its line lost): $(head -2 "$tmp/mfull.err")"
fi
# A command's stdio output that cannot be written: exit 1 and the cause (it was exit 0).
if [ -w /dev/full ]; then
    timeout 30 "$kfk" metadata -b "$bs" >/dev/full 2>"$tmp/md.err"
    rc=$?
    [ "$rc" = 1 ] && grep -q "^kfk: cannot write stdout: No space left on device" "$tmp/md.err" &&
        pass "kfk metadata >/dev/full -> 1 ($(head -1 "$tmp/md.err"))" ||
        fail "kfk metadata >/dev/full exited $rc: $(head -2 "$tmp/md.err")"
fi
# kfk worker whose Redis refuses connections: the cause in its last line (it said only "Redis
# command failed").
timeout 30 "$kfk" worker -b "$bs" -t out -p 0 -G w --redis 127.0.0.1:1 -e </dev/null >"$tmp/w.out" 2>"$tmp/w.err"
rc=$?
[ "$rc" = 1 ] && grep -q "^kfk worker: cannot take lock kfk:lock:w:out:0: redis 127.0.0.1:1: Connection refused" "$tmp/w.err" &&
    pass "kfk worker --redis 127.0.0.1:1 -> 1 ($(grep '^kfk worker' "$tmp/w.err"))" ||
    fail "kfk worker --redis 127.0.0.1:1 exited $rc: $(grep -v '^%' "$tmp/w.err" | head -2)"
t1=$(date +%s%N)
echo "# stdin/stdout checks took $(((t1 - t0) / 1000000)) ms"
stop TERM

# ---- kfk produce --format msgpack ----------------------------------------------------------------
# Values sent byte for byte as they came (a map, a string, an int, keys from --partition-by); a
# stream that ends inside a value, a value declaring 2^32-1 items in 5 bytes (msgpack-c's
# unpacker allocated from that count), the byte 0xc1 and a value past message.max.bytes: exit 1,
# the cause named, the values before it delivered. These ended with exit 0 and the bad bytes
# dropped unsaid.
start mp --topic mp:1 --topic mpk:1 || exit 1
mp_run() { # NAME TOPIC PYTHON-BYTES [ARGS]: kfk produce --format msgpack of those bytes
    local name=$1 topic=$2 bytes=$3
    shift 3
    python3 -c "import sys; sys.stdout.buffer.write($bytes)" |
        timeout 30 "$kfk" produce -b "$bs" -t "$topic" --format msgpack "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
}
good="bytes.fromhex('82a16101a16292c3c0') + bytes.fromhex('a3616263') + bytes.fromhex('cd0102')"
mp_run ok mp "$good"
rc=$?
got=$(timeout 30 "$kfk" consume -b "$bs" -t mp -o beginning -e -f '%s|' 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ "$rc" = 0 ] && [ "$got" = "82a16101a16292c3c07ca36162637ccd01027c" ] &&
    pass "--format msgpack: 3 values sent byte for byte ($(tail -1 "$tmp/ok.err"))" ||
    fail "--format msgpack: exit $rc, consumed $got: $(tail -2 "$tmp/ok.err")"
mp_run key mpk "bytes.fromhex('81a2696405') + bytes.fromhex('81a26964a178')" --partition-by id
got=$(timeout 30 "$kfk" consume -b "$bs" -t mpk -o beginning -e -f '%k\n' 2>/dev/null | tr '\n' ' ')
[ "$got" = "5 x " ] && pass "--format msgpack --partition-by id: keys 5 and x" ||
    fail "--format msgpack --partition-by id: keys '$got': $(tail -2 "$tmp/key.err")"
mp_check() { # NAME PYTHON-BYTES WANT-MESSAGE WANT-SUMMARY WHAT
    mp_run "$1" mp "$2"
    local rc=$?
    [ "$rc" = 1 ] && grep -qF "$3" "$tmp/$1.err" && grep -qF "$4" "$tmp/$1.err" &&
        pass "$5 -> 1 ($(head -1 "$tmp/$1.err"))" ||
        fail "$5: exit $rc (124: still running): $(head -3 "$tmp/$1.err")"
}
mp_check cut "bytes.fromhex('a3616263') + bytes.fromhex('93010203')[:3]" \
    "stdin ends inside msgpack value 2 (3 bytes of it read)" "1 records (4 bytes) delivered" \
    "a stream cut inside its second value"
mp_check huge "bytes.fromhex('ddffffffff')" "stdin ends inside msgpack value 1 (5 bytes of it read)" \
    "0 records (0 bytes) delivered" "5 bytes declaring 2^32-1 items"
mp_check c1 "bytes.fromhex('01c102')" "value 2 is malformed (the byte 0xc1" \
    "1 records (1 bytes) delivered" "the byte 0xc1 as the second value"
mp_check big "bytes.fromhex('01') + bytes.fromhex('db00200000') + b'x' * (2 << 20)" \
    "msgpack value 2 is longer than 1048576 bytes, more than a record of message.max.bytes can hold: stopping" \
    "1 records (1 bytes) delivered" "a 2 MiB string after a value"
stop TERM

# ---- a port already in use -----------------------------------------------------------------------
start first || exit 1
port=$(echo "$bs" | cut -d: -f2)
"$kfk" mock --port "$port" >"$tmp/p.out" 2>"$tmp/p.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'cannot listen' "$tmp/p.err" &&
    pass "kfk mock --port $port (taken) -> 1 ($(head -1 "$tmp/p.err"))" ||
    fail "kfk mock --port $port (taken) exited $rc: $(head -2 "$tmp/p.err")"
stop TERM

finish mock_cli
