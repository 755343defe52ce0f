# rows_blackhole.sh: rows 8 (network blackhole through a proxy) and 5b (group-member zombie:
# SIGSTOP past session.timeout.ms, SIGCONT) of scripts/reliability, sourced by it (it provides
# BOOT, KFK, RELP, RELM, work, quick, children, new_topic, read_back, check_produce, jf, add_row,
# now_ms, step and kfk_* from scripts/lib.sh; wait_exit from rows_zombie_redis.sh).

# ---- row 8: network blackhole ------------------------------------------------------------------
# The client reaches the cluster only through tests/reliability/proxy.py: scripts/kafka's
# 3-node cluster has an EXTERNAL listener on each client port +6 advertised as +7, the proxy
# listens on +7 and forwards to +6, and the client is bootstrapped at the +7 addresses, so the
# metadata it gets names only +7 addresses. SIGUSR1 makes the proxy a blackhole (it accepts,
# forwards nothing either way, existing connections included), SIGUSR2 lets it pass again.

# row8_figures DIR T_BH T_PASS: the row's own figures as one JSON line, from the proxy's log
# (connections accepted while blackholed), the client's log (its first request timeout) and the
# delivery log (the first delivery of a record sent after the pass).
row8_figures() {
    python3 - "$@" <<'EOF'
import collections, json, sys
d, t_bh, t_pass = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
res = {}
acc = collections.defaultdict(list)
closed_by_client = 0
with open(d + "/proxy.log") as f:
    for line in f:
        p = line.split()
        if len(p) >= 4 and p[1] == "accept" and t_bh <= int(p[0]) < t_pass:
            acc[p[3]].append(int(p[0]))
        if len(p) >= 4 and p[1] == "close" and p[3] == "by=client" and t_bh <= int(p[0]) < t_pass:
            closed_by_client += 1
res["accepts_bh"] = sum(len(v) for v in acc.values())
res["accepts_bh_series_s"] = {port: [round((t - t_bh) / 1000.0, 1) for t in ts]
                              for port, ts in sorted(acc.items())}
gaps = [b - a for ts in acc.values() for a, b in zip(ts, ts[1:])]
res["accept_gap_min_ms"] = min(gaps) if gaps else None
res["accepts_bh_max_per_port"] = max((len(v) for v in acc.values()), default=0)
res["closed_by_client_bh"] = closed_by_client
notice = None
timeouts = 0
with open(d + "/client.log", errors="replace") as f:
    for line in f:
        p = line.split(" ", 3)
        if len(p) < 4 or not p[0].isdigit():
            continue
        ms = int(p[0])
        if t_bh <= ms and "timed out" in p[3]:
            if ms < t_pass:
                timeouts += 1
            if notice is None:
                notice = ms
                res["notice_line"] = p[3].strip()[:160]
res["notice_s"] = round((notice - t_bh) / 1000.0, 2) if notice else None
res["timeouts_bh"] = timeouts
first_after = None
drained = None
with open(d + "/deliveries.txt") as f:
    for line in f:
        p = line.split()
        if len(p) < 6 or p[3] != "NONE":
            continue
        done = int(p[5]) + int(p[4]) / 1000.0
        if int(p[5]) >= t_pass and (first_after is None or done < first_after):
            first_after = done
        if t_bh <= int(p[5]) < t_pass and (drained is None or done > drained):
            drained = done
res["recover_s"] = round((first_after - t_pass) / 1000.0, 2) if first_after else None
res["backlog_drained_s"] = round((drained - t_pass) / 1000.0, 2) if drained else None
print(json.dumps(res))
EOF
}

