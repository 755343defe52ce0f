#!/usr/bin/env bash
# consume_time.sh BUILD_DIR: `kfk consume -o s@MS` and `-o e@MS` (kcat's start and end by time)
# against `kfk mock`: three rounds of records written a little over a second apart (their
# timestamps are the producer's clock), then: s@ the second round's time prints the second and
# third rounds; with e@ the third round's time, only the second (and the command ends by itself,
# each partition having reached its end time, with -e as well); s@ past every record prints
# nothing and exits 0 with -e; e@ the second round's time from the beginning prints the first
# round; a group member (-G) starts at the time too; bad values are usage errors (exit 2).
# The pauses only separate the rounds' timestamps; every run has a deadline.
set -uo pipefail
build=$1
kfk=$build/kfk
tmp=$(mktemp -d)
mpid=
cleanup() {
    [ -n "$mpid" ] && kill -KILL "$mpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/testlib.sh"

"$kfk" mock --topic tt:2 >"$tmp/mock.out" 2>"$tmp/mock.err" &
mpid=$!
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
    echo "FAIL kfk mock printed no KFK_BOOTSTRAP line: $(head -3 "$tmp/mock.err")" >&2
    exit 1
fi

# round TAG: writes TAG1..TAG3 to partition 0 and TAG1..TAG2 to partition 1.
round() {
    seq 1 3 | sed "s/^/$1/" | timeout 10 "$kfk" produce -b "$bs" -t tt -p 0 >/dev/null 2>&1 &&
        seq 1 2 | sed "s/^/$1/" | timeout 10 "$kfk" produce -b "$bs" -t tt -p 1 >/dev/null 2>&1 ||
        fail "producing round $1 to the mock"
}
now_ms() { date +%s%3N; }

round a
sleep 1.1
t1=$(now_ms)
sleep 0.1
round b
sleep 1.1
t2=$(now_ms)
sleep 0.1
round c

# expect NAME WANT ARGS...: runs kfk consume -b $bs -t tt ARGS (20 s at most), compares its
# sorted output with WANT (space-separated) and its exit status with 0.
expect() {
    local name=$1 want=$2 got rc
    shift 2
    got=$(timeout 20 "$kfk" consume -b "$bs" -t tt "$@" 2>"$tmp/err" | sort | tr '\n' ' ')
    rc=${PIPESTATUS[0]}
    got=${got% }
    if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
        pass "$name"
    else
        fail "$name: exit $rc, printed [$got], wanted [$want]; stderr: $(head -3 "$tmp/err")"
    fi
}

expect "s@ starts at the first record at or after the time" \
    "b1 b1 b2 b2 b3 c1 c1 c2 c2 c3" -o "s@$t1" -e
expect "s@ and e@ print the records between the times and end by themselves" \
    "b1 b1 b2 b2 b3" -o "s@$t1" -o "e@$t2"
expect "s@ and e@ with -e" "b1 b1 b2 b2 b3" -o "s@$t1" -o "e@$t2" -e
expect "s@ past every record prints nothing (-e)" "" -o "s@$(($(now_ms) + 100000))" -e
expect "e@ from the beginning" "a1 a1 a2 a2 a3" -o beginning -o "e@$t1" -e
expect "s@ on one partition" "b1 b2 c1 c2" -p 1 -o "s@$t1" -e
expect "a group member starts at the time" "b1 b1 b2 b2 b3 c1 c1 c2 c2 c3" -G "gt$$" \
    -o "s@$t1" -e

# usage errors (exit 2) naming the cause
for bad in "s@" "s@x" "e@-5"; do
    timeout 10 "$kfk" consume -b "$bs" -t tt -o "$bad" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ "$rc" = 2 ] && grep -q -- '-o' "$tmp/err"; then
        pass "-o $bad is a usage error"
    else
        fail "-o $bad: exit $rc, wanted 2: $(head -2 "$tmp/err")"
    fi
done
timeout 10 "$kfk" consume -b "$bs" -t '^t.*' -o "s@$t1" >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -q 'pattern' "$tmp/err"; then
    pass "a pattern without -G is a usage error"
else
    fail "-t '^t.*' without -G: exit $rc, wanted 2: $(head -2 "$tmp/err")"
fi

kill -TERM "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null
mpid=
finish consume_time
