# rows_zombie_redis.sh: rows 5 (zombie worker: SIGSTOP past its lease, SIGCONT) and 7 (Redis
# killed, Redis paused) of scripts/reliability, sourced by it (it provides BOOT, KFK_REDIS, KFK,
# RELP, work, quick, children, new_topic, jf, add_row, now_ms and kfk_* from scripts/lib.sh).
# Both use `kfk worker` (one partition behind its Redis lock, TTL 3 s: renewed every second,
# local lease ending 300 ms before Redis' expiry) printing "partition offset value" lines.

REL_TTL_MS=3000

# wait_lines FILE PID SECONDS: until FILE is not empty, PID exits or SECONDS pass.
wait_lines() {
    local t0
    t0=$(date +%s)
    while [ ! -s "$1" ] && kfk_alive "$2" && [ $(($(date +%s) - t0)) -lt "$3" ]; do sleep 0.05; done
}

# wait_exit PID SECONDS: until PID (a child of this shell) is gone or SECONDS pass; sets
# WAIT_RC to its exit code, or "alive". Not run in $(...): a subshell cannot wait for it.
wait_exit() {
    local t0
    t0=$(date +%s)
    while kfk_alive "$1" && [ $(($(date +%s) - t0)) -lt "$2" ]; do sleep 0.02; done
    if kfk_alive "$1"; then
        WAIT_RC=alive
        return 0
    fi
    WAIT_RC=0
    wait "$1" 2>/dev/null || WAIT_RC=$?
}

# worker_to_end OUT ERR ARGS...: a worker that reads to the end (-e); started again while the
# lock is still held by someone else (exit 3), 30 s at most. Prints its exit code.
worker_to_end() {
    local out=$1 err=$2 rc t0
    shift 2
    t0=$(date +%s)
    while :; do
        rc=0
        "$KFK" worker "$@" -e -m 30 >>"$out" 2>>"$err" || rc=$?
        [ $rc = 3 ] && [ $(($(date +%s) - t0)) -lt 30 ] || break
        sleep 0.2
    done
    echo "$rc"
}

