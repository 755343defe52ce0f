#!/usr/bin/env bash
# groups.sh BUILD_DIR: `kfk groups` through its real binary against `kfk mock` (3 brokers, topic
# t with 4 partitions holding 2, 5, 8 and 11 records): reset-offsets of an empty group (dry run,
# --to-earliest/--to-latest/--shift-by/--to-offset clamped/--to-datetime), describe (text in
# Kafka's columns, --json) with the lag that follows, a group with a live `kfk consume -G`
# member (its member, host and client id per partition; a reset refused without and with
# --force, with the cause), list with --state, delete against a cluster without DeleteGroups,
# usage errors (exit 2) and nothing listening (exit 1 within -m, the cause named). Deleting a
# group for real is in tests/integration (the mock serves no DeleteGroups).
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

"$kfk" mock --brokers 3 --topic t:4 >"$tmp/mock.out" 2>"$tmp/mock.err" &
pids+=($!)
bs=
for _ in $(seq 1 500); do
    if head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP='; then
        bs=$(head -1 "$tmp/mock.out" | sed 's/^KFK_BOOTSTRAP=//')
        break
    fi
    sleep 0.01
done
[ -n "$bs" ] || {
    echo "kfk mock did not start: $(head -3 "$tmp/mock.err")" >&2
    exit 1
}
for p in 0 1 2 3; do
    seq 1 $((p * 3 + 2)) | timeout 20 "$kfk" produce -b "$bs" -t t -p "$p" >/dev/null 2>&1 ||
        fail "produce to t/$p"
done

g() { timeout 30 "$kfk" groups "$@" -b "$bs"; }

# describe_rows GROUP: "topic partition current leo lag" per partition row of the text table.
describe_rows() {
    g describe "$1" 2>/dev/null | awk '$1 == "'"$1"'" { print $2, $3, $4, $5, $6 }'
}

# ---- an empty group: reset-offsets and describe ---------------------------------------------------
out=$(g reset-offsets g1 --topic t --to-earliest --dry-run 2>&1)
rc=$?
want=$(printf 'g1 t 0 0\ng1 t 1 0\ng1 t 2 0\ng1 t 3 0')
got=$(echo "$out" | awk '$1 == "g1" { print $1, $2, $3, $4 }')
[ "$rc" = 0 ] && [ "$got" = "$want" ] && echo "$out" | grep -q 'NEW-OFFSET' &&
    pass "reset-offsets --to-earliest --dry-run prints the plan" ||
    fail "reset --dry-run exited $rc: $out"
out=$(g describe g1 2>&1)
echo "$out" | grep -q "does not exist" && pass "a dry run commits nothing (g1 does not exist)" ||
    fail "after a dry run: $out"

g reset-offsets g1 --topic t --to-latest >"$tmp/r.out" 2>&1 || fail "reset --to-latest: $(cat "$tmp/r.out")"
got=$(describe_rows g1)
want=$(printf 't 0 2 2 0\nt 1 5 5 0\nt 2 8 8 0\nt 3 11 11 0')
[ "$got" = "$want" ] && pass "--to-latest committed; describe: current = log end, lag 0" ||
    fail "describe after --to-latest: $got"

g reset-offsets g1 --topic t:1,3 --shift-by -2 >"$tmp/r.out" 2>&1 || fail "shift-by: $(cat "$tmp/r.out")"
g reset-offsets g1 --topic t:0 --to-offset 100 >"$tmp/r.out" 2>&1 || fail "to-offset: $(cat "$tmp/r.out")"
grep -q '^g1 .* t .* 0 .* 2 *$' "$tmp/r.out" && pass "--to-offset 100 is kept at the log end (2)" ||
    fail "--to-offset 100: $(cat "$tmp/r.out")"
got=$(describe_rows g1)
want=$(printf 't 0 2 2 0\nt 1 3 5 2\nt 2 8 8 0\nt 3 9 11 2')
[ "$got" = "$want" ] && pass "--shift-by -2 on t:1,3: lag 2 there" || fail "after shift-by: $got"

g reset-offsets g1 --all-topics --to-datetime 2999-01-01T00:00:00Z >"$tmp/r.out" 2>&1 ||
    fail "to-datetime (future): $(cat "$tmp/r.out")"
[ "$(describe_rows g1 | awk '{ s += $5 } END { print s }')" = 0 ] &&
    pass "--to-datetime after the last record: the log end" || fail "future datetime: $(describe_rows g1)"
g reset-offsets g1 --all-topics --to-datetime 0 >"$tmp/r.out" 2>&1 || fail "to-datetime 0"
[ "$(describe_rows g1 | awk '{ print $3 }' | tr '\n' ' ')" = "0 0 0 0 " ] &&
    pass "--to-datetime 0 (epoch ms): the first records" || fail "datetime 0: $(describe_rows g1)"

