# rows_soak.sh: rows 10 (the soak) and 11 (valgrind memcheck) of scripts/reliability, sourced by
# it (it provides BOOT, KFK_REDIS, KFK_RUN, KFK, RELP, build, work, quick, children, new_topic,
# leader_node, read_back, jf, add_row, now_ms, step and kfk_* from scripts/lib.sh).
#
# Row 10 runs a three-stage pipeline for 10 minutes (quick: 2): rel_produce -> topic A
# (6 partitions) -> `kfk consume -G | kfk produce` -> topic B (1 partition) -> `kfk worker`
# (its lock in Redis), with the leading node of A killed and restarted every 60 s and
# redis-server restarted every 180 s (the worker loses its lock and is started again), samples
# RSS, open fds and CPU of every client process every 10 s, and judges the whole with
# tests/reliability/soak.py: every record delivered into A is processed by the worker.
#
# Row 11 runs the Criterion unit binaries (quick) and the integration binaries (full) of a build
# without sanitizers under valgrind memcheck, one log per process (Criterion forks a child per
# test: --trace-children=yes), and sums the logs with tests/reliability/vgsum.py.

# ---- row 10: soak ------------------------------------------------------------------------------
SOAK_RATE=200 # records/s into A

# soak_sample DIR: every 10 s until DIR/stop_sampler exists, one line per live process named
# in DIR/pids/ROLE: "t_ms role pid rss_kib fds cpu_ticks". Runs in the background.
soak_sample() {
    local d=$1 f role pid rss fds cpu t next
    next=$(now_ms)
    while [ ! -f "$d/stop_sampler" ]; do
        t=$(now_ms)
        if [ "$t" -ge "$next" ]; then
            next=$((next + 10000))
            for f in "$d"/pids/*; do
                [ -f "$f" ] || continue
                role=${f##*/}
                pid=$(cat "$f" 2>/dev/null) || continue
                [ -n "$pid" ] || continue
                rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
                cpu=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || continue
                fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || continue
                [ -n "$rss" ] && [ -n "$cpu" ] && echo "$t $role $pid $rss $fds $cpu" >>"$d/samples.txt"
            done
        fi
        sleep 0.5
    done
}

# soak_worker DIR TOPIC GROUP END_S: `kfk worker` on partition 0 of TOPIC, started again
# whenever it exits (a Redis restart takes its lock away: exit 1) until DIR/stop_worker exists
# or END_S (epoch seconds; the worker is also bounded by it through timeout(1), so that nothing
# outlives a killed harness for long). Its kfk pid is kept in DIR/pids/worker and the timeout
# pid in DIR/worker.tpid; "t_ms exit RC" lines in DIR/exits.txt. Runs in the background.
soak_worker() {
    local d=$1 T=$2 G=$3 end=$4 left tpid wpid rc i
    while [ ! -f "$d/stop_worker" ]; do
        left=$((end - $(date +%s)))
        [ $left -gt 0 ] || break
        timeout -s TERM "$left" "$KFK" worker -b "$BOOT" -t "$T" -p 0 -G "$G" \
            --redis "$KFK_REDIS" --lock-ttl 10000 -X auto.offset.reset=earliest \
            -f '%p %o %s %T\n' >>"$d/processed.txt" 2>>"$d/worker.err" &
        tpid=$!
        echo "$tpid" >"$d/worker.tpid"
        wpid=""
        for i in $(seq 1 100); do
            wpid=$(pgrep -P "$tpid" 2>/dev/null | head -n 1) || true
            [ -n "$wpid" ] && break
            kfk_alive "$tpid" || break
            sleep 0.02
        done
        [ -n "$wpid" ] && echo "$wpid" >"$d/pids/worker"
        echo "$(now_ms) start ${wpid:-?}" >>"$d/exits.txt"
        rc=0
        wait "$tpid" || rc=$?
        rm -f "$d/pids/worker"
        echo "$(now_ms) exit $rc" >>"$d/exits.txt"
        [ -f "$d/stop_worker" ] && break
        sleep 0.5
    done
}

