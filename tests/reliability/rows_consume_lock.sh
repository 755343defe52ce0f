# rows_consume_lock.sh: rows 3 (consumer SIGKILL) and 6 (lock contention) of scripts/reliability,
# sourced by it (it provides BOOT, KFK_REDIS, KFK, RELP, RELL, work, quick, children, new_topic,
# read_back, jf, add_row and kfk_* from scripts/lib.sh).

# ---- row 3: consumer SIGKILL at random points ----------------------------------------------------
# kill_loop DIR KILLS CMD...: run CMD (appending to DIR/consumed.txt) and SIGKILL it KILLS times,
# each time once it has printed something new and then 0-1.5 s more; a '#kill' line marks each
# kill. Exit code 3 (a worker whose lock is still held by the killed one) is retried after
# 0.3 s. Prints how many kills landed.
kill_loop() {
    local d=$1 kills=$2 k=0
    shift 2
    while [ $k -lt "$kills" ]; do
        # Until a new line (a member joins, a worker takes its lock), 60 s at most.
        if ! spawn_until_output "$d/consumed.txt" "$d/consumer.err" 60 "row 3" "$@"; then
            [ "$SPAWNED_RC" = 3 ] ||
                kfk_log "row 3: consumer exited with $SPAWNED_RC before its kill: $(tail -n 2 "$d/consumer.err")"
            sleep 0.3
            continue
        fi
        kill_soon "$SPAWNED_PID"
        echo "#kill $k" >>"$d/consumed.txt"
        k=$((k + 1))
    done
    echo "$k"
}

# consume_row DIR LABEL PARTITIONS KILLS CONSUMER-ARGS...: a producer at 500 records/s for the
# whole row, the consumer killed KILLS times, then one last consumer with -e reads to the end.
consume_row() {
    local d=$1 label=$2 parts=$3 kills=$4 T ppid landed
    shift 4
    rm -rf "$d" && mkdir -p "$d"
    T=rel3-$label-$(date +%s)
    new_topic "$T" "$parts"
    : >"$d/consumed.txt"
    "$RELP" -b "$BOOT" -t "$T" -n 2000000 -r 500 -P "$parts" --out "$d/deliveries.txt" \
        --deadline 3600 --stop-file "$d/stop" >"$d/producer.json" 2>"$d/producer.err" &
    ppid=$!
    children+=("$ppid")
    sleep 2
    landed=$(kill_loop "$d" "$kills" "$KFK" "$@" -b "$BOOT" -t "$T" -f '%p %o %s\n')
    touch "$d/stop"
    wait "$ppid" || kfk_log "row 3: the producer failed: $(cat "$d/producer.err")"
    # The last consumer reads to the end of the partitions (-e) and exits; a worker finding the
    # killed one's lock still held (exit 3) tries again until the TTL ran out (60 s at most).
    local rc t0
    t0=$(date +%s)
    while :; do
        rc=0
        "$KFK" "$@" -b "$BOOT" -t "$T" -f '%p %o %s\n' -e -m 60 >>"$d/consumed.txt" \
            2>>"$d/consumer.err" || rc=$?
        [ $rc = 3 ] && [ $(($(date +%s) - t0)) -lt 60 ] || break
        sleep 0.3
    done
    [ $rc = 0 ] || kfk_log "row 3: the last consumer failed ($rc): $(tail -n 3 "$d/consumer.err")"
    echo "$landed"
}

