#!/usr/bin/env bash
# cli.sh BUILD_DIR: the kfk tool through its real binary against the real broker and Redis
# (KFK_BOOTSTRAP, KFK_REDIS): every subcommand's happy path, its error lines and exit codes,
# JSON -> msgpack -> JSON round trips, and Ctrl-C (SIGINT sent here) on produce, consume and
# worker.
set -uo pipefail
build=$1
kfk=$build/kfk
if [ -z "${KFK_BOOTSTRAP:-}" ] || [ -z "${KFK_REDIS:-}" ]; then
    echo "no broker or Redis (KFK_BOOTSTRAP, KFK_REDIS)" >&2
    [ "${KFK_REQUIRE_BROKER:-}" = 1 ] && exit 1
    exit 77
fi
b=$KFK_BOOTSTRAP
s=cli-$$-$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/testlib.sh"
# expect CODE PATTERN -- command...: exit code and a stderr line matching PATTERN.
expect() {
    local code=$1 pat=$2 rc=0
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" != "$code" ]; then
        fail "$* exited $rc, not $code: $(head -3 "$tmp/err")"
    elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/err"; then
        fail "$*: no stderr line matching /$pat/: $(head -3 "$tmp/err")"
    else
        pass "$* -> $code${pat:+ ($(grep -Em1 -- "$pat" "$tmp/err"))}"
    fi
}

# ---- basics and usage errors ------------------------------------------------------------
expect 0 "" -- "$kfk" --version
grep -q '^kfk [0-9]' "$tmp/out" || fail "--version prints 'kfk VERSION'"
expect 0 "" -- "$kfk" help
for c in metadata topics produce consume worker emit listen bench demo; do
    grep -q "^  $c " "$tmp/out" || fail "kfk help lists $c"
    # Not grep -q: it may exit before kfk has written all, and kfk's SIGPIPE fails the pipe.
    "$kfk" "$c" --help 2>/dev/null | grep '^examples:' >/dev/null || fail "kfk $c --help has examples"
done
expect 2 "unknown command 'nope'" -- "$kfk" nope
expect 2 "unknown option --bogus" -- "$kfk" consume -b "$b" -t x --bogus
expect 2 "give the topic with -t TOPIC" -- "$kfk" produce -b "$b"
expect 2 "no brokers" -- "$kfk" metadata
expect 2 "Unknown configuration property|unknown" -- "$kfk" metadata -b "$b" -X no.such.key=1
expect 1 "" -- timeout 60 "$kfk" metadata -b 127.0.0.1:1 -X socket.connection.setup.timeout.ms=2000 \
    -X request.timeout.ms=3000
[ -s "$tmp/err" ] && pass "unreachable broker: $(head -1 "$tmp/err")" ||
    fail "unreachable broker: no error line"

# ---- topics and metadata -----------------------------------------------------------------
expect 0 "" -- "$kfk" topics create -b "$b" -t "$s-raw" --partitions 2
expect 1 "already exists|TOPIC_ALREADY_EXISTS" -- "$kfk" topics create -b "$b" -t "$s-raw"
expect 0 "" -- "$kfk" topics list -b "$b"
grep -q "$s-raw" "$tmp/out" || fail "topics list shows $s-raw"
expect 0 "" -- "$kfk" metadata -b "$b" -t "$s-raw"
grep -q "partition 1" "$tmp/out" || fail "metadata shows partition 1: $(cat "$tmp/out")"

# ---- produce / consume raw ----------------------------------------------------------------
seq 1 500 >"$tmp/lines"
expect 0 "500 records .* delivered" -- "$kfk" produce -b "$b" -t "$s-raw" -p 0 <"$tmp/lines"
expect 0 "" -- "$kfk" consume -b "$b" -t "$s-raw" -p 0 -o beginning -e
cmp -s "$tmp/out" "$tmp/lines" && pass "consume -e returns the 500 lines in order" ||
    fail "consume -e output differs from what was produced"
expect 0 "" -- "$kfk" consume -b "$b" -t "$s-raw" -o beginning -c 7 -f '%p:%o:%s\n'
[ "$(wc -l <"$tmp/out")" = 7 ] && pass "-c 7 -f prints 7 lines" || fail "-c 7: $(wc -l <"$tmp/out") lines"
grep -q '^0:0:1$' "$tmp/out" || fail "-f '%p:%o:%s' prints 0:0:1 first: $(head -1 "$tmp/out")"
expect 1 "UNKNOWN_TOPIC|Unknown topic" -- timeout 30 "$kfk" consume -b "$b" -t "$s-missing" -e