# soak_stop PID SECONDS: SIGTERM, then SIGKILL if still there after SECONDS; sets STOP_RC to
# the exit code, "killed", or "exited(RC)" when it had ended before. Not run in $(...): a
# subshell cannot wait for it.
soak_stop() {
    if ! kfk_alive "$1"; then
        STOP_RC=0
        wait "$1" 2>/dev/null || STOP_RC=$?
        STOP_RC="exited($STOP_RC)"
        return 0
    fi
    kill -TERM "$1" 2>/dev/null || true
    wait_exit "$1" "$2"
    if [ "$WAIT_RC" = alive ]; then
        kill -KILL "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
        STOP_RC=killed
    else
        STOP_RC=$WAIT_RC
    fi
}

# wait_exit PID SECONDS (as in rows_zombie_redis.sh; defined here too so that this file stands
# alone): sets WAIT_RC to PID's exit code, or "alive".
if ! declare -F wait_exit >/dev/null; then
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
fi

row10() {
    local dur move0 move_every redis0 redis_every drain d A B G1 G2 t0 el next_move next_redis
    local ppid cpid ppid2 wloop spid leader t_kill t_up moves=0 redis_restarts=0 died=""
    local m t_drain res v=PASS sum judge_flag end rc_c rc_p rc_w procs drained
    if [ $quick = 1 ]; then
        dur=120 move0=30 move_every=100000 redis0=75 redis_every=100000 drain=180
    else
        dur=600 move0=60 move_every=60 redis0=210 redis_every=180 drain=300
    fi
    d=$work/row10
    rm -rf "$d" && mkdir -p "$d/pids"
    A=rel10a-$(date +%s)
    B=rel10b-$(date +%s)
    G1=rel10g-$(date +%s)
    G2=rel10w-$(date +%s)
    # LogAppendTime: each stage prints the broker's append time of what it read, so that the
    # time from A to B of every record is known (the B value carries A's time).
    "$KFK" topics create -b "$BOOT" -t "$A" --partitions 6 --replication-factor 3 -m 30 \
        --config message.timestamp.type=LogAppendTime >/dev/null
    "$KFK" topics create -b "$BOOT" -t "$B" --partitions 1 --replication-factor 3 -m 30 \
        --config message.timestamp.type=LogAppendTime >/dev/null
    : >"$d/faults.txt"
    : >"$d/processed.txt"
    : >"$d/samples.txt"
    end=$(($(date +%s) + dur + drain + 180))
    # Stage 2 first (it waits for records), joined by a FIFO so that each side has its pid.
    mkfifo "$d/ab.fifo"
    "$KFK" produce -b "$BOOT" -t "$B" -p 0 <"$d/ab.fifo" >"$d/stage2-produce.out" \
        2>"$d/stage2-produce.err" &
    ppid2=$!
    children+=("$ppid2")
    "$KFK" consume -b "$BOOT" -t "$A" -G "$G1" -X auto.offset.reset=earliest -f '%s %T\n' \
        >"$d/ab.fifo" 2>"$d/stage2-consume.err" &
    cpid=$!
    children+=("$cpid")
    echo "$ppid2" >"$d/pids/produce"
    echo "$cpid" >"$d/pids/consume"
    soak_worker "$d" "$B" "$G2" "$end" &
    wloop=$!
    children+=("$wloop")
    "$RELP" -b "$BOOT" -t "$A" -n 10000000 -r $SOAK_RATE -P 6 --out "$d/deliveries.txt" \
        --log "$d/producer.log" --deadline $((dur + drain + 120)) --stop-file "$d/stop" \
        >"$d/producer.json" 2>"$d/producer.err" &
    ppid=$!
    children+=("$ppid")
    echo "$ppid" >"$d/pids/producer"
    soak_sample "$d" &
    spid=$!
    children+=("$spid")
    t0=$(date +%s)
    next_move=$move0
    next_redis=$redis0
    while :; do
        el=$(($(date +%s) - t0))
        [ $el -lt $dur ] || break
        if [ $el -ge $next_move ]; then
            next_move=$((next_move + move_every))
            leader=$(leader_node "$A") || leader=""
            if [ -n "$leader" ]; then
                # The next move: 60 s after this one began, and 20 s after this node is back.
                t_kill=$(now_ms)
                scripts/kafka kill "$leader" 2>/dev/null || true
                sleep 4 # past broker.session.timeout.ms (3 s): the controller moves the leaders
                scripts/kafka restart "$leader" 2>/dev/null || kfk_log "row 10: node $leader did not come back"
                t_up=$(now_ms)
                echo "$t_kill $t_up leader_move node=$leader" >>"$d/faults.txt"
                el=$(($(date +%s) - t0))
                [ $next_move -ge $((el + 20)) ] || next_move=$((el + 20))
                moves=$((moves + 1))
                kfk_log "row 10: ${el} s: leader move $moves: node $leader down $(((t_up - t_kill) / 1000)) s"
            else
                kfk_log "row 10: no leader found for $A"
            fi
        elif [ $el -ge $next_redis ]; then
            next_redis=$((next_redis + redis_every))
            t_kill=$(now_ms)
            scripts/redis stop >/dev/null 2>&1 || true
            scripts/redis start >/dev/null 2>&1 || kfk_log "row 10: redis did not restart"
            t_up=$(now_ms)
            echo "$t_kill $t_up redis_restart" >>"$d/faults.txt"
            redis_restarts=$((redis_restarts + 1))
            kfk_log "row 10: ${el} s: redis restart $redis_restarts ($((t_up - t_kill)) ms)"
        fi
        for m in "$cpid:consume" "$ppid2:produce" "$ppid:producer"; do
            if ! kfk_alive "${m%%:*}" && [[ " $died " != *" ${m#*:} "* ]]; then
                died="$died ${m#*:}"
                kfk_log "row 10: ${el} s: the ${m#*:} stage exited"
            fi
        done
        sleep 1
    done
    # Stop producing; the pipeline drains until every delivered id was processed.
    touch "$d/stop"
    wait "$ppid" || kfk_log "row 10: rel_produce failed: $(tail -n 3 "$d/producer.err")"
    rm -f "$d/pids/producer"
    t_drain=$(date +%s)
    drained=no
    while [ $(($(date +%s) - t_drain)) -lt $drain ]; do
        m=$(python3 tests/reliability/soak.py missing --deliveries "$d/deliveries.txt" \
            --processed "$d/processed.txt")
        if [ "$m" = 0 ]; then
            drained=yes
            break
        fi
        sleep 5
    done
    kfk_log "row 10: drained: $drained after $(($(date +%s) - t_drain)) s"
    # Stop the stages in order; the consumer's SIGTERM closes the FIFO, which ends the producer.
    soak_stop "$cpid" 30
    rc_c=$STOP_RC
    rm -f "$d/pids/consume"
    wait_exit "$ppid2" 60 # it ends by itself at the FIFO's end, once what it read is delivered
    rc_p=$WAIT_RC
    if [ "$rc_p" = alive ]; then
        soak_stop "$ppid2" 30
        rc_p="$STOP_RC after SIGTERM"
    fi
    rm -f "$d/pids/produce"
    touch "$d/stop_worker"
    [ -f "$d/worker.tpid" ] && kill -TERM "$(cat "$d/worker.tpid")" 2>/dev/null
    wait_exit "$wloop" 30 # the loop sees stop_worker once the worker it runs exits
    rc_w=$WAIT_RC
    [ "$rc_w" = alive ] && kill -KILL "$wloop" 2>/dev/null
    touch "$d/stop_sampler"
    wait "$spid" 2>/dev/null || true
    read_back "$A" "$d/topic-a.txt"
    read_back "$B" "$d/topic-b.txt"
    judge_flag=()
    # Quick: a 30 s warm-up so that a slope is reported; judged only in the full run.
    [ $quick = 1 ] && judge_flag=(--min-span 100000 --warmup 30)
    res=$(python3 tests/reliability/soak.py judge --deliveries "$d/deliveries.txt" \
        --processed "$d/processed.txt" --samples "$d/samples.txt" --faults "$d/faults.txt" \
        --exits "$d/exits.txt" --topic-a "$d/topic-a.txt" --topic-b "$d/topic-b.txt" \
        --clk-tck "$(getconf CLK_TCK)" --producer-rate $SOAK_RATE "${judge_flag[@]}")
    echo "$res" >"$d/check.json"
    procs=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); out=[]