# ---- row 5: zombie worker ----------------------------------------------------------------------
row5() {
    local rounds i d T G ppid apid sa sa2 t_cont rca t_exit brc crc clines res
    local after=0 moved=0 lost=0 dupmax=0 exits="" slowest=0 v=PASS
    if [ $quick = 1 ]; then rounds=2; else rounds=10; fi
    for i in $(seq 1 "$rounds"); do
        d=$work/row5/$i
        rm -rf "$d" && mkdir -p "$d"
        T=rel5-$i-$(date +%s)
        G=rel5g-$i-$(date +%s)
        new_topic "$T" 1
        "$RELP" -b "$BOOT" -t "$T" -n 1000000 -r 200 -P 1 --out "$d/deliveries.txt" \
            --deadline 600 --stop-file "$d/stop" >"$d/producer.json" 2>"$d/producer.err" &
        ppid=$!
        children+=("$ppid")
        sleep 1
        # A takes the lock and consumes; it is stopped at a random point once it printed.
        "$KFK" worker -b "$BOOT" -t "$T" -p 0 -G "$G" --redis "$KFK_REDIS" \
            --lock-ttl $REL_TTL_MS -X auto.offset.reset=earliest -f '%p %o %s\n' \
            >"$d/a.txt" 2>"$d/a.err" &
        apid=$!
        children+=("$apid")
        wait_lines "$d/a.txt" "$apid" 60
        sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r / 32767 * 1.5 }')"
        kill -STOP "$apid"
        # Past the lock's TTL (3 s) with records still coming, then B takes over and reads to
        # the end.
        sleep 5
        touch "$d/stop"
        wait "$ppid" || kfk_log "row 5: the producer failed: $(cat "$d/producer.err")"
        brc=$(worker_to_end "$d/b.txt" "$d/b.err" -b "$BOOT" -t "$T" -p 0 -G "$G" \
            --redis "$KFK_REDIS" --lock-ttl $REL_TTL_MS -X auto.offset.reset=earliest \
            -f '%p %o %s\n')
        # A wakes up long after its deadline: it must print nothing more and commit nothing.
        sa=$(stat -c %s "$d/a.txt")
        t_cont=$(now_ms)
        kill -CONT "$apid"
        wait_exit "$apid" 15
        rca=$WAIT_RC
        t_exit=$(now_ms)
        [ "$rca" = alive ] && kill -KILL "$apid" 2>/dev/null
        sa2=$(stat -c %s "$d/a.txt")
        after=$((after + sa2 - sa))
        [ $((t_exit - t_cont)) -gt $slowest ] && slowest=$((t_exit - t_cont))
        exits="$exits${exits:+,}$rca"
        # Whatever A might have committed after waking would move the group's offset back
        # from the end where B left it: a last worker reads from that offset to the end.
        crc=$(worker_to_end "$d/c.txt" "$d/c.err" -b "$BOOT" -t "$T" -p 0 -G "$G" \
            --redis "$KFK_REDIS" --lock-ttl $REL_TTL_MS -f '%o\n')
        clines=$(wc -l <"$d/c.txt")
        moved=$((moved + clines))
        { cat "$d/a.txt"; echo "#kill A"; cat "$d/b.txt"; } >"$d/consumed.txt"
        res=$(python3 tests/reliability/check.py consume --consumed "$d/consumed.txt" \
            --deliveries "$d/deliveries.txt")
        echo "$res" >"$d/check.json"
        lost=$((lost + $(jf "$res" lost)))
        [ "$(jf "$res" dup_per_kill_max)" -gt $dupmax ] && dupmax=$(jf "$res" dup_per_kill_max)
        [ "$brc" = 0 ] && [ "$crc" = 0 ] || {
            kfk_log "row 5: round $i: taking over exited $brc, the last reader $crc"
            v=FAIL
        }
    done
    [ $after = 0 ] && [ $moved = 0 ] && [ $lost = 0 ] || v=FAIL
    case ",$exits," in *,alive,* | *,0,*) v=FAIL ;; esac
    add_row 5 "zombie worker (SIGSTOP)" "kfk worker (lock TTL 3 s) SIGSTOPped 0-1.5 s after it printed, 5 s, a second worker reads to the end, then SIGCONT; $rounds rounds" \
        "bytes printed by the zombie after SIGCONT $after, records the group's offset moved back (its commits after the deadline) $moved, lost $lost, duplicates at most $dupmax, zombie exit codes $exits (1: lock lost) within $slowest ms of SIGCONT" \
        "side effects and commits after the deadline 0; lost 0; the zombie stops" "$v"
}

