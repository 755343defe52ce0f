#!/usr/bin/env bash
# configs_kafka.sh BUILD_DIR: `kfk configs`, `kfk cluster` and `kfk topics add-partitions /
# delete-records` against a real Kafka (KFK_BOOTSTRAP, Kafka's tools in KFK_KAFKA_LIBS; scripts/test
# sets both), checked against Kafka's own tools: the configs kfk sets are the dynamic configs
# ConfigCommand --describe lists (name=value, the same lines up to Kafka's synonyms) and the other
# way round; --delete leaves none; the broker defaults agree; kfk cluster's id is ClusterTool's;
# add-partitions gives TopicCommand's PartitionCount; delete-records moves the log start offset
# GetOffsetShell --time -2 reports, --before -1 deletes every record, past the end is refused.
# Usage and unknown-topic errors exit 2 and 1 with the cause.
# Exit 77 without a broker or the jars.
set -uo pipefail
build=$1
if [ -z "${KFK_BOOTSTRAP:-}" ] || [ -z "${KFK_KAFKA_LIBS:-}" ] || ! command -v java >/dev/null; then
    echo "no broker or Kafka tools (KFK_BOOTSTRAP, KFK_KAFKA_LIBS, java)" >&2
    exit 77
fi
kfk=$build/kfk
bs=$KFK_BOOTSTRAP
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/testlib.sh"
topic=configs-$$-$(date +%s%N)

java_tool() { timeout 120 java -cp "$KFK_KAFKA_LIBS/*" "$@" 2>/dev/null; }
cc() { java_tool kafka.admin.ConfigCommand --bootstrap-server "$bs" "$@"; }
# The "  name=value" lines of a describe, sorted (Kafka's synonyms and kfk's source cut off).
pairs() { sed -n 's/^  \([^ ]*\) sensitive=.*/\1/p' | sort; }
kfk_pairs() { timeout 30 "$kfk" configs describe -b "$bs" "$@" 2>/dev/null | pairs; }
# kfk_pairs_until WANT_REGEX|! ARGS...: kfk_pairs once a line matches WANT_REGEX (with "!": once
# none does), 10 s at most. A broker applies an alter through its metadata log: the broker
# that describes may show it a moment later (Kafka 3.9 does, for broker defaults).
kfk_pairs_until() {
    local want=$1 out
    shift
    for _ in $(seq 1 50); do
        out=$(kfk_pairs "$@")
        case $want in
        !*) echo "$out" | grep -q -- "${want#!}" || break ;;
        *) echo "$out" | grep -q -- "$want" && break ;;
        esac
        sleep 0.2
    done
    echo "$out"
}

timeout 30 "$kfk" topics create -b "$bs" -t "$topic" --partitions 1 >/dev/null 2>"$tmp/ct.err" ||
    { echo "cannot create $topic: $(cat "$tmp/ct.err")" >&2; exit 1; }

# ---- alter with kfk, describe with both ---------------------------------------------------------
out=$(timeout 30 "$kfk" configs alter -b "$bs" --topic "$topic" \
    --set 'retention.ms=3600000,cleanup.policy=[compact,delete]' 2>&1)
[ "$out" = "Completed updating config for topic $topic." ] && pass "kfk configs alter --set" ||
    fail "alter --set said: $out"
a=$(kfk_pairs_until '^retention.ms=3600000$' --topic "$topic")
b=$(cc --describe --entity-type topics --entity-name "$topic" | pairs)
want=$'cleanup.policy=compact,delete\nretention.ms=3600000'
[ "$a" = "$want" ] && [ "$a" = "$b" ] && pass "describe = ConfigCommand --describe (2 configs)" ||
    fail "describe differs: kfk:
$a
ConfigCommand:
$b"
timeout 30 "$kfk" configs describe -b "$bs" --topic "$topic" 2>/dev/null | head -1 >"$tmp/h"
[ "$(cat "$tmp/h")" = "Dynamic configs for topic $topic are:" ] && pass "ConfigCommand's header" ||
    fail "header: $(cat "$tmp/h")"

# ---- alter with Kafka's tool, describe with kfk ---------------------------------------------------
cc --alter --entity-type topics --entity-name "$topic" --add-config segment.ms=600000 >/dev/null
a=$(kfk_pairs_until '^segment.ms=600000$' --topic "$topic")
echo "$a" | grep -qx 'segment.ms=600000' && pass "a config set by ConfigCommand is described" ||
    fail "segment.ms missing: $a"
timeout 30 "$kfk" configs describe -b "$bs" --topic "$topic" --json >"$tmp/j" 2>&1
python3 - "$tmp/j" <<'PY' && pass "--json: retention.ms DYNAMIC_TOPIC_CONFIG, segment.bytes DEFAULT_CONFIG" || fail "--json: $(head -c 400 "$tmp/j")"
import json, sys
d = json.load(open(sys.argv[1]))
c = {e["name"]: e for e in d["configs"]}
r, s = c["retention.ms"], c["segment.bytes"]
assert d["type"] == "topic" and r["value"] == "3600000" and r["source"] == "DYNAMIC_TOPIC_CONFIG"
assert not r["default"] and not r["read_only"] and not r["sensitive"]
assert s["source"] == "DEFAULT_CONFIG" and s["default"]
PY

