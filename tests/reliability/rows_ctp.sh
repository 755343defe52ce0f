# rows_ctp.sh: row 12 (consume-transform-produce, SIGKILL and a leader kill) of
# scripts/reliability, sourced by it (it provides BOOT, RELP, RELC, work, quick, children,
# new_topic, leader_node, jf, add_row and kfk_* from scripts/lib.sh).

# ---- row 12: exactly once from topic to topic through kill -9 ----------------------------------
# rel_produce writes ids into IN at 500 records/s; rel_ctp (tests/reliability/rel_ctp.c) copies
# them to OUT, one transaction per batch carrying the batch's offsets; it is SIGKILLed KILLS
# times 0-1.5 s after it printed a commit (the next instance, same transactional.id, fences the
# killed one and its open transaction is aborted), and halfway the node leading most of OUT is
# killed -9 and restarted. A last instance runs until it saw no batch for 15 s; OUT read with
# read_committed must hold every id IN received exactly once.
row12() {
    local kills n d T_in T_out G X ppid k rc leader res sum v=PASS
    if [ $quick = 1 ]; then kills=5 n=5000; else kills=20 n=30000; fi
    d=$work/row12
    rm -rf "$d" && mkdir -p "$d"
    T_in=rel12-in-$(date +%s)
    T_out=rel12-out-$(date +%s)
    G=rel12-$(date +%s)
    X=rel12-tx-$(date +%s)
    new_topic "$T_in" 6
    new_topic "$T_out" 6
    : >"$d/ctp.out"
    "$RELP" -b "$BOOT" -t "$T_in" -n "$n" -r 500 -P 6 --out "$d/deliveries.txt" --deadline 1800 \
        >"$d/producer.json" 2>"$d/producer.err" &
    ppid=$!
    children+=("$ppid")
    k=0
    while [ $k -lt $kills ]; do
        # Until it printed a commit, 90 s at most.
        if ! spawn_until_output "$d/ctp.out" "$d/ctp.err" 90 "row 12" \
            "$RELC" -b "$BOOT" -i "$T_in" -o "$T_out" -G "$G" -x "$X"; then
            kfk_log "row 12: rel_ctp exited with $SPAWNED_RC before its kill: $(tail -n 2 "$d/ctp.err")"
            v=FAIL
            break
        fi
        kill_soon "$SPAWNED_PID"
        echo "#kill $k" >>"$d/ctp.out"
        k=$((k + 1))
        if [ $k = $((kills / 2)) ]; then
            leader=$(leader_node "$T_out")
            if [ -n "$leader" ]; then
                scripts/kafka kill "$leader" 2>/dev/null || true
                echo "#leader_kill node=$leader" >>"$d/ctp.out"
                sleep 4
                scripts/kafka restart "$leader" 2>/dev/null || kfk_log "row 12: node $leader did not come back"
            fi
        fi
    done
    wait "$ppid" || kfk_log "row 12: rel_produce failed: $(cat "$d/producer.err")"
    # The last instance: until no batch came for 15 s (IN fully copied).
    rc=0
    "$RELC" -b "$BOOT" -i "$T_in" -o "$T_out" -G "$G" -x "$X" --idle-exit 15 >>"$d/ctp.out" \
        2>>"$d/ctp.err" || rc=$?
    [ $rc = 0 ] || { kfk_log "row 12: the last rel_ctp failed ($rc): $(tail -n 3 "$d/ctp.err")"; v=FAIL; }
    kcat -C -b "$BOOT" -t "$T_out" -o beginning -e -q -m 60 -X isolation.level=read_committed \
        -f '%p %o %s\n' >"$d/consumed.txt"
    res=$(python3 tests/reliability/check.py consume --consumed "$d/consumed.txt" \
        --deliveries "$d/deliveries.txt")
    echo "$res" >"$d/check.json"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["lost"]==0 and d["duplicated"]==0 and d["delivered"]>0 else 1)' "$res" || v=FAIL
    [ "$k" = "$kills" ] || v=FAIL
    sum="records $(jf "$res" delivered), kills $k and one leader kill of OUT, commits $(grep -c '^commit' "$d/ctp.out"), read_committed: lost $(jf "$res" lost), duplicated $(jf "$res" duplicated)"
    add_row 12 "consume-transform-produce" "rel_ctp (a transaction per batch with its offsets) copying 6 partitions at 500 records/s; SIGKILL 0-1.5 s after a commit, $kills times; the leader of most of OUT kill -9 halfway" \
        "$sum" "OUT read with read_committed holds every input record exactly once" "$v"
}
