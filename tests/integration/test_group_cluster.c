/*
 * test_group_cluster.c: a kfk group member on the 3-node cluster (scripts/kafka start --nodes 3)
 * while its group coordinator is killed with SIGKILL and started again (issue 7). A producer on
 * the same loop writes all along; the member consumes, commits after every batch and asks for
 * an explicit commit every 500 ms. Checks: consumption goes on, commits succeed again after the
 * coordinator moved and after it came back, kfk found the new coordinator, no record is lost,
 * and the committed offsets end at the end of every partition. The killed node is started
 * again even when the test fails. Ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"

enum {
    PARTS = 6,
    RATE_TICK_MS = 20,
    PER_TICK = 6,
    KILL_AT_MS = 4000,
    RESTART_AT_MS = 14000,
    STOP_AT_MS = 22000,
    JOIN_WAIT_MS = 60000, /* the first batch before the kill, at most this long after KILL_AT_MS */
    DOWN_WAIT_MS = 60000  /* a batch and a commit with the coordinator down, at most this long */
};

static int victim = -1;         /* the node killed, for the fini hook */
static double last_delivery_ms; /* when the last delivery report came (ck_now_ms) */

static void restart_victim(void) {
    if (victim > 0) {
        ck_sh("%s/scripts/kafka restart %d >/dev/null 2>&1", KFK_SOURCE_DIR, victim);
        victim = -1;
    }
}

typedef struct run {
    uv_loop_t *loop;
    const char *topic;
    ck_cons_t *k;
    kfk_producer_t *p;
    uv_timer_t tick;
    double t0;
    int phase; /* 0 before the kill, 1 killed, 2 restarted, 3 producing stopped */
    /* producing */
    ck_pos_t *pos;
    size_t sent, cap;
    /* commits */
    double kill_at, restart_at, killed_done, restarted_done;
    size_t commits_ok[4], commits_failed[4];
    size_t batches[4];
    int commit_pending;
    double last_commit;
    kfk_err_t last_commit_err;
    /* coordinator as kfk logs it (debug=cgrp) */
    int coord_seen[8]; /* coordinators kfk found, repeats collapsed */
    int ncoord_seen;
    int coord_lookups;
    int spawned, spawn_done, spawn_status;
    uv_process_t proc;
    int prod_closed;
    double last_batch;    /* when the last batch came (ck_now_ms) */
    double spawn_done_at; /* when the last scripts/kafka run ended (ms after t0) */
} run_t;

static void on_kfk_log(int level, const char *ctx, const char *msg, void *opaque) {
    run_t *r = opaque;
    (void)ctx;
    const char *c = strstr(msg, ": coordinator is broker ");
    if (c) {
        int node = atoi(c + strlen(": coordinator is broker "));
        /* Distinct coordinators in the order kfk found them. */
        if (r->ncoord_seen < 8 && (!r->ncoord_seen || r->coord_seen[r->ncoord_seen - 1] != node))
            r->coord_seen[r->ncoord_seen++] = node;
        r->coord_lookups++;
    }
    if (level <= 4)
        fprintf(stderr, "  [kfk %.1f s %d %s] %s\n", (ck_now_ms() - r->t0) / 1e3, level, ctx, msg);
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    ck_pos_t *pos = opaque;
    last_delivery_ms = ck_now_ms();
    pos->partition = d->err ? -2 : d->partition;
    pos->offset = d->err ? -1 : d->offset;
}

static void on_spawn_exit(uv_process_t *proc, int64_t status, int sig) {
    run_t *r = proc->data;
    (void)sig;
    r->spawn_done = 1;
    r->spawn_status = (int)status;
    r->spawn_done_at = ck_now_ms() - r->t0;
    uv_close((uv_handle_t *)proc, NULL);
}

