#!/usr/bin/env bash
# groups_kafka.sh BUILD_DIR: `kfk groups` against a real Kafka (KFK_BOOTSTRAP, Kafka's tools in
# KFK_KAFKA_LIBS; scripts/test sets both), checked against Kafka's own ConsumerGroupCommand:
# describe of a group with a kfk member (`kfk consume -G`) and a Java member
# (tests/integration/GroupPeer.java) lists the same rows (topic, partition, committed offset,
# log end offset, lag, consumer id, host, client id); a reset while they run is refused; once
# they left, reset-offsets --to-earliest / --shift-by are the offsets Kafka's tool shows and a
# new kfk member starts from, --to-offset what a new Java member starts from; `kfk groups
# delete` removes the group from Kafka's --list.
# Exit 77 without a broker or the jars.
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${KFK_BOOTSTRAP:-}" ] || [ -z "${KFK_KAFKA_LIBS:-}" ] || ! command -v java >/dev/null; then
    echo "no broker or Kafka tools (KFK_BOOTSTRAP, KFK_KAFKA_LIBS, java)" >&2
    exit 77
fi
kfk=$build/kfk
bs=$KFK_BOOTSTRAP
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"
run_id=$$-$(date +%s%N)
topic=groups-$run_id
group=kg-$run_id