row3() {
    local kills d res landed sum v
    if [ $quick = 1 ]; then kills=5; else kills=50; fi
    # A group member: session.timeout.ms 6000 (the broker's minimum) so that the killed member
    # is dropped quickly; the next one starts from the group's commit. batch.commit.wait: a
    # partition's next batch waits for the acknowledgement of the previous one's commit, the
    # setting that bounds what a kill re-reads to one batch per partition (without it, commits
    # are asynchronous and a member printing a backlog runs ahead of them: up to 3,100
    # duplicates in one kill on a loaded machine).
    d=$work/row3-group
    landed=$(consume_row "$d" group 6 "$kills" consume -G "rel3-$(date +%s)" \
        -X auto.offset.reset=earliest -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 \
        -X max.poll.interval.ms=20000 -X batch.commit.wait=true)
    res=$(python3 tests/reliability/check.py consume --consumed "$d/consumed.txt" \
        --deliveries "$d/deliveries.txt")
    echo "$res" >"$d/check.json"
    v=PASS
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["lost"]==0 and d["dup_per_kill_partition_max"]<=100 and d["delivered"]>0 else 1)' "$res" || v=FAIL
    [ "$landed" = "$kills" ] || v=FAIL
    sum="records $(jf "$res" delivered), kills $landed, lost $(jf "$res" lost), duplicates $(jf "$res" duplicated) in all, per kill at most $(jf "$res" dup_per_kill_max) (at most $(jf "$res" dup_per_kill_partition_max) of one partition)"
    add_row 3a "consumer SIGKILL (group)" "kfk consume -G -X batch.commit.wait=true, 6 partitions, 500 records/s produced meanwhile; SIGKILL 0-1.5 s after it printed, $kills times" \
        "$sum" "lost 0; duplicates per kill <= one batch (max.poll.records 100) per partition" "$v"

    # A locked worker: one partition behind its Redis lock (TTL 3 s, so that the killed
    # worker's lock expires soon; until then the new one exits 3 and is started again).
    d=$work/row3-worker
    landed=$(consume_row "$d" worker 1 "$kills" worker -p 0 -G "rel3w-$(date +%s)" \
        --redis "$KFK_REDIS" --lock-ttl 3000 -X auto.offset.reset=earliest)
    res=$(python3 tests/reliability/check.py consume --consumed "$d/consumed.txt" \
        --deliveries "$d/deliveries.txt")
    echo "$res" >"$d/check.json"
    v=PASS
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["lost"]==0 and d["dup_per_kill_max"]<=100 and d["delivered"]>0 else 1)' "$res" || v=FAIL
    [ "$landed" = "$kills" ] || v=FAIL
    sum="records $(jf "$res" delivered), kills $landed, lost $(jf "$res" lost), duplicates $(jf "$res" duplicated) in all, per kill at most $(jf "$res" dup_per_kill_max)"
    add_row 3b "consumer SIGKILL (locked worker)" "kfk worker -p 0 (lock TTL 3 s), 500 records/s produced meanwhile; SIGKILL 0-1.5 s after it printed, $kills times" \
        "$sum" "lost 0; duplicates per kill <= one batch (--batch-size 100)" "$v"
}

# ---- row 6: lock contention ------------------------------------------------------------------
row6() {
    local procs per rounds d i pids=() res sum v=PASS errs=0 s
    if [ $quick = 1 ]; then procs=4 per=8 rounds=200; else procs=4 per=8 rounds=10000; fi
    d=$work/row6
    rm -rf "$d" && mkdir -p "$d"
    for i in $(seq 1 "$procs"); do
        "$RELL" --redis "$KFK_REDIS" --out "$d/grants$i.txt" --name "p$i" -c "$per" -k 8 \
            -n "$rounds" --deadline 3000 >"$d/summary$i.json" 2>"$d/stderr$i.txt" &
        pids+=($!)
        children+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || errs=$((errs + 1)); done
    res=$(python3 tests/reliability/check.py lock "$d"/grants*.txt)
    echo "$res" >"$d/check.json"
    s=$(cat "$d"/summary*.json | python3 -c 'import json,sys
t={"busy":0,"renew_rounds":0,"errors":0,"lost":0}
for l in sys.stdin:
    d=json.loads(l)
    for k in t: t[k]+=d[k]
print("%d acquires refused as held, %d rounds held past a renewal, %d errors, %d leases lost" % (t["busy"], t["renew_rounds"], t["errors"], t["lost"]))')
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["overlaps"]==0 and d["fences_not_rising"]==0 and d["grants"]==int(sys.argv[2]) else 1)' "$res" $((procs * per * rounds)) || v=FAIL
    [ $errs = 0 ] || v=FAIL
    sum="grants $(jf "$res" grants) on $(jf "$res" keys) keys, overlapping holders $(jf "$res" overlaps), fences not rising $(jf "$res" fences_not_rising), $(jf "$res" grants_per_s) grants/s, wait p99 $(jf "$res" wait_p99_ms) ms (max $(jf "$res" wait_max_ms)); $s"
    add_row 6 "lock contention" "$procs processes x $per lock clients ($((procs * per)) workers) x $rounds acquire/hold 0-2 ms/release on 8 keys, TTL 1.5 s, every 200th hold 700 ms (renewed)" \
        "$sum" "overlapping holders 0, fences strictly rising" "$v"
}