static void script(run_t *r, const char *what, int node) {
    char arg[16];
    snprintf(arg, sizeof arg, "%d", node);
    char path[512];
    snprintf(path, sizeof path, "%s/scripts/kafka", KFK_SOURCE_DIR);
    char *args[] = {path, (char *)what, arg, NULL};
    uv_stdio_container_t io[3] = {{UV_IGNORE, {0}}, {UV_IGNORE, {0}}, {UV_IGNORE, {0}}};
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = path;
    o.args = args;
    o.exit_cb = on_spawn_exit;
    o.stdio = io;
    o.stdio_count = 3;
    r->spawn_done = 0;
    r->proc.data = r;
    cr_assert_eq(uv_spawn(r->loop, &r->proc, &o), 0, "cannot run scripts/kafka %s", what);
    r->spawned++;
}

static void on_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    run_t *r = opaque;
    r->commit_pending = 0;
    r->last_commit_err = err;
    if (err)
        r->commits_failed[r->phase]++;
    else
        r->commits_ok[r->phase]++;
}

static void on_tick(uv_timer_t *t) {
    run_t *r = t->data;
    double el = ck_now_ms() - r->t0;
    if (r->phase < 3) {
        for (int i = 0; i < PER_TICK; i++) {
            /* Delivery callbacks hold pointers into pos: it never moves. */
            cr_assert_lt(r->sent, r->cap, "too many records for the position table");
            size_t n = r->sent;
            char val[64];
            int vl = snprintf(val, sizeof val, "c:%zu:", n);
            r->pos[n].partition = -1;
            kfk_record_t rec = {r->topic, (int32_t)(n % PARTS), NULL, 0, val, (size_t)vl, NULL, 0,
                                0};
            if (kfk_producer_send(r->p, &rec, on_delivery, &r->pos[n]) == 0)
                r->sent++;
        }
    }
    /* The kill waits for the consumer to be at work (a batch came): on a slow machine its join
     * may take longer than KILL_AT_MS, and a kill during the join tests something else. The
     * later phases keep their distances from the kill. */
    if (r->phase == 0 && el >= KILL_AT_MS && r->batches[0] > 0) {
        script(r, "kill", victim);
        r->kill_at = el;
        r->phase = 1;
    } else if (r->phase == 0 && el >= KILL_AT_MS + JOIN_WAIT_MS) {
        cr_assert_fail("no batch in %.1f s before the kill: the consumer never got to work",
                       el / 1e3);
    } else if (r->phase == 1 && el - r->kill_at >= DOWN_WAIT_MS &&
               !(r->batches[1] > 0 && r->commits_ok[1] > 0)) {
        cr_assert_fail("with the coordinator down for %.1f s: %zu batches, %zu commits done, %zu "
                       "failed (the last: %s)",
                       (el - r->kill_at) / 1e3, r->batches[1], r->commits_ok[1],
                       r->commits_failed[1], kfk_err_name(r->last_commit_err));
    } else if (r->phase == 1 && el - r->kill_at >= RESTART_AT_MS - KILL_AT_MS && r->spawn_done &&
               r->batches[1] > 0 && r->commits_ok[1] > 0) {
        /* The restart waits for a batch and a commit with the coordinator down: on a loaded
         * machine finding the new coordinator may take longer than the 10 s (a clean-clone CI
         * run at load 14-18 on 2 cores failed this test). */
        script(r, "restart", victim);
        r->restart_at = el;
        r->phase = 2;
    } else if (r->phase == 2 && el - r->kill_at >= STOP_AT_MS - KILL_AT_MS) {
        r->phase = 3;
    }
    if (!r->commit_pending && r->k->n > 0 && el - r->last_commit >= 500) {
        r->commit_pending = 1;
        r->last_commit = el;
        if (kfk_consumer_commit(r->k->c, on_commit, r) != 0)
            r->commit_pending = 0;
    }
}

static int count_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)b;
    (void)no;
    run_t *r = k->user;
    r->batches[r->phase]++;
    r->last_batch = ck_now_ms();
    return 0;
}

static int all_in(void *arg) {
    run_t *r = arg;
    if (r->phase < 3 || !r->spawn_done)
        return 0;
    /* Every reported record received? */
    size_t delivered = 0;
    for (size_t i = 0; i < r->sent; i++)
        delivered += r->pos[i].partition >= 0;
    return r->k->n >= delivered && kfk_producer_queued(r->p) == 0;
}