g describe g1 --json >"$tmp/d.json" 2>"$tmp/d.err"
python3 - "$tmp/d.json" <<'EOF' && pass "describe --json: state, partitions, lag" || fail "describe --json: $(cat "$tmp/d.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["group"] == "g1" and d["state"] == "Empty" and d["members"] == [], d
lags = [(p["partition"], p["committed_offset"], p["log_end_offset"], p["lag"], p["member_id"])
        for p in d["partitions"]]
assert lags == [(0, 0, 2, 2, None), (1, 0, 5, 5, None), (2, 0, 8, 8, None), (3, 0, 11, 11, None)], lags
EOF

# ---- a group with a live member --------------------------------------------------------------------
"$kfk" consume -b "$bs" -t t -G g2 -o beginning -X client.id=member-a >/dev/null 2>"$tmp/c.err" &
cpid=$!
pids+=("$cpid")
ok=
for _ in $(seq 1 200); do
    rows=$(describe_rows g2)
    if [ "$(echo "$rows" | awk '$5 == 0 && $3 != "-"' | wc -l)" = 4 ]; then
        ok=1
        break
    fi
    sleep 0.1
done
[ -n "$ok" ] && pass "a kfk consume -G member commits up to the log end: lag 0 on 4 partitions" ||
    fail "g2 never caught up: $rows"
out=$(g describe g2 2>&1)
n=$(echo "$out" | awk '$1 == "g2" && $7 ~ /^member-a-/ && $8 == "/127.0.0.1" && $9 == "member-a"' | wc -l)
[ "$n" = 4 ] && pass "describe names the owning member, host and client id of each partition" ||
    fail "describe g2: $out"
out=$(g describe g2 --members 2>&1)
echo "$out" | grep -q 'member-a .*4 *t(0,1,2,3)' && pass "describe --members: 4 partitions, t(0,1,2,3)" ||
    fail "--members: $out"

g reset-offsets g2 --topic t --to-earliest >"$tmp/r.out" 2>"$tmp/r.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'active member' "$tmp/r.err" && ! grep -q NEW-OFFSET "$tmp/r.out" &&
    pass "reset of a group with members refused: $(cat "$tmp/r.err")" ||
    fail "reset of an active group exited $rc: $(cat "$tmp/r.out" "$tmp/r.err")"
g reset-offsets g2 --topic t --to-earliest --force >"$tmp/r.out" 2>"$tmp/r.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'has active members: OffsetCommit answered' "$tmp/r.err" &&
    pass "--force: the broker's refusal named: $(cat "$tmp/r.err")" ||
    fail "reset --force of an active group exited $rc: $(cat "$tmp/r.err")"

out=$(g list 2>&1)
echo "$out" | grep -q '^g1 *Empty *classic ' && echo "$out" | grep -q '^g2 *Stable *classic *consumer' &&
    pass "list: g1 Empty, g2 Stable" || fail "list: $out"
out=$(g list --state stable 2>&1)
echo "$out" | grep -q '^g2 ' && ! echo "$out" | grep -q '^g1 ' && pass "list --state stable: g2 only" ||
    fail "list --state stable: $out"
out=$(g list --type consumer 2>&1)
[ "$(echo "$out" | wc -l)" = 1 ] && g list --type CLASSIC 2>&1 | grep -q '^g2 ' &&
    pass "list --type: the mock's groups are classic ones" || fail "list --type consumer: $out"
kill -TERM "$cpid"
wait "$cpid" 2>/dev/null

# ---- delete, usage, nothing listening ---------------------------------------------------------------
# The mock does not serve (nor advertise) DeleteGroups: exit 1 naming it.
g delete g1 -m 2 >"$tmp/del.out" 2>"$tmp/del.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'DeleteGroups' "$tmp/del.err" &&
    pass "delete against a cluster without DeleteGroups -> 1: $(cat "$tmp/del.err")" ||
    fail "delete exited $rc: $(cat "$tmp/del.out" "$tmp/del.err")"
for args in "reset-offsets g1 --topic t" "describe" "bogus" "reset-offsets g1 --to-latest" \
    "list --to-offset x"; do
    # shellcheck disable=SC2086
    "$kfk" groups $args -b "$bs" >/dev/null 2>"$tmp/u.err"
    rc=$?
    [ "$rc" = 2 ] && pass "kfk groups $args -> 2 ($(head -1 "$tmp/u.err"))" ||
        fail "kfk groups $args exited $rc"
done
t0=$(date +%s%N)
timeout 20 "$kfk" groups list -b 127.0.0.1:1 -m 1 >/dev/null 2>"$tmp/n.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 1 ] && grep -q 'refused' "$tmp/n.err" && [ "$ms" -lt 5000 ] &&
    pass "nothing listening -> 1 in $ms ms: $(cat "$tmp/n.err")" ||
    fail "nothing listening exited $rc in $ms ms: $(cat "$tmp/n.err")"

kill -TERM "${pids[0]}"
wait "${pids[0]}" 2>/dev/null

finish groups