row8() {
    local d=$work/row8 bh rate=200 rto=5000 T ppid xpid i lp tp maps=() t_bh t_pass t0 res fig
    local v=PASS sum ext=${KFK_CLUSTER_EXTERNAL:-} pxb=${KFK_CLUSTER_PROXY_BOOTSTRAP:-}
    if [ $quick = 1 ]; then bh=10; else bh=30; fi
    rm -rf "$d" && mkdir -p "$d"
    # A cluster started before scripts/kafka had the EXTERNAL listener lacks it: say so.
    if [ -z "$ext" ] || ! kcat -L -b "${ext%%,*}" -m 5 >/dev/null 2>&1; then
        add_row 8 "network blackhole" "-" "the cluster has no EXTERNAL listener (${ext:-none}): stop it (scripts/kafka stop --nodes 3) so that this script starts it with the current scripts/kafka" \
            "-" FAIL
        return 0
    fi
    IFS=, read -r -a lp <<<"$pxb"
    IFS=, read -r -a tp <<<"$ext"
    for i in "${!lp[@]}"; do maps+=(--map "${lp[$i]##*:}:${tp[$i]##*:}"); done
    python3 tests/reliability/proxy.py "${maps[@]}" --log "$d/proxy.log" 2>"$d/proxy.err" &
    xpid=$!
    children+=("$xpid")
    t0=$(date +%s)
    until grep -q ' listening ' "$d/proxy.log" 2>/dev/null; do
        if ! kfk_alive "$xpid" || [ $(($(date +%s) - t0)) -ge 10 ]; then
            add_row 8 "network blackhole" "-" "the proxy did not start: $(cat "$d/proxy.err")" "-" FAIL
            return 0
        fi
        sleep 0.05
    done
    T=rel8-$(date +%s)
    new_topic "$T" 6
    : >"$d/faults.txt"
    "$RELP" -b "$pxb" -t "$T" -n $((rate * 900)) -r "$rate" -P 6 --out "$d/deliveries.txt" \
        --stats "$d/stats.jsonl" --log "$d/client.log" --deadline 900 --stop-file "$d/stop" \
        -X debug=broker -X request.timeout.ms=$rto >"$d/summary.json" 2>"$d/stderr.txt" &
    ppid=$!
    children+=("$ppid")
    sleep 5
    kill -USR1 "$xpid" 2>/dev/null || true
    sleep "$bh"
    kill -USR2 "$xpid" 2>/dev/null || true
    sleep 0.2
    # The proxy's own times of the switches (its log), not the harness's.
    t_bh=$(awk '$2 == "mode" && $3 == "blackhole" { print $1; exit }' "$d/proxy.log")
    t_pass=$(awk '$2 == "mode" && $3 == "pass" { print $1; exit }' "$d/proxy.log")
    if [ -z "$t_bh" ] || [ -z "$t_pass" ]; then
        touch "$d/stop"
        add_row 8 "network blackhole" "-" "the proxy did not switch (its log: $d/proxy.log; $(tail -n 2 "$d/proxy.err"))" "-" FAIL
        return 0
    fi
    echo "$t_bh $t_pass blackhole" >>"$d/faults.txt"
    kfk_log "row 8: blackhole $(((t_pass - t_bh) / 1000)) s"
    sleep 15
    touch "$d/stop"
    wait "$ppid" || kfk_log "row 8: rel_produce failed: $(cat "$d/stderr.txt")"
    kill -TERM "$xpid" 2>/dev/null || true
    wait_exit "$xpid" 10
    read_back "$T" "$d/consumed.txt"
    res=$(check_produce "$d" 6)
    echo "$res" >"$d/check.json"
    fig=$(row8_figures "$d" "$t_bh" "$t_pass")
    echo "$fig" >"$d/figures.json"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for p, s in d["accepts_bh_series_s"].items(): print("    connections to proxy port %s (s after the blackhole began): %s" % (p, " ".join(str(x) for x in s)))
print("    noticed by: %s" % d.get("notice_line"))' "$fig" >&2
    sum="records $(jf "$res" sent) at $rate/s, blackhole $(((t_pass - t_bh) / 1000)) s, noticed $(jf "$fig" notice_s) s after it began (the client's first request timeout; request.timeout.ms $rto), request timeouts during it $(jf "$fig" timeouts_bh), connections opened through the proxy during it $(jf "$fig" accepts_bh) (at most $(jf "$fig" accepts_bh_max_per_port) per broker, closest $(jf "$fig" accept_gap_min_ms) ms apart; s after it began: $(jf "$fig" accepts_bh_series_s)), recovered $(jf "$fig" recover_s) s after the proxy passed again (first delivery of a record sent after), backlog drained $(jf "$fig" backlog_drained_s) s after, lost $(jf "$res" lost), dup $(jf "$res" duplicated), reordered $(jf "$res" reordered), failed $(jf "$res" failed) $(jf "$res" failed_by), failed but read back $(jf "$res" failed_present), delivery latency p99 $(jf "$res" fault_lat_p99_ms) ms for records sent during it, producer ids $(jf "$res" producer_ids)"
    # Goals: noticed within request.timeout.ms (+1 s) of the blackhole; connections backed off:
    # an attempt blackholed is held until socket.connection.setup.timeout.ms (10 s), so at most
    # 2 + BH/10 per broker; recovered within reconnect.backoff.max.ms (10 s) + 2 s; lost, dup and
    # reordered 0; with delivery.timeout.ms 120 s no record may fail.
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); f=json.loads(sys.argv[2]); rto=int(sys.argv[3]); bh=int(sys.argv[4])
ok = r["lost"]==0 and r["duplicated"]==0 and r["reordered"]==0 and r["failed"]==0
ok = ok and r["misrouted"]==0 and r["unknown_ids"]==0 and r["wrong_offset"]==0 and r["sent"]>0
ok = ok and f["notice_s"] is not None and f["notice_s"] <= rto / 1000.0 + 1
ok = ok and f["accepts_bh_max_per_port"] <= 2 + bh // 10
ok = ok and f["recover_s"] is not None and f["recover_s"] <= 12
sys.exit(0 if ok else 1)' "$res" "$fig" "$rto" "$bh" || v=FAIL
    add_row 8 "network blackhole" "proxy accepts and forwards nothing (existing connections too) for $bh s under idempotent produce at $rate/s over 6 partitions (request.timeout.ms $rto), then passes again" \
        "$sum" "noticed <= request.timeout.ms + 1 s; connections backed off (<= 2 + blackhole/10 s per broker); recovered <= 12 s (reconnect.backoff.max.ms + 2 s); lost 0, dup 0, reordered 0, failed 0" "$v"
}