# ---- row 7: Redis killed, Redis paused ------------------------------------------------------------
# redis_fault DIR KIND DOWN_S: a worker consumes; Redis is killed (kill -9, restarted DOWN_S
# later, empty: no persistence) or paused (CLIENT PAUSE DOWN_S s, past the 1 s command timeout).
# Prints "halt_ms after_bytes worker_rc lost dup takeover_rc".
redis_fault() {
    local d=$1 kind=$2 down=$3 T G ppid wpid t_f sd rcw t_halt after brc res rport n
    rm -rf "$d" && mkdir -p "$d"
    T=rel7-$kind-$(date +%s)
    G=rel7g-$kind-$(date +%s)
    rport=${KFK_REDIS##*:}
    new_topic "$T" 1
    "$RELP" -b "$BOOT" -t "$T" -n 1000000 -r 200 -P 1 --out "$d/deliveries.txt" \
        --deadline 600 --stop-file "$d/stop" >"$d/producer.json" 2>"$d/producer.err" &
    ppid=$!
    children+=("$ppid")
    sleep 1
    "$KFK" worker -b "$BOOT" -t "$T" -p 0 -G "$G" --redis "$KFK_REDIS" --lock-ttl $REL_TTL_MS \
        -X auto.offset.reset=earliest -f '%p %o %s\n' >"$d/a.txt" 2>"$d/a.err" &
    wpid=$!
    children+=("$wpid")
    wait_lines "$d/a.txt" "$wpid" 60
    sleep 1
    t_f=$(now_ms)
    if [ "$kind" = killed ]; then
        kill -KILL "$(cat "$KFK_RUN/redis/redis.pid")"
    else
        redis-cli -h 127.0.0.1 -p "$rport" CLIENT PAUSE $((down * 1000)) ALL >/dev/null
    fi
    # By Redis' expiry of the last renewal (at most TTL after the fault) the worker must have
    # stopped printing: its output's size then is its final size. Its exit is timed with 20 ms
    # polls from the fault on.
    t_halt=""
    sd=""
    while :; do
        n=$(now_ms)
        if [ -z "$t_halt" ] && ! kfk_alive "$wpid"; then t_halt=$n; fi
        if [ -z "$sd" ] && [ $((n - t_f)) -ge $REL_TTL_MS ]; then sd=$(stat -c %s "$d/a.txt"); fi
        [ -n "$sd" ] && [ -n "$t_halt" ] && break
        [ $((n - t_f)) -ge 15000 ] && break
        sleep 0.02
    done
    [ -n "$sd" ] || sd=$(stat -c %s "$d/a.txt")
    wait_exit "$wpid" 1
    rcw=$WAIT_RC
    [ -n "$t_halt" ] || t_halt=$(now_ms)
    [ "$rcw" = alive ] && kill -KILL "$wpid" 2>/dev/null
    after=$(($(stat -c %s "$d/a.txt") - sd))
    # Back once DOWN_S have passed since the fault: restart Redis (or the pause has ended),
    # and a new worker resumes to the end.
    sleep "$(awk -v a="$down" -v f="$t_f" -v n="$(now_ms)" 'BEGIN { s = (f + a * 1000 - n) / 1000; if (s < 0) s = 0; printf "%.2f", s }')"
    if [ "$kind" = killed ]; then
        scripts/redis start >/dev/null 2>&1 || kfk_log "row 7: redis did not restart"
    fi
    sleep 2
    touch "$d/stop"
    wait "$ppid" || kfk_log "row 7: the producer failed: $(cat "$d/producer.err")"
    brc=$(worker_to_end "$d/b.txt" "$d/b.err" -b "$BOOT" -t "$T" -p 0 -G "$G" \
        --redis "$KFK_REDIS" --lock-ttl $REL_TTL_MS -X auto.offset.reset=earliest \
        -f '%p %o %s\n')
    { cat "$d/a.txt"; echo "#kill A"; cat "$d/b.txt"; } >"$d/consumed.txt"
    res=$(python3 tests/reliability/check.py consume --consumed "$d/consumed.txt" \
        --deliveries "$d/deliveries.txt")
    echo "$res" >"$d/check.json"
    # The halt time is measured to when the harness saw the process gone (20 ms polls).
    echo "$((t_halt - t_f)) $after $rcw $(jf "$res" lost) $(jf "$res" dup_per_kill_max) $brc"
}

row7() {
    local down kind out halt after rcw lost dup brc v sum
    if [ $quick = 1 ]; then down=8; else down=30; fi
    for kind in killed paused; do
        out=$(redis_fault "$work/row7-$kind" "$kind" "$down")
        read -r halt after rcw lost dup brc <<<"$out"
        v=PASS
        [ "$after" = 0 ] && [ "$lost" = 0 ] && [ "$rcw" = 1 ] && [ "$brc" = 0 ] || v=FAIL
        [ "$halt" -le $((REL_TTL_MS + 1000)) ] 2>/dev/null || v=FAIL
        [ "$dup" -le 100 ] 2>/dev/null || v=FAIL
        sum="worker stopped $halt ms after the fault (exit $rcw; 1: lock lost), bytes printed after TTL $after, a new worker resumed (exit $brc) and read to the end: lost $lost, duplicates $dup"
        if [ "$kind" = killed ]; then
            add_row 7a "Redis killed" "redis-server kill -9 for $down s (restarted empty) under a kfk worker (lock TTL 3 s), 200 records/s" \
                "$sum" "the holder stops by its deadline (<= TTL; reported with 1 s slack for the harness's polling), nothing after it, work resumes, lost 0, dup <= one batch" "$v"
        else
            add_row 7b "Redis paused" "CLIENT PAUSE $down s (past the 1 s command timeout) under a kfk worker (lock TTL 3 s), 200 records/s" \
                "$sum" "the holder stops by its deadline, nothing after it, work resumes, lost 0, dup <= one batch" "$v"
        fi
    done
}
