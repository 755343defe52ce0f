#!/usr/bin/env bash
# mock_java.sh BUILD_DIR: Apache Kafka's Java clients (the jars scripts/kafka fetched, in
# $KFK_KAFKA_LIBS) against a 3-broker `kfk mock`: the console producer (idempotent, acks=all)
# writes 50 keyed records to a 3-partition topic; kcat reads them back (when installed); a Java
# group member (tests/integration/GroupPeer.java: classic protocol, range, commitSync after each
# poll) is assigned the 3 partitions, receives the 50 records once each, commits without
# failure and leaves. Exit 77 when KFK_KAFKA_LIBS is not set (scripts/test sets it).
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${KFK_KAFKA_LIBS:-}" ] || ! command -v java >/dev/null; then
    echo "KFK_KAFKA_LIBS is not set or no java (scripts/test sets it from scripts/kafka)" >&2
    exit 77
fi
tmp=$(mktemp -d)
mock=
cleanup() {
    [ -n "$mock" ] && kill -KILL "$mock" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"
"$build/kfk" mock --brokers 3 --topic jv:3 >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock=$!
for _ in $(seq 1 250); do
    head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP=' && break
    sleep 0.02
done
bs=$(head -1 "$tmp/mock.out" | sed -n 's/^KFK_BOOTSTRAP=//p')
[ -n "$bs" ] || { echo "kfk mock did not start: $(head -3 "$tmp/mock.err")" >&2; exit 1; }

seq 1 50 | sed 's/.*/key-&:value-&/' >"$tmp/in"
if timeout 120 java -cp "$KFK_KAFKA_LIBS/*" org.apache.kafka.tools.ConsoleProducer \
    --bootstrap-server "$bs" --topic jv --reader-property parse.key=true \
    --reader-property key.separator=: --command-property acks=all \
    --command-property enable.idempotence=true <"$tmp/in" >"$tmp/prod.out" 2>"$tmp/prod.err"; then
    pass "the Java console producer (idempotent, acks=all) wrote 50 records"
else
    fail "the Java console producer failed: $(grep -v '^Warning' "$tmp/prod.err" | head -3)"
fi
if command -v kcat >/dev/null; then
    timeout 20 kcat -b "$bs" -C -t jv -e -f '%k:%s\n' 2>/dev/null | sort >"$tmp/read"
    if [ "$(cat "$tmp/read")" = "$(sort "$tmp/in")" ]; then
        pass "kcat reads the Java producer's 50 records back once each"
    else
        fail "kcat read $(wc -l <"$tmp/read") records, not the 50 written"
    fi
fi

# Until it has the 50 records (60 s at most: a JVM on a loaded machine is slow to join).
timeout 120 java -cp "$KFK_KAFKA_LIBS/*" "$here/../integration/GroupPeer.java" "$bs" jgroup jv 60 50 \
    >"$tmp/peer.out" 2>"$tmp/peer.err"
rc=$?
assigned=$(awk '$1 == "assigned" { print $2 }' "$tmp/peer.out" | sort -n | tr '\n' ' ')
records=$(awk '$1 == "record"' "$tmp/peer.out" | wc -l)
distinct=$(awk '$1 == "record" { print $2, $3 }' "$tmp/peer.out" | sort -u | wc -l)
if [ $rc = 0 ] && [ "$assigned" = "0 1 2 " ] && [ "$records" = 50 ] && [ "$distinct" = 50 ] &&
    ! grep -q '^commitfailed' "$tmp/peer.out" && grep -q '^closed' "$tmp/peer.out"; then
    pass "a Java group member was assigned partitions $assigned, read 50 records once and committed"
else
    fail "Java group member (rc $rc): assigned '$assigned', $records records ($distinct distinct), $(grep -m1 commitfailed "$tmp/peer.out"); $(grep -m2 -i exception "$tmp/peer.err")"
fi

kill -TERM "$mock"
wait "$mock"
mrc=$?
mock=
[ $mrc = 0 ] || fail "kfk mock exited $mrc on SIGTERM"
finish mock_java