# ---- delete ----------------------------------------------------------------------------------------
timeout 30 "$kfk" configs alter -b "$bs" --topic "$topic" \
    --delete retention.ms,cleanup.policy,segment.ms >/dev/null 2>"$tmp/d.err" || fail "alter --delete: $(cat "$tmp/d.err")"
a=$(kfk_pairs_until '!=' --topic "$topic")
b=$(cc --describe --entity-type topics --entity-name "$topic" | pairs)
[ -z "$a" ] && [ -z "$b" ] && pass "--delete leaves no dynamic config (both tools)" ||
    fail "after delete: kfk: $a / ConfigCommand: $b"

# ---- the broker defaults ------------------------------------------------------------------------
timeout 30 "$kfk" configs alter -b "$bs" --broker-defaults --set log.cleaner.backoff.ms=16000 >/dev/null 2>&1
a=$(kfk_pairs_until '^log.cleaner.backoff.ms=16000$' --broker-defaults)
b=$(cc --describe --entity-type brokers --entity-default | pairs)
echo "$a" | grep -qx 'log.cleaner.backoff.ms=16000' && [ "$a" = "$b" ] &&
    pass "broker defaults = ConfigCommand --entity-default" || fail "defaults: kfk: $a / ConfigCommand: $b"
timeout 30 "$kfk" configs alter -b "$bs" --broker-defaults --delete log.cleaner.backoff.ms >/dev/null 2>&1
a=$(kfk_pairs_until '!^log.cleaner.backoff.ms=' --broker-defaults)
echo "$a" | grep -q 'log.cleaner.backoff.ms' && fail "default not deleted: $a" || pass "broker default deleted"

# ---- errors --------------------------------------------------------------------------------------
timeout 30 "$kfk" configs describe -b "$bs" --topic "$topic-none" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 1 ] && grep -q 'no such topic (UNKNOWN_TOPIC_OR_PARTITION)' "$tmp/e" &&
    pass "unknown topic: exit 1 with the cause" || fail "unknown topic: exit $rc: $(cat "$tmp/e")"
timeout 30 "$kfk" configs alter -b "$bs" --topic "$topic" --set no.such.config=1 >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 1 ] && grep -q 'INVALID_CONFIG' "$tmp/e" && pass "unknown config: exit 1 (INVALID_CONFIG)" ||
    fail "unknown config: exit $rc: $(cat "$tmp/e")"
timeout 30 "$kfk" configs alter -b "$bs" --topic "$topic" >/dev/null 2>&1
[ $? = 2 ] && pass "alter without --set/--delete: exit 2" || fail "alter without changes did not exit 2"

# ---- cluster, partitions, records ----------------------------------------------------------------
a=$(timeout 30 "$kfk" cluster -b "$bs" 2>&1 | head -1)
b=$(java_tool org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "$bs")
[ -n "$b" ] && [ "$a" = "$b" ] && pass "kfk cluster's id = ClusterTool cluster-id ($b)" ||
    fail "cluster id: kfk: $a / ClusterTool: $b"
timeout 30 "$kfk" topics add-partitions -b "$bs" -t "$topic" --partitions 3 >/dev/null 2>"$tmp/e" ||
    fail "add-partitions: $(cat "$tmp/e")"
n=$(java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --describe --topic "$topic" |
    sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -1)
[ "$n" = 3 ] && pass "add-partitions 3: TopicCommand's PartitionCount 3" || fail "PartitionCount $n"
seq 1 5 | timeout 30 "$kfk" produce -b "$bs" -t "$topic" -p 0 >/dev/null 2>&1 || fail "produce"
out=$(timeout 30 "$kfk" topics delete-records -b "$bs" -t "$topic" -p 0 --before 2 2>&1)
[ "$out" = $'Records delete operation completed:\npartition: '"$topic"$'-0\tlow_watermark: 2' ] &&
    pass "delete-records --before 2: kafka-delete-records.sh's lines" || fail "delete-records said: $out"
b=$(java_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$bs" --topic "$topic" --partitions 0 --time -2)
[ "$b" = "$topic:0:2" ] && pass "GetOffsetShell --time -2: log start offset 2" || fail "GetOffsetShell: $b"
seq 1 4 | timeout 30 "$kfk" produce -b "$bs" -t "$topic" -p 1 >/dev/null 2>&1 || fail "produce"
out=$(timeout 30 "$kfk" topics delete-records -b "$bs" -t "$topic" -p 1 --before -1 2>&1 | tail -1)
[ "$out" = "partition: $topic-1"$'\t'"low_watermark: 4" ] &&
    pass "delete-records --before -1: every record (low watermark 4)" || fail "--before -1 said: $out"
timeout 30 "$kfk" topics delete-records -b "$bs" -t "$topic" -p 1 --before 99 >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 1 ] && grep -q 'OFFSET_OUT_OF_RANGE' "$tmp/e" &&
    pass "delete-records past the end: exit 1 (OFFSET_OUT_OF_RANGE)" || fail "past the end: exit $rc: $(cat "$tmp/e")"

timeout 30 "$kfk" topics delete -b "$bs" -t "$topic" >/dev/null 2>&1
finish configs_kafka