# -X statistics.interval.ms: the statistics documents, one JSON line each, on stderr.
"$kfk" topics create -b "$b" -t "$s-stats" --partitions 1 >/dev/null 2>&1
rc=0
# stdin stays open until three documents came and one counts the first 10 records sent (30 s
# at most), whatever the machine's speed: kfk prints no last document when it exits, so a run
# whose first documents came before the records were acknowledged would show none with 10.
: >"$tmp/err"
(
    seq 1 10
    for _ in $(seq 1 300); do
        [ "$(grep -c '^{' "$tmp/err" 2>/dev/null)" -ge 3 ] &&
            grep -Eq '"txmsgs":([1-9][0-9]+)' "$tmp/err" && break
        sleep 0.1
    done
    seq 11 20
) | "$kfk" produce -b "$b" -t "$s-stats" \
    -X statistics.interval.ms=100 >"$tmp/out" 2>"$tmp/err" || rc=$?
python3 - "$tmp/err" <<'EOF' && [ "$rc" = 0 ] && pass "produce -X statistics.interval.ms=100 prints producer statistics on stderr" || fail "statistics lines (rc $rc): $(head -c 300 "$tmp/err")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
assert len(docs) >= 3, len(docs)
assert all(d["type"] == "producer" for d in docs)
assert any(d["txmsgs"] >= 10 for d in docs), [d["txmsgs"] for d in docs]
EOF

# ---- JSON -> msgpack -> JSON ------------------------------------------------------------------
"$kfk" topics create -b "$b" -t "$s-json" --partitions 3 >/dev/null 2>&1
cat >"$tmp/json" <<'EOF'
{"user":{"id":42,"name":"Zoë"},"n":[1,2.5,null,true,false],"s":"a\"b\\c\u0001"}
{"user":{"id":"u-7"},"big":9223372036854775807,"neg":-9223372036854775808,"f":1e-300}
{"user":{"id":43},"empty":{},"list":[]}
EOF
expect 0 "3 records" -- "$kfk" produce -b "$b" -t "$s-json" --format json --partition-by user.id \
    <"$tmp/json"
expect 0 "" -- "$kfk" consume -b "$b" -t "$s-json" -o beginning -e --format json
python3 - "$tmp/json" "$tmp/out" <<'EOF' && pass "JSON -> msgpack -> JSON keeps every value and keys by user.id" || fail "JSON round trip"
import json, sys
sent = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == 3, got
for r in got:
    assert r["value"] in sent, r["value"]
    assert r["key"] == str(r["value"]["user"]["id"]), r
EOF
printf '{"user":{"id":1}}\n{"user":\n' >"$tmp/bad"
expect 1 "bad JSON at line 2" -- "$kfk" produce -b "$b" -t "$s-json" --format json <"$tmp/bad"
printf '{"n":18446744073709551615}\n' >"$tmp/big"
expect 1 "bad JSON at line 1: too big integer" -- "$kfk" produce -b "$b" -t "$s-json" --format json <"$tmp/big"
expect 1 "line 1: --partition-by user.nope" -- "$kfk" produce -b "$b" -t "$s-json" \
    --format json --partition-by user.nope <"$tmp/json"

# ---- emit / listen --------------------------------------------------------------------------
"$kfk" topics create -b "$b" -t "$s-ev" --partitions 3 >/dev/null 2>&1
printf '{"user":{"id":1}}\n{"user":{"id":2}}\n' |
    "$kfk" emit -b "$b" -t "$s-ev" --type UserRegistered --partition-by user.id 2>/dev/null ||
    fail "emit json"
printf '{"user":{"id":3}}\n' |
    "$kfk" emit -b "$b" -t "$s-ev" --type Other --envelope json 2>/dev/null || fail "emit other"
expect 0 "" -- timeout 60 "$kfk" listen -b "$b" -t "$s-ev" -G "$s-g" --type UserRegistered -e
python3 - "$tmp/out" <<'EOF' && pass "listen --type prints the 2 UserRegistered events" || fail "listen output: $(cat "$tmp/out")"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
assert sorted(g["body"]["user"]["id"] for g in got) == [1, 2], got
assert all(g["type"] == "UserRegistered" and len(g["id"]) == 36 and g["timestamp"] > 0 for g in got)
EOF
expect 2 "--type TYPE" -- "$kfk" emit -b "$b" -t "$s-ev"
printf '[1,2]\n' >"$tmp/notobj"
expect 1 "line 1: the event is not a map" -- "$kfk" emit -b "$b" -t "$s-ev" --type X <"$tmp/notobj"