static void on_prod_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((run_t *)opaque)->prod_closed = 1;
}

Test(group_cluster, the_coordinator_killed_and_restarted_loses_nothing_and_commits_resume,
     .timeout = 420, .fini = restart_victim) {
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[96], group[96];
    ck_topic_create(bs, topic, sizeof topic, "coord", PARTS, 3, NULL);
    snprintf(group, sizeof group, "kfk-gc-%d-%u", (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000));
    char coord[128];
    int32_t node = ck_coordinator(bs, group, coord, sizeof coord);
    cr_assert(node >= 1 && node <= 3, "coordinator %d", node);

    uv_loop_t loop;
    uv_loop_init(&loop);
    run_t r;
    memset(&r, 0, sizeof r);
    r.loop = &loop;
    r.topic = topic;
    r.cap = 200000;
    r.pos = calloc(r.cap, sizeof *r.pos);
    ck_cons_t k = {.hook = count_hook, .user = &r, .log = on_kfk_log, .log_opaque = &r};
    r.k = &k;
    ck_cons_init(
        &k, &loop,
        ck_conf(bs, (const char *[]){"group.id", group, "auto.offset.reset", "earliest",
                                     "max.poll.records", "50", "heartbeat.interval.ms", "500",
                                     "session.timeout.ms", "10000", "debug", "cgrp", "log_level",
                                     "7", "request.timeout.ms", "5000", NULL}));
    char err[256];
    const char *topics[1] = {topic};
    cr_assert_eq(kfk_consumer_subscribe(k.c, topics, 1), 0);
    ck_cons_start(&k);
    kfk_conf_t *pc =
        ck_conf(bs, (const char *[]){"linger.ms", "5", "request.timeout.ms", "5000", NULL});
    cr_assert_eq(kfk_producer_new(&loop, pc, &r.p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(pc);

    victim = node;
    r.t0 = ck_now_ms();
    uv_timer_init(&loop, &r.tick);
    r.tick.data = &r;
    uv_timer_start(&r.tick, on_tick, RATE_TICK_MS, RATE_TICK_MS);
    for (double w0 = ck_now_ms(); !all_in(&r);) {
        uv_run(&loop, UV_RUN_ONCE);
        /* 200 s: scripts/kafka restart waits up to 180 s for the node (a slow machine). */
        if (ck_now_ms() - w0 > (r.kill_at > 0 ? r.kill_at - KILL_AT_MS : 0) + STOP_AT_MS + 200000) {
            size_t delivered = 0, unreported = 0;
            for (size_t i = 0; i < r.sent; i++) {
                delivered += r.pos[i].partition >= 0;
                unreported += r.pos[i].partition == -1;
            }
            int64_t pos[PARTS], hwm[PARTS];
            for (int p = 0; p < PARTS; p++)
                if (kfk_consumer_position(k.c, topic, p, &pos[p], &hwm[p]) != 0)
                    pos[p] = hwm[p] = -9;
            cr_assert_fail("not caught up: phase %d, script done %d (status %d), %zu sent, %zu "
                           "delivered, %zu unreported, %zu received; positions/hwm %lld/%lld "
                           "%lld/%lld %lld/%lld %lld/%lld %lld/%lld %lld/%lld",
                           r.phase, r.spawn_done, r.spawn_status, r.sent, delivered, unreported,
                           k.n, (long long)pos[0], (long long)hwm[0], (long long)pos[1],
                           (long long)hwm[1], (long long)pos[2], (long long)hwm[2],
                           (long long)pos[3], (long long)hwm[3], (long long)pos[4],
                           (long long)hwm[4], (long long)pos[5], (long long)hwm[5]);
        }
    }
    double caught_up = ck_now_ms() - r.t0;
    victim = -1; /* restarted by the script (phase 2) */
    uv_timer_stop(&r.tick);
    ck_run_for(&loop, 1500); /* the commits of the last batches */
    uv_close((uv_handle_t *)&r.tick, NULL);
    kfk_producer_set_close_timeout(r.p, 5000);
    kfk_producer_close(r.p, on_prod_closed, &r);
    ck_cons_close(&k, 10000);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    cr_assert(r.prod_closed);

    /* Every delivered record was received. */
    int64_t end[PARTS] = {0};
    size_t delivered = 0, failed = 0;
    for (size_t i = 0; i < r.sent; i++) {
        if (r.pos[i].partition < 0) {
            failed++;
            continue;
        }
        delivered++;
        if (r.pos[i].offset + 1 > end[r.pos[i].partition])
            end[r.pos[i].partition] = r.pos[i].offset + 1;
    }
    char *seen = calloc(r.sent, 1);
    size_t dups = 0, missing = 0;
    for (size_t i = 0; i < k.n; i++) {
        int64_t idx = k.msgs[i].idx;
        cr_assert(idx >= 0 && (size_t)idx < r.sent, "unknown record");
        if (seen[idx]++)
            dups++;
    }
    for (size_t i = 0; i < r.sent; i++)
        if (r.pos[i].partition >= 0 && !seen[i])
            missing++;
    /* The restarted node may lead the group again and still be loading it: its OffsetFetch then
     * answers an error (every offset -1 here). Ask until the committed offsets are the ends,
     * 30 s at most; the assertions below say what was committed. */
    int64_t committed[PARTS];
    for (double t0 = ck_now_ms();;) {
        int at_end = ck_committed(bs, group, topic, PARTS, committed) == 0;
        for (int p = 0; p < PARTS; p++)
            at_end &= committed[p] == end[p];
        if (at_end || ck_now_ms() - t0 > 30000)
            break;
        usleep(500000);
    }
    int32_t node_after = ck_coordinator(bs, group, coord, sizeof coord);
    fprintf(stderr,
            "coordinator %d killed at %.1f s, restarted at %.1f s (the script done at %.1f s), "
            "caught up at %.1f s: %zu "
            "records delivered (%zu failed, the last report at %.1f s), %zu received (the last "
            "batch at %.1f s), %zu duplicates, %zu missing; batches "
            "before/killed/restarted/after %zu/%zu/%zu/%zu; commits ok %zu/%zu/%zu/%zu, failed "
            "%zu/%zu/%zu/%zu; kfk saw coordinators",
            node, r.kill_at / 1e3, r.restart_at / 1e3, r.spawn_done_at / 1e3, caught_up / 1e3,
            delivered, failed, (last_delivery_ms - r.t0) / 1e3, k.n, (r.last_batch - r.t0) / 1e3,
            dups, missing, r.batches[0], r.batches[1], r.batches[2], r.batches[3], r.commits_ok[0],
            r.commits_ok[1], r.commits_ok[2], r.commits_ok[3], r.commits_failed[0],
            r.commits_failed[1], r.commits_failed[2], r.commits_failed[3]);
    for (int i = 0; i < r.ncoord_seen; i++)
        fprintf(stderr, " %d", r.coord_seen[i]);
    fprintf(stderr, " (%d lookups); coordinator now %d\n", r.coord_lookups, node_after);
    cr_assert_eq(r.spawn_status, 0, "scripts/kafka restart %d failed", node);
    cr_assert_eq(missing, 0, "%zu delivered records never received", missing);
    cr_assert_gt(r.batches[1], 0, "no batch while the coordinator was down");
    cr_assert_gt(r.batches[2] + r.batches[3], 0, "no batch after the restart");
    cr_assert_gt(r.commits_ok[1] + r.commits_ok[2], 0, "no commit succeeded after the kill");
    cr_assert_gt(r.commits_ok[2] + r.commits_ok[3], 0, "no commit succeeded after the restart");
    int found_other = 0;
    for (int i = 0; i < r.ncoord_seen; i++)
        found_other |= r.coord_seen[i] != node;
    cr_assert(found_other, "kfk never found a coordinator other than the killed node %d", node);
    for (int p = 0; p < PARTS; p++)
        cr_assert_eq(committed[p], end[p], "partition %d: committed %lld, end %lld", p,
                     (long long)committed[p], (long long)end[p]);
    free(seen);
    free(r.pos);
    ck_cons_free(&k);
}
