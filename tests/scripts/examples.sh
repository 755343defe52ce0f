#!/usr/bin/env bash
# examples.sh BUILD_DIR: runs every example against the real broker and Redis (KFK_BOOTSTRAP,
# KFK_REDIS) and checks what each must do: producer_msgpack delivers 1000 events; one
# partition_worker per partition consumes them all (sum 1000) and a worker on a partition whose
# lock is held exits 3 at once; batch_consumer reads 1000 typed events in batches of 100;
# events emits and handles 100 UserRegistered events; embed_libuv ends with uv_loop_close() 0.
set -euo pipefail
build=$1
if [ -z "${KFK_BOOTSTRAP:-}" ] || [ -z "${KFK_REDIS:-}" ]; then
    echo "no broker or Redis (KFK_BOOTSTRAP, KFK_REDIS)" >&2
    [ "${KFK_REQUIRE_BROKER:-}" = 1 ] && exit 1
    exit 77
fi
ex=$build/examples
kfk=$build/kfk
b=$KFK_BOOTSTRAP
s=ex-$$-$(date +%s)
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
for t in "$s-a" "$s-b" "$s-ev" "$s-em"; do
    "$kfk" topics create -b "$b" -t "$t" --partitions 3 >/dev/null 2>&1 || fail "create topic $t"
done

out=$("$ex/example_producer_msgpack" "$b" "$s-a" 1000)
echo "$out"
[ "$out" = "delivered 1000 events to $s-a, 0 failed" ] || fail "producer_msgpack"

total=0
for p in 0 1 2; do
    out=$(timeout 60 "$ex/example_partition_worker" "$p" "$b" "$KFK_REDIS" "$s-a" 2>/dev/null)
    echo "$out"
    n=$(sed -n 's/^partition [0-9]*: \([0-9]*\) records.*/\1/p' <<<"$out")
    [ -n "$n" ] || fail "partition_worker $p printed no count"
    total=$((total + n))
done
[ "$total" = 1000 ] || fail "partition workers consumed $total of 1000"
redis-cli -u "redis://$KFK_REDIS" SET "kfk:lock:analytics_context:$s-a:1" someone-else PX 10000 >/dev/null
t0=$(date +%s%N)
rc=0
timeout 30 "$ex/example_partition_worker" 1 "$b" "$KFK_REDIS" "$s-a" >/dev/null 2>&1 || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "partition_worker on a locked partition: exit $rc after $ms ms"
[ "$rc" = 3 ] || fail "a worker on a locked partition exited $rc, not 3"

"$ex/example_producer_msgpack" "$b" "$s-b" 1000 >/dev/null || fail "producer_msgpack $s-b"
out=$(timeout 60 "$ex/example_batch_consumer" "$b" "$s-b" 1000 2>/dev/null)
echo "$out" | tail -1
grep -q '^consumed 1000 events in [0-9]* batches (0 undecodable)$' <<<"$out" || fail "batch_consumer"
big=$(sed -n 's/^batch [0-9]*: \([0-9]*\) events.*/\1/p' <<<"$out" | awk '$1 > 100' | wc -l)
[ "$big" = 0 ] || fail "$big batches over batch_size (max.poll.records) 100"

out=$(timeout 60 "$ex/example_events" "$b" "$s-ev" 100 2>/dev/null)
echo "$out" | tail -1
grep -q '^handled 100 events, 0 retried, 0 failed$' <<<"$out" || fail "events"

out=$(timeout 60 "$ex/example_embed_libuv" "$b" "$s-em" 50 2>/dev/null)
echo "$out"
[ "$out" = "sent 50, received 50, uv_loop_close() = 0" ] || fail "embed_libuv"

"$kfk" topics delete -b "$b" -t "$s-a" -t "$s-b" -t "$s-ev" -t "$s-em" >/dev/null 2>&1 || true
echo "examples: all passed"