# ---- worker and its lock ---------------------------------------------------------------------
expect 0 "" -- timeout 60 "$kfk" worker -b "$b" -t "$s-raw" -p 0 -G "$s-w" --redis "$KFK_REDIS" \
    -o beginning -e
[ "$(wc -l <"$tmp/out")" = 500 ] && pass "worker -e consumed the 500 records of partition 0" ||
    fail "worker printed $(wc -l <"$tmp/out") lines"
redis-cli -u "redis://$KFK_REDIS" SET "kfk:lock:$s-w:$s-raw:1" other PX 20000 >/dev/null
expect 3 "locked by another worker" -- timeout 30 "$kfk" worker -b "$b" -t "$s-raw" -p 1 \
    -G "$s-w" --redis "$KFK_REDIS"

# ---- Ctrl-C ----------------------------------------------------------------------------------
# consume -G: SIGINT commits what was printed and leaves; a second run resumes after it.
"$kfk" consume -b "$b" -t "$s-raw" -G "$s-int" -o beginning >"$tmp/c1" 2>"$tmp/c1err" &
pid=$!
for _ in $(seq 1 100); do [ "$(wc -l <"$tmp/c1")" -ge 500 ] && break; sleep 0.1; done
kill -INT $pid
rc=0
wait $pid || rc=$?
[ "$rc" = 0 ] && grep -q "interrupted: committing" "$tmp/c1err" && pass "consume -G: SIGINT -> exit 0, commits" ||
    fail "consume SIGINT: exit $rc, $(cat "$tmp/c1err" | tail -2)"
expect 0 "" -- timeout 30 "$kfk" consume -b "$b" -t "$s-raw" -G "$s-int" -e
[ ! -s "$tmp/out" ] && pass "after SIGINT the group's offset is committed (nothing again)" ||
    fail "records came again after the SIGINT commit: $(wc -l <"$tmp/out")"
# produce: SIGINT flushes what is queued and reports it.
(seq 1 100; sleep 30) | "$kfk" produce -b "$b" -t "$s-raw" -p 1 >/dev/null 2>"$tmp/p1err" &
pid=$!
sleep 2
kill -INT $pid
rc=0
wait $pid || rc=$?
grep -q "100 records .* delivered" "$tmp/p1err" && pass "produce: SIGINT flushes and reports 100 delivered (exit $rc)" ||
    fail "produce SIGINT: $(cat "$tmp/p1err")"
# worker: SIGINT releases the lock, so the next worker gets it at once. The signal goes once
# the worker holds the lock (30 s at most): by then its handler is in place (a background job
# starts with SIGINT ignored, so an early one would be lost and the worker run on).
"$kfk" worker -b "$b" -t "$s-raw" -p 0 -G "$s-w2" --redis "$KFK_REDIS" >/dev/null 2>"$tmp/w1err" &
pid=$!
for _ in $(seq 1 300); do
    [ -n "$(redis-cli -u "redis://$KFK_REDIS" GET "kfk:lock:$s-w2:$s-raw:0" 2>/dev/null)" ] && break
    sleep 0.1
done
kill -INT $pid
rc=0
wait $pid || rc=$?
expect 0 "" -- timeout 30 "$kfk" worker -b "$b" -t "$s-raw" -p 0 -G "$s-w2" --redis "$KFK_REDIS" -e
[ "$rc" = 0 ] && pass "worker: SIGINT -> exit 0 and the lock is free for the next worker" ||
    fail "worker SIGINT: exit $rc: $(cat "$tmp/w1err")"

# ---- bench -----------------------------------------------------------------------------------
expect 0 "" -- "$kfk" bench produce -b "$b" -t "$s-raw" -n 20000 -s 100 -p 1
grep -q '^20000 records sent' "$tmp/out" && grep -q 'p99' "$tmp/out" && pass "bench produce: $(head -1 "$tmp/out")" ||
    fail "bench produce: $(cat "$tmp/out")"
expect 0 "" -- "$kfk" bench consume -b "$b" -t "$s-raw" -n 20000 -p 1
grep -q '^20[0-9]* records consumed' "$tmp/out" && pass "bench consume: $(head -1 "$tmp/out")" ||
    fail "bench consume: $(cat "$tmp/out")"

"$kfk" topics delete -b "$b" -t "$s-raw" -t "$s-json" -t "$s-ev" -t "$s-stats" >/dev/null 2>&1 || true
finish cli