for p in d["processes"]:
    s = "-" if p["slope_kib_min"] is None else "%+.1f" % p["slope_kib_min"]
    if p.get("slope_net_kib_min") is not None:
        s += " (%+.1f net of its per-id arrays)" % p["slope_net_kib_min"]
    out.append("%s[%d] %d s: RSS %d->%d KiB (max %d), slope %s KiB/min over %d s%s, fds %d/%d/%d, CPU %.1f s" % (
        p["role"], p["pid"], p["lived_s"], p["rss_first_kib"], p["rss_last_kib"], p["rss_max_kib"],
        s, p["slope_span_s"], "" if p["judged"] else " (not judged)", p["fds_first"], p["fds_last"],
        p["fds_max"], p["cpu_s"]))
print("; ".join(out))' "$res")
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); q=sys.argv[2]=="1"
ok = d["missed"]==0 and d["delivered"]>0 and d["failed"]==0 and d["unknown_ids"]==0
ok = ok and (q or (d["memory_ok"] and d["judged"] >= 3))
sys.exit(0 if ok else 1)' "$res" "$quick" || v=FAIL
    [ -z "$died" ] || v=FAIL
    [ "$drained" = yes ] || v=FAIL
    [ "$moves" -ge 1 ] && [ "$redis_restarts" -ge 1 ] || v=FAIL
    local slopes="RSS slopes judged on $(jf "$res" judged) process(es), worst $(jf "$res" slope_worst) $(jf "$res" slope_max_kib_min) KiB/min"
    [ $quick = 1 ] && slopes="RSS slopes after a 30 s warm-up reported below (quick: judged only in the full run)"
    sum="records sent $(jf "$res" sent), delivered into A $(jf "$res" delivered), processed by the worker $(jf "$res" processed), missed $(jf "$res" missed) $(jf "$res" missed_ids) (of them in A $(jf "$res" missed_in_a), in B $(jf "$res" missed_in_b)), duplicates processed $(jf "$res" duplicates) (written twice into B $(jf "$res" in_b_dup)); time from A to B (append times) p50 $(jf "$res" a_to_b_p50_ms) ms, p99 $(jf "$res" a_to_b_p99_ms) ms, max $(jf "$res" a_to_b_max_ms) ms; delivery into A p99 $(jf "$res" deliver_p99_ms) ms, max $(jf "$res" deliver_max_ms) ms; leader moves $moves, Redis restarts $redis_restarts, worker exits by code $(jf "$res" worker_exits) (1: lock lost, 0: stopped at the end), stages that died${died:- none} (stop exits: consume $rc_c, produce $rc_p, worker loop $rc_w), drained $drained; $slopes; per process (fds first/last/max): $procs"
    add_row 10 "soak" "$((dur / 60)) min at $SOAK_RATE records/s: rel_produce -> A (6 partitions) -> kfk consume -G piped to kfk produce -> B -> kfk worker (lock in Redis, TTL 10 s); leader of A kill -9 + restart $moves times, redis-server restart $redis_restarts times; RSS/fds/CPU sampled every 10 s" \
        "$sum" "missed 0; RSS slope < 64 KiB/min after a 2-min warm-up (30 s for a restarted worker), fds not growing (growing: every count of the second half after warm-up above the first half's highest)" "$v"
}

