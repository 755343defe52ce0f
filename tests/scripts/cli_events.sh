#!/usr/bin/env bash
# cli_events.sh BUILD_DIR: `kfk emit` and `kfk listen` in every Dispytch format against `kfk mock`:
# the record each --envelope/--serializer writes (read back raw with kfk consume: the envelope's
# fields in Dispytch's order, JSON as json.dumps writes it, no timestamp with dispytch-0.9, the
# event itself with none), keys from --partition-by (0.9's envelope path too) and
# --partition-key, a topic template, `kfk listen` printing each format (type and id null with
# none, the key), the older --envelope json|msgpack spelling, and the usage errors (exit 2) and
# refused lines (exit 1, the cause named). Every run has a deadline.
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

"$kfk" mock --topic e10:1 --topic e09:1 --topic enone:1 --topic users.pro:1 --topic ealias:1 \
    >"$tmp/mock.out" 2>"$tmp/mock.err" &
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

body='{"user": {"id": 42, "name": "Zo\u00eb"}, "plan": "pro", "score": 2.5}'

# expect_value TOPIC PATTERN WHAT: the one record of TOPIC, as "key|value", matches PATTERN.
expect_value() {
    local got
    got=$(timeout 20 "$kfk" consume -b "$bs" -t "$1" -o beginning -e -f '%k|%s\n' 2>"$tmp/err")
    if [[ "$got" =~ $2 ]]; then pass "$3"; else fail "$3: got '$got' ($(cat "$tmp/err"))"; fi
}

uuid='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'

echo "$body" | timeout 20 "$kfk" emit -b "$bs" -t e10 --type UserRegistered --partition-key \
    '{user[id]}' >/dev/null 2>&1 || fail "emit --envelope dispytch (default)"
expect_value e10 "^42\|\{\"id\": \"$uuid\", \"type\": \"UserRegistered\", \"body\": \{\"user\": \{\"id\": 42, \"name\": \"Zo\\\\u00eb\"\}, \"plan\": \"pro\", \"score\": 2.5\}, \"timestamp\": [0-9]{13}\}$" \
    "dispytch (0.10) JSON: {id, type, body, timestamp}, key from {user[id]}"

echo "$body" | timeout 20 "$kfk" emit -b "$bs" -t e09 --type UserRegistered \
    --envelope dispytch-0.9 --partition-by body.score >/dev/null 2>&1 ||
    fail "emit --envelope dispytch-0.9"
expect_value e09 "^2\.5\|\{\"id\": \"$uuid\", \"type\": \"UserRegistered\", \"body\": \{.*\}\}$" \
    "dispytch-0.9 JSON: {id, type, body}, no timestamp, key str() of body.score"

echo "$body" | timeout 20 "$kfk" emit -b "$bs" -t enone --envelope none --serializer msgpack \
    --partition-by user.name >/dev/null 2>&1 || fail "emit --envelope none --serializer msgpack"
got=$(timeout 20 "$kfk" consume -b "$bs" -t enone -o beginning -e -f '%k|%s' 2>/dev/null | od -An -tx1 | tr -d ' \n')
# key "Zoë" | 83 a4 "user" 82 a2 "id" 2a a4 "name" a4 "Zoë" a4 "plan" a3 "pro" a5 "score" cb 2.5
want="5a6fc3ab7c83a47573657282a269642aa46e616d65a45a6fc3aba4706c616ea370726fa573636f7265cb4004000000000000"
if [ "$got" = "$want" ]; then pass "none msgpack: the event itself, byte for byte"; else
    fail "none msgpack: got $got, want $want"; fi

echo "$body" | timeout 20 "$kfk" emit -b "$bs" -t 'users.{plan}' --envelope none \
    --partition-key 'u-{user[id]}' >/dev/null 2>&1 || fail "emit to a topic template"
expect_value users.pro "^u-42\|\{\"user\": \{\"id\": 42, \"name\": \"Zo\\\\u00eb\"\}, \"plan\": \"pro\", \"score\": 2\.5\}$" \
    "none JSON to users.{plan}: the line as given, key u-{user[id]}"

echo '{"a": 1}' | timeout 20 "$kfk" emit -b "$bs" -t ealias --type T --envelope msgpack \
    >/dev/null 2>&1 || fail "emit --envelope msgpack (the older spelling)"
got=$(timeout 20 "$kfk" consume -b "$bs" -t ealias -o beginning -e -f '%s' 2>/dev/null | head -c 1 | od -An -tx1 | tr -d ' \n')
if [ "$got" = "84" ]; then pass "--envelope msgpack: the 0.10 envelope, a msgpack map of 4"; else
    fail "--envelope msgpack: first byte $got"; fi

