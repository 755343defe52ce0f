#!/usr/bin/env bash
# mock_sasl.sh BUILD_DIR: `kfk mock --user` (SASL_PLAINTEXT) seen through kcat (Debian's
# librdkafka) and kfk's own CLI: kcat -L authenticates with PLAIN, SCRAM-SHA-256 and
# SCRAM-SHA-512; kcat -P as a SCRAM-SHA-512-only user writes 20 records that kcat -C -e (PLAIN)
# and kfk consume -e (SCRAM-SHA-256) read back; a wrong password fails kcat and kfk metadata with
# Kafka's message; a user's missing mechanism and a client without SASL get nothing. Every run
# has a deadline. Exit 77 without kcat.
set -uo pipefail
build=$1
kfk=$build/kfk
if ! command -v kcat >/dev/null; then
    echo "no kcat (apt-get install kcat)" >&2
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

"$kfk" mock --brokers 2 --topic s:2 --user alice:alice-secret --user 'bob:b:0b:SCRAM-SHA-512' \
    >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock=$!
for _ in $(seq 1 250); do
    head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP=' && break
    sleep 0.02
done
bs=$(head -1 "$tmp/mock.out" | sed -n 's/^KFK_BOOTSTRAP=//p')
[ -n "$bs" ] || { echo "kfk mock did not start: $(head -3 "$tmp/mock.err")" >&2; exit 1; }

# kc MECH USER PASSWORD ARGS...: kcat over SASL_PLAINTEXT, 10 s at most.
kc() {
    local mech=$1 user=$2 pw=$3
    shift 3
    timeout 10 kcat -b "$bs" -X security.protocol=SASL_PLAINTEXT -X "sasl.mechanisms=$mech" \
        -X "sasl.username=$user" -X "sasl.password=$pw" "$@"
}
# kf MECH USER PASSWORD COMMAND ARGS...: the kfk CLI over SASL_PLAINTEXT, 3 s deadline.
kf() {
    local mech=$1 user=$2 pw=$3 cmd=$4
    shift 4
    timeout 20 "$kfk" "$cmd" -b "$bs" -m 3 -X security.protocol=SASL_PLAINTEXT \
        -X "sasl.mechanism=$mech" -X "sasl.username=$user" -X "sasl.password=$pw" "$@"
}

for mech in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
    if kc "$mech" alice alice-secret -L -m 5 >"$tmp/l.out" 2>"$tmp/l.err" &&
        grep -q ' 2 brokers:' "$tmp/l.out"; then
        pass "kcat -L authenticates with $mech"
    else
        fail "kcat -L with $mech: $(grep -m2 -i 'error\|fail' "$tmp/l.err")"
    fi
done

seq 1 20 | sed 's/.*/k&:v&/' >"$tmp/in"
if kc SCRAM-SHA-512 bob 'b:0b' -P -t s -K: -l "$tmp/in" 2>"$tmp/p.err"; then
    pass "kcat -P as bob (SCRAM-SHA-512 only, a password with ':') wrote 20 records"
else
    fail "kcat -P as bob: $(head -3 "$tmp/p.err")"
fi
kc PLAIN alice alice-secret -C -t s -e -f '%k:%s\n' 2>/dev/null | sort >"$tmp/read"
if [ "$(cat "$tmp/read")" = "$(sort "$tmp/in")" ]; then
    pass "kcat -C -e (PLAIN) read the 20 records back"
else
    fail "kcat -C -e (PLAIN) read $(wc -l <"$tmp/read") of 20 records"
fi
kf SCRAM-SHA-256 alice alice-secret consume -t s -o beginning -e -f '%k:%s\n' 2>"$tmp/c.err" |
    sort >"$tmp/kread"
if [ "$(cat "$tmp/kread")" = "$(sort "$tmp/in")" ]; then
    pass "kfk consume -e (SCRAM-SHA-256) read the 20 records back"
else
    fail "kfk consume -e (SCRAM-SHA-256) read $(wc -l <"$tmp/kread") of 20: $(tail -2 "$tmp/c.err")"
fi

if ! kc SCRAM-SHA-256 alice wrong -L -m 3 >/dev/null 2>"$tmp/w.err" &&
    grep -q 'Authentication failed during authentication due to invalid credentials' "$tmp/w.err"; then
    pass "kcat with a wrong SCRAM password fails with Kafka's message"
else
    fail "kcat with a wrong password: $(head -2 "$tmp/w.err")"
fi
if ! kc PLAIN alice wrong -L -m 3 >/dev/null 2>"$tmp/w2.err" &&
    grep -q 'Invalid username or password' "$tmp/w2.err"; then
    pass "kcat with a wrong PLAIN password fails with Kafka's message"
else
    fail "kcat with a wrong PLAIN password: $(head -2 "$tmp/w2.err")"
fi
kf SCRAM-SHA-512 alice wrong metadata >/dev/null 2>"$tmp/kw.err"
rc=$?
if [ $rc = 1 ] && grep -q 'invalid credentials' "$tmp/kw.err"; then
    pass "kfk metadata with a wrong password exits 1 with the cause"
else
    fail "kfk metadata with a wrong password: exit $rc: $(tail -1 "$tmp/kw.err")"
fi
if ! kc SCRAM-SHA-256 bob 'b:0b' -L -m 3 >/dev/null 2>"$tmp/b.err" &&
    grep -q 'Invalid user credentials' "$tmp/b.err"; then
    pass "bob has no SCRAM-SHA-256: refused"
else
    fail "bob with SCRAM-SHA-256: $(head -2 "$tmp/b.err")"
fi
if ! timeout 10 kcat -b "$bs" -L -m 3 >/dev/null 2>&1; then
    pass "kcat without SASL gets no metadata"
else
    fail "kcat without SASL was served"
fi
kill -TERM "$mock"
wait "$mock"
rc=$?
mock=
[ $rc = 0 ] && pass "kfk mock exits 0 on SIGTERM" || fail "kfk mock exited $rc on SIGTERM"
finish mock_sasl