# ---- row 11: valgrind memcheck -------------------------------------------------------------------
VG_UNIT=(unit_protocol unit_client unit_ev_scram unit_ev_framer unit_ev_serve unit_mock unit_faults)
# Against the single 4.3.1 node (KFK_TARGET=default) and the 3-node cluster (KFK_TARGET=cluster).
VG_INTEG=(integration_apiversions_raw integration_admin integration_protocol_broker
    integration_lock integration_producer integration_consumer integration_group
    integration_worker integration_events integration_lifecycle)
VG_CLUSTER=(integration_cluster integration_producer_cluster integration_group_cluster)
# Quick: the connection framer and server, and the client (producer, consumer, admin,
# connections) against the in-process mock: about 60 tests, each a valgrind process.
VG_QUICK=(unit_ev_framer unit_ev_serve unit_faults)

# vg_run DIR BIN JOBS TIMEOUT_S [ENV=VALUE...]: BIN under memcheck, every process of the build
# tree it starts too (Criterion's child per test, kfk, kfk_test_group_member), one log per
# process in DIR/BIN/; not the services and tools the tests start (sh, kcat, java, redis-server,
# scripts/*). What the binary printed goes to DIR/BIN.out. Prints its exit code.
vg_run() {
    local d=$1 b=$2 jobs=$3 tmo=$4 rc=0
    shift 4
    mkdir -p "$d/$b"
    env "$@" timeout -s KILL "$tmo" valgrind --tool=memcheck --leak-check=full \
        --track-fds=yes --trace-children=yes \
        --trace-children-skip='/bin/*,/usr/*,*/scripts/*,*java*,*python*' \
        --error-exitcode=99 --fullpath-after= --num-callers=30 \
        --log-file="$d/$b/vg.%p.log" "$vb/tests/$b" --jobs "$jobs" \
        >"$d/$b.out" 2>&1 || rc=$?
    echo "$rc"
}

