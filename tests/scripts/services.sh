#!/usr/bin/env bash
# services.sh: the service scripts themselves, on their own ports and run directory so that the
# brokers of the other tests are left alone. A 3-node KRaft cluster starts and shows 3 brokers,
# a second start is a no-op, a node killed with SIGKILL drops out and rejoins after restart,
# redis starts and answers, and stop leaves no process that the scripts started.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export KFK_RUN=${KFK_SERVICES_RUN:-$(mktemp -d /tmp/kfk-services.XXXXXX)}
export KFK_PORT_BASE=${KFK_SERVICES_PORT_BASE:-29500}
unset KFK_REDIS_PORT
k="$root/scripts/kafka"
r="$root/scripts/redis"
fail() {
    echo "FAIL: $*"
    "$k" stop >/dev/null 2>&1 || true
    "$r" stop >/dev/null 2>&1 || true
    exit 1
}
brokers() { kcat -L -b "$1" -m 2 2>/dev/null | awk '/^ [0-9]+ brokers:/ { print $1; exit }'; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t=$(now)
out=$("$k" start --nodes 3 2>"$KFK_RUN.start.log") || { cat "$KFK_RUN.start.log"; fail "3-node start"; }
echo "3-node cluster started in $(secs "$t") s"
eval "$out"
[ "$(brokers "$KFK_BOOTSTRAP")" = 3 ] || fail "kcat -L does not show 3 brokers"
echo "kcat -L: 3 brokers at $KFK_BOOTSTRAP"
pids=$(cat "$KFK_RUN"/kafka-*-3n/node*/kafka.pid)
[ "$(echo "$pids" | wc -w)" = 3 ] || fail "expected 3 pid files"

t=$(now)
again=$("$k" start --nodes 3 2>/dev/null)
[ "$again" = "$out" ] || fail "second start did not print the same lines"
echo "second start: no-op in $(secs "$t") s"

"$k" kill 2 2>/dev/null
node1=${KFK_BOOTSTRAP%%,*}
t=$(now)
for _ in $(seq 1 150); do
    [ "$(brokers "$node1")" = 2 ] && break
    sleep 0.2
done
[ "$(brokers "$node1")" = 2 ] || fail "killed node still listed after 30 s"
echo "node 2 killed: out of metadata after $(secs "$t") s"
t=$(now)
"$k" restart 2 2>/dev/null || fail "restart 2"
[ "$(brokers "$node1")" = 3 ] || fail "node 2 did not rejoin"
echo "node 2 restarted: back in metadata after $(secs "$t") s"
pids="$pids $(cat "$KFK_RUN"/kafka-*-3n/node2/kafka.pid)"

out=$("$r" start 2>/dev/null) || fail "redis start"
eval "$out"
rpid=$(cat "$KFK_RUN/redis/redis.pid")
[ "$(redis-cli -u "redis://$KFK_REDIS" ping)" = PONG ] || fail "redis does not answer"
echo "redis up at $KFK_REDIS"

t=$(now)
"$k" stop 2>/dev/null
"$r" stop 2>/dev/null
echo "stopped in $(secs "$t") s"
for p in $pids $rpid; do
    if [ -r "/proc/$p/status" ] && ! grep -q '^State:.*Z' "/proc/$p/status"; then
        fail "process $p ($(cat /proc/$p/comm)) still runs after stop"
    fi
done
echo "no java or redis-server process of the scripts is left"
rm -rf "$KFK_RUN" "$KFK_RUN.start.log"
echo "services ok"
