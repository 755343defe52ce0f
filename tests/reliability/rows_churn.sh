# rows_churn.sh: row 4 of scripts/reliability (rebalance churn), sourced by it (it provides
# BOOT, KFK_RELP..., work, quick, children, new_topic, jf, add_row and kfk_* from
# scripts/lib.sh). The members are kfk_test_group_member (tests/integration/group_member.c);
# tests/reliability/row4_churn.py changes their number and judges their event logs.

row4() {
    local d=$work/row4 T ppid res v=PASS sum steady
    if [ $quick = 1 ]; then steady=2; else steady=20; fi
    rm -rf "$d" && mkdir -p "$d"
    T=rel4-$(date +%s)
    new_topic "$T" 12
    "$RELP" -b "$BOOT" -t "$T" -n 2000000 -r 200 -P 12 --out "$d/deliveries.txt" \
        --deadline 3600 --stop-file "$d/stop" >"$d/producer.json" 2>"$d/producer.err" &
    ppid=$!
    children+=("$ppid")
    res=$(python3 tests/reliability/row4_churn.py --member "$RELM" --bootstrap "$BOOT" \
        --topic "$T" --group "rel4g-$(date +%s)" --dir "$d" --deliveries "$d/deliveries.txt" \
        --stop-file "$d/stop" --producer-pid "$ppid" --steady "$steady" 2>"$d/row4.err") ||
        kfk_log "row 4: row4_churn.py failed: $(tail -n 5 "$d/row4.err")"
    touch "$d/stop"
    wait "$ppid" || true
    echo "$res" >"$d/check.json"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1])
ok = d["lost"]==0 and d["overlaps"]==0 and d["dup_term"]==0 and d["unstable"]==0 and d["records"]>0
sys.exit(0 if ok else 1)' "$res" || v=FAIL
    sum="records $(jf "$res" records), processed $(jf "$res" processed), lost $(jf "$res" lost), partitions with two owners at once $(jf "$res" overlaps), duplicates after SIGTERM changes $(jf "$res" dup_term), after SIGKILL changes $(jf "$res" dup_kill), rebalance p50 $(jf "$res" rebalance_p50_ms) ms, p99 $(jf "$res" rebalance_p99_ms) ms, per change (what, how many, members after, ms) $(jf "$res" rebalance_ms)"
    add_row 4 "rebalance churn" "kfk consumers (kfk_test_group_member, 20 ms per batch) 1 -> 4 -> 2 -> 6 with SIGTERM, then 6 -> 1 -> 4 -> 2 -> 6 with SIGKILL, 12 partitions, 200 records/s, session.timeout.ms 6000; ${steady} s steady between changes" \
        "$sum" "one owner per partition at a time, every record processed, no duplicate after SIGTERM; rebalance p50/p99 reported" "$v"
}