row11() {
    local vb d b rc res v=PASS sum bins=() single=0 skipped t rcs="" cl_env=() one_env=()
    vb=${KFK_REL_VG_BUILD:-$build-valgrind}
    d=$work/row11
    rm -rf "$d" && mkdir -p "$d"
    command -v valgrind >/dev/null || kfk_die "row 11: valgrind not found: run scripts/deps"
    if [ ! -f "$vb/build.ninja" ]; then
        cmake -S . -B "$vb" -G Ninja -DKFK_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DKFK_BUILD_BENCH=OFF -DKFK_BUILD_EXAMPLES=OFF >"$d/configure.log" 2>&1 || {
            cat "$d/configure.log" >&2
            kfk_die "row 11: cannot configure $vb"
        }
    fi
    # KFK_REL_VG_BINS (space-separated) narrows the full run to these binaries.
    local unit=("${VG_UNIT[@]}") integ=("${VG_INTEG[@]}") clus=("${VG_CLUSTER[@]}") want=" ${KFK_REL_VG_BINS:-} "
    if [ $quick = 1 ]; then
        unit=("${VG_QUICK[@]}") integ=() clus=()
    elif [ -n "${KFK_REL_VG_BINS:-}" ]; then
        for b in unit integ clus; do
            local -n arr=$b
            local keep=()
            for x in "${arr[@]}"; do [[ $want == *" $x "* ]] && keep+=("$x"); done
            arr=("${keep[@]}")
            unset -n arr
        done
    fi
    bins=("${unit[@]}" "${integ[@]}" "${clus[@]}")
    t=$(kfk_now)
    cmake --build "$vb" -j 2 --target "${bins[@]}" kfk_cli kfk_test_group_member >"$d/build.log" 2>&1 || {
        tail -n 20 "$d/build.log" >&2
        kfk_die "row 11: the build of $vb failed"
    }
    kfk_log "row 11: $vb built in $(kfk_elapsed "$t") s"
    for b in "${unit[@]}"; do
        t=$(kfk_now)
        rc=$(vg_run "$d" "$b" 2 3600)
        rcs="$rcs $b=$rc"
        kfk_log "row 11: $b under valgrind: exit $rc in $(kfk_elapsed "$t") s"
    done
    skipped="the CLI and mock script tests (tests/scripts/*.sh: kfk through shell scripts, not traced), the hostile suite (its own row), Kafka 3.9 compat runs (the same binaries as against 4.3.1)"
    local left=""
    for b in "${VG_UNIT[@]}" "${VG_INTEG[@]}" "${VG_CLUSTER[@]}"; do
        [[ " ${bins[*]} " == *" $b "* ]] || left="$left${left:+, }$b"
    done
    [ -z "$left" ] || skipped="$left ($([ $quick = 1 ] && echo "quick: ${VG_QUICK[*]} only" || echo "left out by KFK_REL_VG_BINS")), $skipped"
    if [ ${#integ[@]} = 0 ] && [ ${#clus[@]} = 0 ]; then
        :
    else
        # The integration binaries need a single 4.3.1 node (every listener) besides the cluster
        # and Redis this script started: one on this script's ports, stopped after the row.
        if [ ${#integ[@]} -gt 0 ]; then
            scripts/kafka env --nodes 1 >/dev/null 2>&1 || single=1
            mapfile -t one_env < <(scripts/kafka start --nodes 1 2>>"$d/services.err")
            # The events tests' Python peers (aiokafka, msgpack), as scripts/test provides them.
            one_env+=("KFK_PYTHON=${KFK_PYTHON:-$(scripts/pyenv 2>>"$d/services.err" || true)}")
        fi
        mapfile -t cl_env < <(scripts/kafka env --nodes 3 | sed 's/^KFK_/KFK_CLUSTER_/')
        for b in "${integ[@]}"; do
            t=$(kfk_now)
            rc=$(vg_run "$d" "$b" 1 2400 "${one_env[@]}" "KFK_REDIS=$KFK_REDIS" \
                KFK_TARGET=default KFK_REQUIRE_BROKER=1 KFK_LOCK_SOAK_SECONDS=10)
            rcs="$rcs $b=$rc"
            kfk_log "row 11: $b under valgrind: exit $rc in $(kfk_elapsed "$t") s"
        done
        for b in "${clus[@]}"; do
            t=$(kfk_now)
            rc=$(vg_run "$d" "$b" 1 2400 "${cl_env[@]}" "KFK_REDIS=$KFK_REDIS" \
                KFK_TARGET=cluster KFK_REQUIRE_BROKER=1)
            rcs="$rcs $b=$rc"
            kfk_log "row 11: $b under valgrind: exit $rc in $(kfk_elapsed "$t") s"
        done
        [ $single = 1 ] && scripts/kafka stop --nodes 1 >/dev/null 2>&1
        # The cluster tests kill and restart nodes: wait until all three serve again.
        eval "$(scripts/kafka start --nodes 3)"
    fi
    res=$(python3 tests/reliability/vgsum.py --dir "$d" --root "$KFK_ROOT" "${bins[@]}")
    echo "$res" >"$d/check.json"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1])
for o in d["offender_stacks"]:
    print("    %s %s in %s %s (%d process(es), %d B):" % (o["kind"], o["what"], o["bin"], o["test"] or "", o["times"], o["bytes"]))
    for f in o["stack"]: print("        " + f)' "$res" >"$d/offenders.txt"
    cat "$d/offenders.txt" >&2
    python3 -c 'import json,sys; d=json.loads(sys.argv[1])
ok = d["errors"]==0 and d["definitely_lost"]==0 and d["indirectly_lost"]==0 and d["leaked_fds"]==0
ok = ok and d["tests"] > 0 and d["processes"] > 0
sys.exit(0 if ok else 1)' "$res" || v=FAIL
    sum="binaries $(jf "$res" binaries), tests $(jf "$res" tests) (passing $(jf "$res" passing), failing $(jf "$res" failing) $(jf "$res" failed_tests), crashing $(jf "$res" crashing)), processes traced $(jf "$res" processes) ($(jf "$res" no_summary) killed before their summary), memory errors $(jf "$res" errors), definitely lost $(jf "$res" definitely_lost) B, indirectly lost $(jf "$res" indirectly_lost) B, possibly lost $(jf "$res" possibly_lost) B, leaked fds $(jf "$res" leaked_fds) (not counted: stdin/out/err and $(jf "$res" harness_fds) harness fds: inherited, Criterion's runner; harness errors $(jf "$res" errors_harness), harness definitely lost $(jf "$res" definitely_lost_harness) B); worst offenders $(jf "$res" offenders); in tests that failed under valgrind (stopped by an assertion or their timeout; their tests are timed for native speed): $(jf "$res" in_failed_tests) $(jf "$res" failed_test_offenders); exits:$rcs; not run: $skipped"
    add_row 11 "valgrind memcheck" "${bins[*]} of $vb (RelWithDebInfo, no sanitizers) under valgrind --leak-check=full --track-fds=yes --trace-children=yes" \
        "$sum" "0 errors, 0 bytes definitely/indirectly lost, 0 leaked fds (kfk's stacks)" "$v"
}