cgc() { timeout 120 java -cp "$KFK_KAFKA_LIBS/*" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$bs" "$@" 2>/dev/null; }
# rows: the describe rows of $group, sorted, the columns both tools print.
kfk_rows() { timeout 30 "$kfk" groups describe "$group" -b "$bs" 2>/dev/null | awk '$1 == "'"$group"'" { print $2, $3, $4, $5, $6, $7, $8, $9 }' | sort; }
cgc_rows() { cgc --describe --group "$group" | awk '$1 == "'"$group"'" { print $2, $3, $4, $5, $6, $7, $8, $9 }' | sort; }

timeout 30 "$kfk" topics create -b "$bs" -t "$topic" --partitions 4 >/dev/null 2>"$tmp/ct.err" ||
    { echo "cannot create $topic: $(cat "$tmp/ct.err")" >&2; exit 1; }
for p in 0 1 2 3; do
    seq 1 $((p * 3 + 2)) | timeout 30 "$kfk" produce -b "$bs" -t "$topic" -p "$p" >/dev/null 2>&1 ||
        fail "produce to $topic/$p"
done

# ---- a kfk and a Java member ------------------------------------------------------------------
"$kfk" consume -b "$bs" -t "$topic" -G "$group" -o beginning -X client.id=kfk-member >/dev/null 2>"$tmp/c.err" &
kpid=$!
pids+=("$kpid")
timeout 150 java -cp "$KFK_KAFKA_LIBS/*" "$here/../integration/GroupPeer.java" "$bs" "$group" "$topic" 90 >"$tmp/j.out" 2>"$tmp/j.err" &
jpid=$!
pids+=("$jpid")
# Until both members own partitions and every partition is committed at its end (90 s at most).
ok=
for _ in $(seq 1 90); do
    rows=$(kfk_rows)
    if [ "$(echo "$rows" | awk '$3 == $4 && $5 == 0' | wc -l)" = 4 ] &&
        echo "$rows" | grep -q ' kfk-member$' && echo "$rows" | grep -q ' consumer-'; then
        ok=1
        break
    fi
    sleep 1
done
[ -n "$ok" ] && pass "both members own partitions, lag 0" || fail "the group never settled: $rows"
a=$(kfk_rows)
b=$(cgc_rows)
[ -n "$a" ] && [ "$a" = "$b" ] && pass "kfk groups describe = ConsumerGroupCommand --describe (4 rows)" ||
    fail "describe differs: kfk:
$a
ConsumerGroupCommand:
$b"
"$kfk" groups reset-offsets "$group" -b "$bs" --topic "$topic" --to-earliest >/dev/null 2>"$tmp/r.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'active member' "$tmp/r.err" && pass "reset refused while members run" ||
    fail "reset with members exited $rc: $(cat "$tmp/r.err")"
"$kfk" groups reset-offsets "$group" -b "$bs" --topic "$topic" --to-earliest --force >/dev/null 2>"$tmp/r.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'has active members: OffsetCommit answered' "$tmp/r.err" &&
    pass "--force: Kafka's refusal named: $(cat "$tmp/r.err")" || fail "reset --force exited $rc: $(cat "$tmp/r.err")"
kill -TERM "$kpid" "$jpid" 2>/dev/null
wait "$kpid" "$jpid" 2>/dev/null

# ---- reset once the group is empty ----------------------------------------------------------------
# wait_empty: until the group has no members (60 s at most).
wait_empty() {
    for _ in $(seq 1 60); do
        timeout 30 "$kfk" groups describe "$group" -b "$bs" --state 2>/dev/null | grep -q ' Empty ' && return 0
        sleep 1
    done
    fail "the group did not become Empty after its members left"
}
wait_empty
timeout 30 "$kfk" groups reset-offsets "$group" -b "$bs" --topic "$topic" --to-earliest >/dev/null 2>"$tmp/r.err" ||
    fail "reset --to-earliest: $(cat "$tmp/r.err")"
timeout 30 "$kfk" groups reset-offsets "$group" -b "$bs" --topic "$topic:2,3" --shift-by 3 >/dev/null 2>"$tmp/r.err" ||
    fail "reset --shift-by: $(cat "$tmp/r.err")"
want=$(printf '0 0\n1 0\n2 3\n3 3')
b=$(cgc_rows | awk '{ print $2, $3 }')
[ "$b" = "$want" ] && pass "ConsumerGroupCommand shows the reset offsets (0 0 3 3)" || fail "after reset, Kafka's tool: $b"
[ "$(kfk_rows | awk '{ print $2, $3 }')" = "$want" ] && pass "kfk groups describe shows them too" ||
    fail "after reset, kfk: $(kfk_rows)"
# The next kfk member starts from them: 2 + 5 + (8-3) + (11-3) = 20 records.
timeout 60 "$kfk" consume -b "$bs" -t "$topic" -G "$group" -c 20 -f '%p %o\n' >"$tmp/next" 2>/dev/null
n=$(awk '$1 >= 2 && $2 < 3' "$tmp/next" | wc -l)
[ "$(wc -l <"$tmp/next")" = 20 ] && [ "$n" = 0 ] &&
    pass "a new kfk member starts at the reset offsets (20 records, none below 3 on partitions 2, 3)" ||
    fail "the next member read $(wc -l <"$tmp/next") records, $n below the reset offsets"

# ... and the next Java member: --to-offset 1 everywhere, then 26 - 4 records, none at offset 0.
wait_empty
timeout 30 "$kfk" groups reset-offsets "$group" -b "$bs" --all-topics --to-offset 1 >/dev/null 2>"$tmp/r.err" ||
    fail "reset --to-offset 1: $(cat "$tmp/r.err")"
timeout 150 java -cp "$KFK_KAFKA_LIBS/*" "$here/../integration/GroupPeer.java" "$bs" "$group" "$topic" 90 22 >"$tmp/j2.out" 2>"$tmp/j2.err"
got=$(awk '$1 == "record"' "$tmp/j2.out" | wc -l)
low=$(awk '$1 == "record" && $3 == 0' "$tmp/j2.out" | wc -l)
[ "$got" = 22 ] && [ "$low" = 0 ] && pass "a new Java member starts at the reset offsets (22 records, none at offset 0)" ||
    fail "the Java member read $got records, $low at offset 0: $(head -5 "$tmp/j2.err")"

# ---- delete ----------------------------------------------------------------------------------------
wait_empty
timeout 30 "$kfk" groups delete "$group" -b "$bs" >"$tmp/d.out" 2>"$tmp/d.err" &&
    grep -q "Deleted group '$group'" "$tmp/d.out" && pass "kfk groups delete: $(cat "$tmp/d.out")" ||
    fail "delete: $(cat "$tmp/d.out" "$tmp/d.err")"
cgc --list | grep -qx "$group" && fail "ConsumerGroupCommand still lists $group" ||
    pass "ConsumerGroupCommand --list no longer lists the group"
timeout 30 "$kfk" groups delete "$group" -b "$bs" >/dev/null 2>"$tmp/d.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'GROUP_ID_NOT_FOUND' "$tmp/d.err" && pass "deleting it again -> 1: $(cat "$tmp/d.err")" ||
    fail "second delete exited $rc: $(cat "$tmp/d.err")"
timeout 30 "$kfk" topics delete -b "$bs" -t "$topic" >/dev/null 2>&1

finish groups_kafka