# kfk listen, each format.
listen() { timeout 30 "$kfk" listen -b "$bs" -G "g-$1-$RANDOM" -c 1 -t "$@" 2>"$tmp/err"; }
out=$(listen e10)
[[ "$out" =~ ^\{\"type\":\"UserRegistered\",\"id\":\"$uuid\",\"timestamp\":[0-9]{13},\"topic\":\"e10\",\"partition\":0,\"offset\":0,\"key\":\"42\",\"body\":\{\"user\":\{\"id\":42,\"name\":\"Zoë\"\},\"plan\":\"pro\",\"score\":2.5\}\}$ ]] &&
    pass "listen dispytch: type, id, timestamp, key, body" || fail "listen dispytch: $out $(cat "$tmp/err")"
out=$(listen e09 --envelope dispytch-0.9)
[[ "$out" =~ \"timestamp\":null, ]] && [[ "$out" =~ \"key\":\"2.5\" ]] &&
    pass "listen dispytch-0.9: timestamp null" || fail "listen dispytch-0.9: $out $(cat "$tmp/err")"
out=$(listen enone --envelope none --serializer msgpack)
[[ "$out" =~ ^\{\"type\":null,\"id\":null,\"timestamp\":null,\"topic\":\"enone\",\"partition\":0,\"offset\":0,\"key\":\"Zoë\",\"body\":\{\"user\":\{\"id\":42,\"name\":\"Zoë\"\},\"plan\":\"pro\",\"score\":2.5\}\}$ ]] &&
    pass "listen none: type and id null, the value as body" || fail "listen none: $out $(cat "$tmp/err")"
out=$(listen ealias --envelope msgpack)
[[ "$out" =~ \"type\":\"T\" ]] && pass "listen --envelope msgpack (older spelling)" ||
    fail "listen --envelope msgpack: $out $(cat "$tmp/err")"

# usage errors: exit 2 and the cause.
usage() {
    local what=$1 want=$2
    shift 2
    echo '{}' | timeout 10 "$kfk" "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    if [ $rc -eq 2 ] && grep -q -- "$want" "$tmp/err"; then pass "usage: $what"; else
        fail "usage: $what: exit $rc, $(cat "$tmp/err")"; fi
}
usage "unknown envelope" "expected dispytch (0.10), dispytch-0.9 or none" emit -b "$bs" -t e10 --type T --envelope dispytch-0.11
usage "unknown serializer" "expected json or msgpack" emit -b "$bs" -t e10 --type T --serializer yaml
usage "alias against serializer" "conflicts with --serializer json" emit -b "$bs" -t e10 --type T --envelope msgpack --serializer json
usage "no --type with dispytch" "only --envelope none goes" emit -b "$bs" -t e10
usage "two key options" "give one of --partition-by, --partition-key, -k" emit -b "$bs" -t e10 --type T --partition-by a --partition-key '{a}'
usage "malformed key template" "partition key template {user\[id}: missing ']'" emit -b "$bs" -t e10 --type T --partition-key '{user[id}'
usage "malformed topic template" "topic template e{: single .{. encountered" emit -b "$bs" -t 'e{' --type T
usage "listen --type with none" "events have no type with --envelope none" listen -b "$bs" -t enone -G g --envelope none --type T
usage "listen unknown envelope" "expected dispytch (0.10)" listen -b "$bs" -t e10 -G g --envelope zip

# A line the template cannot fill: refused with the field named, exit 1.
echo '{"user": {}}' | timeout 20 "$kfk" emit -b "$bs" -t e10 --type T --partition-key '{user[id]}' >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "line 1: partition key template {user\[id\]}: field user.id missing from the event" "$tmp/err"; then
    pass "a missing template field refuses the line"
else fail "missing template field: exit $rc, $(cat "$tmp/err")"; fi

# kfk listen into a full disk: an error, and the event is not committed (it was, unwritten):
# the same group then gets it.
if [ -w /dev/full ]; then
    g="g-full-$RANDOM"
    timeout 30 "$kfk" listen -b "$bs" -G "$g" -t e10 -e >/dev/full 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "^kfk listen: cannot write stdout: No space left on device" "$tmp/err"; then
        pass "listen >/dev/full -> 1 ($(grep '^kfk listen' "$tmp/err" | head -1))"
    else fail "listen >/dev/full: exit $rc, $(grep -v '^%' "$tmp/err" | head -2)"; fi
    out=$(timeout 30 "$kfk" listen -b "$bs" -G "$g" -t e10 -e 2>"$tmp/err")
    [[ "$out" =~ \"type\":\"UserRegistered\" ]] && pass "the same group then gets the event" ||
        fail "the same group then got '$out': $(grep -v '^%' "$tmp/err" | tail -2)"
fi

# kfk listen (following, no -e or -c) | head -1: it ends when head does, not at its next event.
timeout 30 "$kfk" listen -b "$bs" -G "g-head-$RANDOM" -t e10 2>"$tmp/err" | head -1 >"$tmp/head.out"
rc=${PIPESTATUS[0]}
if [ "$rc" = 0 ] && grep -q '"type":"UserRegistered"' "$tmp/head.out"; then
    pass "listen | head -1 -> 0, ends when head does"
else fail "listen | head -1: exit $rc (124: still running after 30 s): $(cat "$tmp/head.out") $(grep -v '^%' "$tmp/err" | tail -2)"; fi

finish cli_events