# ---- row 5b: group-member zombie -----------------------------------------------------------------
# A group member (kfk_test_group_member: every batch held 300 ms before kfk_batch_done, which
# commits it; each batch logged as 'S' when delivered and 'D' when done) is SIGSTOPped while it
# consumes 2 partitions at 200 records/s, kept stopped past session.timeout.ms (6 s) while the
# producer goes on, the producer stops, and a second member (kfk consume -G -e) joins, takes both
# partitions once the broker expired the first, reads to the end, commits and leaves. Then the
# zombie is woken (SIGCONT) and watched until it has rejoined and 3 s more.
# The goal (issue 22 row 5, "commits and side effects after its deadline: 0"), per round:
#   - batches handed to the zombie after SIGCONT: 0 (before it rejoined they would be records of
#     partitions it lost; after it, records read again because the group's offset moved back:
#     the second member committed the end of both partitions and nothing was produced since);
#   - batches it had in hand at SIGSTOP may be finished ('D') after SIGCONT: their commits must
#     be refused or not sent (any accepted one would move the group's offset back from the end);
#   - a last reader (kfk consume -G -e) from the group's committed offsets reads nothing;
#   - lost 0 (the zombie's batches, the second member's and the last reader's lines against the
#     records reported delivered); records read twice are reported (row 3 bounds them).

# row5b_round_figures DIR SIZE_AT_CONT: one JSON line from the zombie's log (a.log: what
# happened after byte SIZE_AT_CONT, i.e. after SIGCONT, and what it had in hand at SIGSTOP) and
# the readers' outputs; writes DIR/consumed.txt (the zombie's batches as 'partition offset id'
# lines, '#kill', the second member's and the last reader's lines) for check.py consume.
row5b_round_figures() {
    python3 - "$@" <<'EOF2'
import json, sys
d, cont = sys.argv[1], int(sys.argv[2])
where = {}
with open(d + "/deliveries.txt") as f:
    for line in f:
        p = line.split()
        if len(p) >= 4 and p[3] == "NONE":
            where[(int(p[1]), int(p[2]))] = int(p[0])
with open(d + "/a.log", "rb") as f:
    before = f.read(cont).decode(errors="replace").splitlines()
    after = f.read().decode(errors="replace").splitlines()
res = {"s_after": 0, "s_after_records": 0, "s_after_before_join": 0, "s_after_join": 0, "d_after": 0,
       "joined_after": 0, "lost_after": 0, "refusals": [], "warnings_after": 0}
started, done = {}, set()
lines = []
for line in before:
    p = line.split()
    if len(p) >= 5 and p[0] == "S":
        started[p[3]] = p[5:]
        for r in p[5:]:
            t, part, first, last, _ = r.rsplit(":", 4)
            for o in range(int(first), int(last) + 1):
                lines.append("%s %d %d" % (part, o, where.get((int(part), o), -1)))
    elif len(p) >= 4 and p[0] == "D":
        done.add(p[3])
res["in_hand"] = sorted(int(b) for b in started if b not in done)
res["in_hand_records"] = sum(int(r.rsplit(":", 1)[1]) for b in started if b not in done
                             for r in started[b])
joined = False
for line in after:
    p = line.split()
    if not p:
        continue
    if p[0] == "S":
        res["s_after"] += 1
        res["s_after_records"] = res.get("s_after_records", 0) + int(p[4])
        res["s_after_join" if joined else "s_after_before_join"] += 1
    elif p[0] == "D":
        res["d_after"] += 1
    elif p[0] == "J":
        joined = True
        res["joined_after"] += 1
    elif p[0] == "L":
        res["lost_after"] += 1
    elif p[0] == "W":
        res["warnings_after"] += 1
        msg = line.split(" ", 3)[3] if len(line.split(" ", 3)) > 3 else line
        if any(k in msg for k in ("ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "FENCED", "commit")):
            res["refusals"].append(msg[:200])
with open(d + "/consumed.txt", "w") as out:
    out.write("\n".join(lines) + ("\n" if lines else ""))
    out.write("#kill zombie\n")
    for name in ("b.txt", "c.txt"):
        with open(d + "/" + name, errors="replace") as f:
            out.write(f.read())
print(json.dumps(res))
EOF2
}

row5b() {
    local rounds i d T G ppid apid t0 sa rcb rcc moved fig res rca
    local s_after=0 s_bj=0 s_aj=0 d_after=0 inhand=0 moved_all=0 lost=0 dupmax=0 joined=0 refused=0
    local exits="" v=PASS gargs s_recs=0 s_rounds=""
    if [ $quick = 1 ]; then rounds=2; else rounds=10; fi
    gargs=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 -X max.poll.interval.ms=20000)
    for i in $(seq 1 "$rounds"); do
        d=$work/row5b/$i
        rm -rf "$d" && mkdir -p "$d"
        T=rel5b-$i-$(date +%s)
        G=rel5bg-$i-$(date +%s)
        new_topic "$T" 2
        : >"$d/b.txt"
        : >"$d/c.txt"
        "$RELP" -b "$BOOT" -t "$T" -n 1000000 -r 200 -P 2 --out "$d/deliveries.txt" \
            --deadline 600 --stop-file "$d/stop" >"$d/producer.json" 2>"$d/producer.err" &
        ppid=$!
        children+=("$ppid")
        sleep 1
        "$RELM" "$BOOT" "$G" "$T" zombie "$d/a.log" hold.ms=300 life.ms=600000 \
            session.timeout.ms=6000 heartbeat.interval.ms=1000 max.poll.interval.ms=20000 \
            >"$d/a.out" 2>"$d/a.err" &
        apid=$!
        children+=("$apid")
        t0=$(date +%s)
        until grep -q '^S ' "$d/a.log" 2>/dev/null; do
            if ! kfk_alive "$apid" || [ $(($(date +%s) - t0)) -ge 60 ]; then
                kfk_log "row 5b: round $i: the member delivered no batch within 60 s: $(tail -n 3 "$d/a.err")"
                v=FAIL
                break
            fi
            sleep 0.05
        done
        sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r / 32767 * 1.5 }')"
        kill -STOP "$apid" 2>/dev/null || true
        # Past session.timeout.ms (6 s) with records still coming; then the producer stops and
        # a second member takes both partitions and reads to their end.
        sleep 8
        touch "$d/stop"
        wait "$ppid" || kfk_log "row 5b: the producer failed: $(cat "$d/producer.err")"
        rcb=0
        "$KFK" consume -b "$BOOT" -t "$T" -G "$G" "${gargs[@]}" -X auto.offset.reset=earliest \
            -f '%p %o %s\n' -e -m 60 >"$d/b.txt" 2>"$d/b.err" || rcb=$?
        # The zombie wakes: watched until it joined again (30 s at most) and 3 s more.
        sa=$(stat -c %s "$d/a.log")
        kill -CONT "$apid" 2>/dev/null || true
        t0=$(date +%s)
        while [ "$(tail -c +$((sa + 1)) "$d/a.log" | grep -c '^J ')" = 0 ] && kfk_alive "$apid" &&
            [ $(($(date +%s) - t0)) -lt 30 ]; do
            sleep 0.05
        done
        sleep 3
        kill -TERM "$apid" 2>/dev/null || true
        wait_exit "$apid" 30
        rca=$WAIT_RC
        [ "$rca" = alive ] && kill -KILL "$apid" 2>/dev/null
        exits="$exits${exits:+,}$rca"
        # Whatever the zombie committed after it woke would move the group's offset back from
        # the end where the second member left it: a last reader reads from there to the end.
        rcc=0
        "$KFK" consume -b "$BOOT" -t "$T" -G "$G" "${gargs[@]}" -X auto.offset.reset=earliest \
            -f '%p %o %s\n' -e -m 60 >"$d/c.txt" 2>"$d/c.err" || rcc=$?
        moved=$(wc -l <"$d/c.txt")
        fig=$(row5b_round_figures "$d" "$sa")
        echo "$fig" >"$d/figures.json"
        res=$(python3 tests/reliability/check.py consume --consumed "$d/consumed.txt" \
            --deliveries "$d/deliveries.txt")
        echo "$res" >"$d/check.json"
        kfk_log "row 5b: round $i: batches after SIGCONT $(jf "$fig" s_after) ($(jf "$fig" s_after_records) records, before its rejoin $(jf "$fig" s_after_before_join)), in hand at SIGSTOP $(jf "$fig" in_hand_records) records in $(jf "$fig" in_hand) finished after it $(jf "$fig" d_after), rejoined $(jf "$fig" joined_after), last reader $moved lines, lost $(jf "$res" lost), dup $(jf "$res" duplicated); refusals $(jf "$fig" refusals)"
        s_after=$((s_after + $(jf "$fig" s_after)))
        s_recs=$((s_recs + $(jf "$fig" s_after_records)))
        [ "$(jf "$fig" s_after)" = 0 ] || s_rounds="$s_rounds${s_rounds:+,}$i"
        s_bj=$((s_bj + $(jf "$fig" s_after_before_join)))
        s_aj=$((s_aj + $(jf "$fig" s_after_join)))
        d_after=$((d_after + $(jf "$fig" d_after)))
        inhand=$((inhand + $(jf "$fig" in_hand_records)))
        [ "$(jf "$fig" joined_after)" -gt 0 ] && joined=$((joined + 1))
        [ "$(jf "$fig" refusals)" != "[]" ] && refused=$((refused + 1))
        moved_all=$((moved_all + moved))
        lost=$((lost + $(jf "$res" lost)))
        [ "$(jf "$res" dup_per_kill_max)" -gt $dupmax ] && dupmax=$(jf "$res" dup_per_kill_max)
        [ "$rcb" = 0 ] && [ "$rcc" = 0 ] || {
            kfk_log "row 5b: round $i: the second member exited $rcb, the last reader $rcc"
            v=FAIL
        }
    done
    [ $s_after = 0 ] && [ $moved_all = 0 ] && [ $lost = 0 ] && [ $joined = "$rounds" ] || v=FAIL
    case ",$exits," in *,alive,*) v=FAIL ;; esac
    add_row 5b "zombie group member (SIGSTOP)" "kfk_test_group_member (session.timeout.ms 6 s, 300 ms per batch, 2 partitions at 200 records/s) SIGSTOPped 0-1.5 s after its first batch, 8 s; a second member (kfk consume -G -e) takes both partitions and reads to the end; then SIGCONT; $rounds rounds" \
        "batches handed to the zombie after SIGCONT $s_after ($s_recs records; rounds ${s_rounds:-none}; $s_bj before it rejoined, $s_aj after), records the group's offset moved back (its commits after its session expired) $moved_all, batches in hand at SIGSTOP finished after SIGCONT $d_after ($inhand records in hand in all), rounds where it logged a refused or fenced commit $refused, rounds where it rejoined $joined of $rounds, lost $lost, records read twice at most $dupmax per round, zombie exit codes $exits" \
        "after its session expired: 0 batches delivered, 0 commits landed (offset never moved back), batches in hand may finish; it rejoins; lost 0" "$v"
}
