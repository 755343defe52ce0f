/*
 * test_worker.c: the partition worker (kfk_worker_t) and `kfk worker` (issue 8) against the real
 * broker and a real redis-server: KFK_REDIS (scripts/redis start) for most tests, and a private
 * redis-server (started here on a free port with the flags scripts/redis uses, killed with the
 * test) for the tests that freeze or kill Redis.
 *
 * Covers: a second worker on a held partition finishes at once with LOCK_HELD and consumes
 * nothing, and the CLI exits 3; a normal run (batches of max.poll.records, a commit after each,
 * the commit of stop, the key released, a fresh worker continuing exactly after the commit, Kafka's
 * ConsumerGroupCommand agreeing); processing past the TTL with renewals blocked (Redis frozen
 * with SIGSTOP: the worker does not hand out its lock for kfk__lock_test_block_renew); Redis
 * killed mid-run and restarted; commits keeping up with the batches (a crash redoes at most one
 * batch); a CLI worker killed with SIGKILL and taken over after the TTL (every record at least
 * once, duplicates at most one batch); a loop stall past the lease. Figures (takeover time,
 * deadline to stop, duplicates) go to stderr; KFK_WORKER_TEST_DEBUG=ctx,... adds kfk's debug
 * lines of those contexts. Every test ends with uv_loop_close() == 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"
#include "redis_kit.h"

#ifndef KFK_CLI_PATH
#error "KFK_CLI_PATH (the kfk binary) must be defined by the build"
#endif

/* ---- the loop ------------------------------------------------------------------------------ */

typedef struct {
    uv_loop_t loop;
    uv_timer_t tick; /* keeps UV_RUN_ONCE from blocking while we wait for a condition */
} tctx_t;

static void on_tick(uv_timer_t *t) {
    (void)t;
}

static void tctx_init(tctx_t *t) {
    signal(SIGPIPE, SIG_IGN); /* hiredis writes with write(2) to servers we kill */
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    uv_timer_init(&t->loop, &t->tick);
}

typedef int (*pred_fn)(void *arg);

/* Runs the loop until @p pred holds or @p timeout_ms passed; returns whether it holds. */
static int run_until(tctx_t *t, pred_fn pred, void *arg, int64_t timeout_ms) {
    double end = ck_now_ms() + (double)timeout_ms;
    uv_timer_start(&t->tick, on_tick, 1, 1);
    while (!pred(arg) && ck_now_ms() < end)
        uv_run(&t->loop, UV_RUN_ONCE);
    uv_timer_stop(&t->tick);
    return pred(arg);
}

static int never(void *arg) {
    (void)arg;
    return 0;
}

static void run_for(tctx_t *t, int64_t ms) {
    run_until(t, never, NULL, ms);
}

/* Closes the test's own handle and the loop; asserts that nothing was left on it. */
static void tctx_finish(tctx_t *t) {
    uv_close((uv_handle_t *)&t->tick, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "handles left on the loop");
}

static void unique_name(char *buf, size_t n, const char *tag) {
    snprintf(buf, n, "kfk-w-%s-%d-%llx", tag, (int)getpid(),
             (unsigned long long)(uv_hrtime() / 1000));
}

/* ---- a worker that records what it gets ---------------------------------------------------- */

typedef struct {
    int64_t idx, offset; /* idx: ck_value_index of the value */
    uint32_t batch;
} wrec_t;

typedef struct {
    int64_t first, end; /* offsets: first record, after the last */
    size_t n;
    double at_ms;   /* delivered (ck_now_ms) */
    double done_ms; /* kfk_batch_done called, 0 while not */
    int freed;      /* the worker's consumer closed (and freed it) before the user was done */
} wbatch_t;

typedef struct wk wk_t;

/* Called once a batch's records are recorded; returns 1 when it keeps the batch (the hook
 * then finishes it with wk_done_batch or wk_hold). */
typedef int (*wk_hook_fn)(wk_t *k, kfk_batch_t *b, uint32_t no);

struct wk {
    tctx_t *t;
    const char *name;
    kfk_worker_t *w; /* NULL once finished */
    char key[256];
    int64_t fence;
    int attempts;
    /* what came */
    wrec_t *recs;
    size_t n, cap;
    wbatch_t *b;
    size_t nb, bcap;
    int64_t max_idx;
    wk_hook_fn hook;
    void *user;
    int64_t hold_idx; /* hold_batch_with_idx: keep the batch holding this record */
    /* a batch kept by the hook, finished by the timer */
    kfk_batch_t *held;
    uint32_t held_no;
    uv_timer_t timer;
    int abandoned; /* held batches found freed when the processing ended */
    /* the end */
    int finished;
    kfk_err_t err;
    double done_ms;
    /* from the log callback */
    double lost_ms; /* the first "lost" / "lease ended" line */
    char lost_msg[320];
    double sends[512]; /* acquire and renew commands sent (debug "lock") */
    size_t nsends;
    int late; /* "renewal ... late (the loop was blocked)" warnings */
};

static void wk_log(int level, const char *ctx, const char *msg, void *opaque) {
    wk_t *k = opaque;
    double now = ck_now_ms();
    if (level >= 7) {
        if ((strstr(msg, ": renew ") || strstr(msg, ": acquire ")) &&
            k->nsends < sizeof k->sends / sizeof k->sends[0])
            k->sends[k->nsends++] = now;
        if (getenv("KFK_WORKER_TEST_DEBUG"))
            fprintf(stderr, "  [%s %.0f %d %s] %s\n", k->name, now, level, ctx, msg);
        return;
    }
    if (!k->lost_ms && (strstr(msg, ") lost: ") || strstr(msg, "lease ended") ||
                        (strstr(msg, "worker ") && strstr(msg, " lost (")))) {
        k->lost_ms = now;
        snprintf(k->lost_msg, sizeof k->lost_msg, "%s", msg);
    }
    if (strstr(msg, "ms late (the loop was blocked)"))
        k->late++;
    fprintf(stderr, "  [%s %.0f %d %s] %s\n", k->name, now, level, ctx, msg);
}

static void wk_init(wk_t *k, tctx_t *t, const char *name) {
    memset(k, 0, sizeof *k);
    k->t = t;
    k->name = name;
    k->fence = -1;
    k->max_idx = -1;
    k->hold_idx = -1;
    uv_timer_init(&t->loop, &k->timer);
    k->timer.data = k;
}

static void wk_fini(wk_t *k) {
    cr_assert(k->finished || !k->attempts, "worker %s not finished", k->name);
    uv_close((uv_handle_t *)&k->timer, NULL);
    free(k->recs);
    free(k->b);
}

/* Marks batch @p no processed now. */
static void wk_done_batch(wk_t *k, kfk_batch_t *b, uint32_t no) {
    k->b[no].done_ms = ck_now_ms();
    kfk_batch_done(b, KFK_ERR_NONE);
}

/* The processing of the held batch ends: it is marked done, unless the worker's consumer is
 * gone (the batch with it: calling kfk_batch_done now would touch freed memory). */
static void on_hold_timer(uv_timer_t *t) {
    wk_t *k = t->data;
    kfk_batch_t *b = k->held;
    k->held = NULL;
    if (!b)
        return;
    if (!k->finished && k->w && kfk_worker_consumer(k->w)) {
        wk_done_batch(k, b, k->held_no);
    } else {
        k->b[k->held_no].freed = 1;
        k->abandoned++;
    }
}

/* Keeps @p b in processing for @p ms. */
static void wk_hold(wk_t *k, kfk_batch_t *b, uint32_t no, uint64_t ms) {
    k->held = b;
    k->held_no = no;
    uv_update_time(&k->t->loop); /* after a stall in the callback, the cached time is old */
    uv_timer_start(&k->timer, on_hold_timer, ms, 0);
}

static void wk_on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    wk_t *k = opaque;
    if (k->fence < 0 && k->w)
        k->fence = kfk_worker_fence(k->w);
    size_t n = kfk_batch_count(b);
    if (k->nb == k->bcap) {
        k->bcap = k->bcap ? 2 * k->bcap : 256;
        k->b = realloc(k->b, k->bcap * sizeof *k->b);
        cr_assert_not_null(k->b);
    }
    while (k->n + n > k->cap) {
        k->cap = k->cap ? 2 * k->cap : 4096;
        k->recs = realloc(k->recs, k->cap * sizeof *k->recs);
        cr_assert_not_null(k->recs);
    }
    uint32_t no = (uint32_t)k->nb++;
    wbatch_t *wb = &k->b[no];
    memset(wb, 0, sizeof *wb);
    wb->n = n;
    wb->at_ms = ck_now_ms();
    wb->first = n ? kfk_batch_message(b, 0)->offset : -1;
    wb->end = n ? kfk_batch_message(b, n - 1)->offset + 1 : -1;
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        int64_t idx = ck_value_index(m->value, m->value_len);
        k->recs[k->n++] = (wrec_t){idx, m->offset, no};
        if (idx > k->max_idx)
            k->max_idx = idx;
    }
    if (k->hook && k->hook(k, b, no))
        return;
    wk_done_batch(k, b, no);
}

static void wk_on_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    wk_t *k = opaque;
    k->finished = 1;
    if (k->done_ms == 0)
        k->done_ms = ck_now_ms();
    k->w = NULL;
}

/* The worker finished by itself: its error, then close it. */
static void wk_on_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    wk_t *k = opaque;
    k->err = err;
    k->done_ms = ck_now_ms();
    kfk_worker_close(w, wk_on_closed, k);
}

typedef struct {
    const char *group, *topic;
    int32_t partition;
    int batch;
    const char *redis;
    int64_t ttl, renew, timeout; /* 0: the lock's defaults */
    int debug;                   /* debug=lock: the send times of acquire and renew commands */
} wopts_t;

static void wk_start(wk_t *k, const wopts_t *o) {
    char bs[16];
    snprintf(bs, sizeof bs, "%d", o->batch);
    const char *kv[] = {"group.id",
                        o->group,
                        "max.poll.records",
                        bs,
                        "auto.offset.reset",
                        "earliest",
                        "batch.timeout.ms",
                        "50",
                        "client.id",
                        k->name,
                        o->debug ? "debug" : NULL,
                        "lock",
                        NULL};
    kfk_conf_t *conf = ck_conf(kt_env_required("BOOTSTRAP"), kv);
    const char *dbg = getenv("KFK_WORKER_TEST_DEBUG"); /* e.g. "lock,cgrp": on stderr */
    if (dbg && *dbg) {
        char all[256];
        snprintf(all, sizeof all, "%s%s", dbg, o->debug ? ",lock" : "");
        ck_set(conf, "debug", all);
    }
    kfk_conf_set_log_cb(conf, wk_log, k);
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    lo.redis = o->redis;
    lo.ttl_ms = o->ttl;
    lo.renew_interval_ms = o->renew;
    lo.command_timeout_ms = o->timeout;
    kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
    wo.topic = o->topic;
    wo.partition = o->partition;
    wo.lock = &lo;
    char errstr[512] = "";
    k->finished = 0;
    k->done_ms = 0;
    k->err = KFK_ERR_NONE;
    k->fence = -1;
    k->attempts++;
    kfk_err_t e = kfk_worker_new(&k->t->loop, conf, &wo, wk_on_batch, wk_on_done, k, &k->w, errstr,
                                 sizeof errstr);
    kfk_conf_free(conf);
    cr_assert_eq(e, 0, "kfk_worker_new: %s (%s)", errstr, kfk_err_name(e));
    snprintf(k->key, sizeof k->key, "%s", kfk_worker_lock_key(k->w));
}

static int wk_is_finished(void *arg) {
    return ((wk_t *)arg)->finished;
}

static int wk_has_lost(void *arg) {
    wk_t *k = arg;
    return k->lost_ms > 0 || k->finished;
}

typedef struct {
    wk_t *k;
    size_t n;
} wcount_t;

static int wk_has(void *arg) {
    wcount_t *c = arg;
    return c->k->n >= c->n || c->k->finished;
}

/* True once the worker was granted the lock (or finished). */
static int wk_acquired(void *arg) {
    wk_t *k = arg;
    return k->finished || (k->w && kfk_worker_fence(k->w) > 0);
}

/* Closes the worker (draining up to @p drain_ms) and waits for its close callback. */
static void wk_stop(wk_t *k, int64_t drain_ms) {
    cr_assert_not_null(k->w, "worker %s already finished (%s)", k->name, kfk_err_name(k->err));
    kfk_worker_set_close_timeout(k->w, drain_ms);
    kfk_worker_close(k->w, wk_on_closed, k);
    cr_assert(run_until(k->t, wk_is_finished, k, drain_ms + 15000), "worker %s did not finish",
              k->name);
}

/* Hook: keeps the batch holding record hold_idx (the caller finishes it). */
static int hold_batch_with_idx(wk_t *k, kfk_batch_t *b, uint32_t no) {
    for (size_t i = k->b[no].n; i > 0; i--)
        if (k->recs[k->n - i].idx == k->hold_idx) {
            k->held = b;
            k->held_no = no;
            return 1;
        }
    return 0;
}

/* The send time of the last acquire/renew command sent before @p t (0 if none): the lease
 * deadline is at most ttl - margin after it. */
static double last_send_before(const wk_t *k, double t) {
    double last = 0;
    for (size_t i = 0; i < k->nsends; i++)
        if (k->sends[i] < t && k->sends[i] > last)
            last = k->sends[i];
    return last;
}

/* The end offset of the last batch marked done before @p t (what may be committed). */
static int64_t done_end_before(const wk_t *k, double t, int64_t start) {
    int64_t end = start;
    for (size_t i = 0; i < k->nb; i++)
        if (k->b[i].done_ms > 0 && k->b[i].done_ms < t && k->b[i].end > end)
            end = k->b[i].end;
    return end;
}

/* ---- committed offsets --------------------------------------------------------------------- */

static int64_t committed(const char *group, const char *topic, int32_t part, int32_t nparts) {
    int64_t off[8];
    cr_assert_leq(nparts, 8);
    int e = ck_committed(kt_env_required("BOOTSTRAP"), group, topic, nparts, off);
    cr_assert_eq(e, 0, "OffsetFetch %s: error %d", group, e);
    return off[part];
}

/* Polls the committed offset (running the loop between polls) until it is @p want. */
static int64_t committed_becomes(tctx_t *t, const char *group, const char *topic, int32_t part,
                                 int32_t nparts, int64_t want, int64_t max_ms) {
    double end = ck_now_ms() + (double)max_ms;
    int64_t c;
    while ((c = committed(group, topic, part, nparts)) != want && ck_now_ms() < end)
        run_for(t, 50);
    return c;
}

/* ---- child processes ------------------------------------------------------------------------ */

typedef struct {
    pid_t pid;
    int status;
    int exited;
} child_t;

static int child_exited(void *arg) {
    child_t *ch = arg;
    if (!ch->exited && waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid)
        ch->exited = 1;
    return ch->exited;
}

/* The lines of @p path, counted. */
static size_t count_lines(const char *path) {
    char *txt = ck_slurp(path, NULL);
    size_t n = 0;
    for (const char *p = txt; p && *p; p++)
        n += *p == '\n';
    free(txt);
    return n;
}

/* ---- a producer on the test's loop ---------------------------------------------------------- */

typedef struct {
    kfk_producer_t *p;
    uv_timer_t timer;
    const char *topic;
    const char *tag;
    int32_t partition;
    size_t next, total, per_tick;
    size_t reports, failed;
    int closed;
} aprod_t;

static void on_aprod_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    aprod_t *ap = opaque;
    ap->reports++;
    if (d->err)
        ap->failed++;
}

static void on_aprod_tick(uv_timer_t *t) {
    aprod_t *ap = t->data;
    for (size_t i = 0; i < ap->per_tick && ap->next < ap->total; i++) {
        char val[64];
        int vl = snprintf(val, sizeof val, "%s:%zu:", ap->tag, ap->next);
        kfk_record_t rec = {ap->topic, ap->partition, NULL, 0, val, (size_t)vl, NULL, 0, 0};
        if (kfk_producer_send(ap->p, &rec, on_aprod_delivery, ap) != KFK_ERR_NONE)
            break; /* queue full: again on the next tick */
        ap->next++;
    }
    if (ap->next == ap->total)
        uv_timer_stop(t);
}

/* Produces @p total records "<tag>:<i>:" to @p partition, @p per_tick every @p every_ms. */
static void aprod_start(aprod_t *ap, tctx_t *t, const char *topic, int32_t partition, size_t total,
                        size_t per_tick, uint64_t every_ms, const char *tag) {
    memset(ap, 0, sizeof *ap);
    const char *kv[] = {"linger.ms", "1", NULL};
    kfk_conf_t *c = ck_conf(kt_env_required("BOOTSTRAP"), kv);
    char err[256];
    cr_assert_eq(kfk_producer_new(&t->loop, c, &ap->p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    ap->topic = topic;
    ap->tag = tag;
    ap->partition = partition;
    ap->total = total;
    ap->per_tick = per_tick;
    uv_timer_init(&t->loop, &ap->timer);
    ap->timer.data = ap;
    uv_timer_start(&ap->timer, on_aprod_tick, 0, every_ms);
}

static void on_aprod_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((aprod_t *)opaque)->closed = 1;
}

static int aprod_is_closed(void *arg) {
    return ((aprod_t *)arg)->closed;
}

static int aprod_all_reported(void *arg) {
    aprod_t *ap = arg;
    return ap->reports == ap->total;
}

static void aprod_close(aprod_t *ap, tctx_t *t) {
    uv_close((uv_handle_t *)&ap->timer, NULL);
    kfk_producer_set_close_timeout(ap->p, 10000);
    kfk_producer_close(ap->p, on_aprod_closed, ap);
    cr_assert(run_until(t, aprod_is_closed, ap, 20000), "the producer did not close");
    cr_assert_eq(ap->failed, 0, "%zu records failed", ap->failed);
}

/* ---- LOCK_HELD --------------------------------------------------------------------------------
 */

Test(worker,
     a_second_worker_on_the_same_partition_finishes_at_once_with_lock_held_and_the_cli_exits_3) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP"), *redis = kt_env_required("REDIS");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wheld", 1, 1, NULL);
    unique_name(group, sizeof group, "held");
    free(ck_produce(bs, topic, 40, 0, 1, 0, "h"));

    wk_t a, b;
    wk_init(&a, &t, "first");
    wk_init(&b, &t, "second");
    wopts_t o = {group, topic, 0, 10, redis, 3000, 0, 0, 0};
    wk_start(&a, &o);
    wcount_t all = {&a, 40};
    cr_assert(run_until(&t, wk_has, &all, 20000), "the first worker got %zu of 40 records", a.n);
    cr_assert_not(a.finished, "first worker finished: %s", kfk_err_name(a.err));
    cr_assert_gt(kfk_worker_fence(a.w), 0);
    cr_assert_not_null(kfk_worker_consumer(a.w));

    /* The second worker: LOCK_HELD at once, no consumer, no batch, no fence taken. */
    double t0 = ck_now_ms();
    wk_start(&b, &o);
    cr_assert_null(kfk_worker_consumer(b.w), "no consumer before the lock is held");
    cr_assert_str_eq(b.key, a.key);
    cr_assert(run_until(&t, wk_is_finished, &b, 5000), "the second worker did not finish");
    double held_ms = b.done_ms - t0;
    cr_assert_eq(b.err, KFK_ERR__LOCK_HELD, "second worker: %s", kfk_err_name(b.err));
    cr_assert_eq(b.nb, 0, "the second worker got %zu batches", b.nb);
    cr_assert_eq(b.fence, -1);
    cr_assert_lt(held_ms, 1000, "LOCK_HELD took %.0f ms", held_ms);
    redisContext *side = side_connect(redis);
    char fkey[300];
    snprintf(fkey, sizeof fkey, "%s:fence", a.key);
    cr_assert_eq(side_int(side, "EXISTS", a.key, NULL), 1);
    cr_assert_eq(side_get_num(side, fkey), kfk_worker_fence(a.w),
                 "the refused worker took a fence");

    /* The CLI: exit code 3, nothing printed, while the first worker keeps running. */
    char out[128], err[128];
    snprintf(out, sizeof out, "/tmp/kfk-worker-%d-held.out", (int)getpid());
    snprintf(err, sizeof err, "/tmp/kfk-worker-%d-held.err", (int)getpid());
    unlink(out);
    unlink(err);
    char *argv[] = {(char *)KFK_CLI_PATH,
                    (char *)"worker",
                    (char *)"-b",
                    (char *)bs,
                    (char *)"-t",
                    topic,
                    (char *)"-p",
                    (char *)"0",
                    (char *)"-G",
                    group,
                    (char *)"--redis",
                    (char *)redis,
                    (char *)"--lock-ttl",
                    (char *)"3000",
                    (char *)"-X",
                    (char *)"auto.offset.reset=earliest",
                    NULL};
    double c0 = ck_now_ms();
    child_t ch = {ck_spawn(argv, out, err), 0, 0};
    cr_assert(run_until(&t, child_exited, &ch, 15000), "kfk worker did not exit");
    double cli_ms = ck_now_ms() - c0;
    char *errtxt = ck_slurp(err, NULL);
    cr_assert(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 3,
              "kfk worker: status 0x%x (want exit 3); stderr:\n%s", ch.status,
              errtxt ? errtxt : "");
    cr_assert(errtxt && strstr(errtxt, "locked by another worker"), "stderr:\n%s", errtxt);
    free(errtxt);
    cr_assert_eq(count_lines(out), 0, "the refused CLI printed records");
    unlink(out);
    unlink(err);
    cr_assert_not(a.finished, "the first worker was disturbed: %s", kfk_err_name(a.err));
    cr_assert_eq(a.n, 40, "the first worker got %zu records", a.n);
    for (size_t i = 0; i < a.n; i++)
        cr_assert_eq(a.recs[i].idx, (int64_t)i);
    cr_assert_eq(committed_becomes(&t, group, topic, 0, 1, 40, 5000), 40);

    wk_stop(&a, 5000);
    cr_assert_eq(a.err, 0, "first worker: %s", kfk_err_name(a.err));
    cr_assert_eq(side_int(side, "EXISTS", a.key, NULL), 0, "stop released the key");
    fprintf(stderr,
            "worker: second worker refused (LOCK_HELD) in %.1f ms; kfk worker exited 3 "
            "in %.0f ms\n",
            held_ms, cli_ms);
    redisFree(side);
    wk_fini(&a);
    wk_fini(&b);
    tctx_finish(&t);
}

/* ---- a normal run -----------------------------------------------------------------------------
 */

Test(worker, consumes_in_batches_commits_on_stop_releases_the_lock_and_a_fresh_worker_continues) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP"), *redis = kt_env_required("REDIS");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wnormal", 2, 1, NULL);
    unique_name(group, sizeof group, "normal");
    /* Record i goes to partition i % 2: partition 1 holds the odd ones, offsets 0..94. */
    free(ck_produce(bs, topic, 190, 0, 2, 0, "n"));

    wk_t k;
    wk_init(&k, &t, "normal");
    k.hook = hold_batch_with_idx;
    k.hold_idx = 189; /* the last batch stays in processing until after kfk_worker_close */
    wopts_t o = {group, topic, 1, 10, redis, 3000, 0, 0, 0};
    wk_start(&k, &o);
    char want_key[300];
    snprintf(want_key, sizeof want_key, "kfk:lock:%s:%s:1", group, topic);
    cr_assert_str_eq(k.key, want_key);
    wcount_t all = {&k, 95};
    cr_assert(run_until(&t, wk_has, &all, 20000), "got %zu of 95 records", k.n);
    cr_assert_not(k.finished, "%s", kfk_err_name(k.err));
    cr_assert_not_null(k.held, "the last batch is held");
    cr_assert_eq(k.n, 95);
    for (size_t i = 0; i < k.n; i++) {
        cr_assert_eq(k.recs[i].offset, (int64_t)i, "record %zu: offset %lld", i,
                     (long long)k.recs[i].offset);
        cr_assert_eq(k.recs[i].idx, (int64_t)(2 * i + 1), "only partition 1's records");
    }
    for (size_t i = 0; i < k.nb; i++)
        cr_assert(k.b[i].n <= 10 && (k.b[i].n == 10 || i + 1 == k.nb),
                  "batch %zu has %zu records (max.poll.records 10, all records there)", i,
                  k.b[i].n);
    cr_assert_eq(k.nb, 10);

    /* The lock: the derived key, a fence, a TTL within the configured one. */
    int64_t fence = kfk_worker_fence(k.w);
    cr_assert_gt(fence, 0);
    cr_assert_eq(k.fence, fence);
    redisContext *side = side_connect(redis);
    char fkey[320];
    snprintf(fkey, sizeof fkey, "%s:fence", k.key);
    cr_assert_eq(side_int(side, "EXISTS", k.key, NULL), 1);
    long long pttl = side_int(side, "PTTL", k.key, NULL);
    cr_assert(pttl > 0 && pttl <= 3000, "PTTL %lld", pttl);
    cr_assert_eq(side_get_num(side, fkey), fence);

    /* A commit after each done batch: everything but the held batch. */
    cr_assert_eq(committed_becomes(&t, group, topic, 1, 2, 90, 5000), 90);

    /* Stop while the last batch is in processing: stop waits for it, commits it, releases. */
    double s0 = ck_now_ms();
    kfk_worker_set_close_timeout(k.w, 5000);
    kfk_worker_close(k.w, wk_on_closed, &k);
    /* The loop's cached time is as old as its last run: the blocking checks above (OffsetFetch,
     * Redis) would otherwise make the 300 ms hold end at once. */
    uv_update_time(&t.loop);
    uv_timer_start(&k.timer, on_hold_timer, 300, 0);
    cr_assert(run_until(&t, wk_is_finished, &k, 15000), "the worker did not finish");
    cr_assert_eq(k.err, 0, "%s", kfk_err_name(k.err));
    cr_assert_eq(k.abandoned, 0, "stop freed the batch in processing");
    cr_assert_geq(k.done_ms - s0, 250, "stop did not wait for the batch in processing");
    cr_assert_eq(committed(group, topic, 1, 2), 95, "stop committed the last batch");
    cr_assert_eq(side_int(side, "EXISTS", k.key, NULL), 0, "stop released the key");
    cr_assert_eq(side_get_num(side, fkey), fence, "the fence counter stays");

    /* 20 more records on partition 1; a fresh worker continues exactly after the commit. */
    free(ck_produce(bs, topic, 40, 0, 2, 0, "m"));
    wk_t k2;
    wk_init(&k2, &t, "fresh");
    wk_start(&k2, &o);
    wcount_t more = {&k2, 20};
    cr_assert(run_until(&t, wk_has, &more, 20000), "fresh worker: %zu of 20 records", k2.n);
    run_for(&t, 300);
    cr_assert_eq(k2.n, 20, "the fresh worker got %zu records", k2.n);
    for (size_t i = 0; i < k2.n; i++) {
        cr_assert_eq(k2.recs[i].offset, (int64_t)(95 + i));
        cr_assert_eq(k2.recs[i].idx, (int64_t)(2 * i + 1));
    }
    cr_assert_gt(k2.fence, fence, "a new acquisition, a higher fence");
    wk_stop(&k2, 5000);
    cr_assert_eq(k2.err, 0, "%s", kfk_err_name(k2.err));
    cr_assert_eq(committed(group, topic, 1, 2), 115);
    cr_assert_eq(side_int(side, "EXISTS", k.key, NULL), 0);

    /* Kafka's own tool agrees. */
    int64_t cur[2];
    double j0 = ck_now_ms();
    cr_assert_geq(ck_cgc_describe(bs, group, topic, 2, cur), 1, "no row for %s", topic);
    cr_assert_eq(cur[1], 115, "ConsumerGroupCommand: CURRENT-OFFSET %lld", (long long)cur[1]);
    cr_assert_eq(cur[0], -1, "nothing committed for partition 0");
    fprintf(stderr,
            "worker: 95 records in %zu batches of <= 10; stop waited %.0f ms for the batch in "
            "processing and committed 95; fresh worker from 95 to 115 (ConsumerGroupCommand: "
            "%lld, %.1f s)\n",
            k.nb, k.done_ms - s0, (long long)cur[1], (ck_now_ms() - j0) / 1000);
    redisFree(side);
    wk_fini(&k);
    wk_fini(&k2);
    tctx_finish(&t);
}

/* ---- processing past the TTL with renewals blocked --------------------------------------------
 */

/* Hook: batches 0-2 are done at once; at batch 3 Redis freezes (no renewal is answered any
 * more) and the batch stays in processing. */
static int freeze_at_batch_3(wk_t *k, kfk_batch_t *b, uint32_t no) {
    if (no != 3)
        return 0;
    kredis_freeze(k->user, 1);
    k->held = b;
    k->held_no = no;
    return 1;
}

Test(
    worker,
    processing_past_the_ttl_with_renewals_blocked_stops_before_the_deadline_and_commits_nothing_after_it,
    .fini = kredis_fini) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP");
    kredis_t r;
    memset(&r, 0, sizeof r);
    kredis_start(&r);
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wttl", 1, 1, NULL);
    unique_name(group, sizeof group, "ttl");
    free(ck_produce(bs, topic, 60, 0, 1, 0, "p"));

    /* TTL 2000: renewals every 666 ms, margin 250, so the lease ends at most 1750 ms after the
     * last answered renewal was sent. The command timeout (2500) is longer than that: the
     * local deadline, not a renewal's timeout, must end the lease. */
    wk_t k;
    wk_init(&k, &t, "ttl");
    k.hook = freeze_at_batch_3;
    k.user = &r;
    wopts_t o = {group, topic, 0, 10, r.addr, 2000, 0, 2500, 1};
    wk_start(&k, &o);
    wcount_t four = {&k, 40};
    cr_assert(run_until(&t, wk_has, &four, 20000), "got %zu of 40 records", k.n);
    cr_assert(r.stopped, "Redis frozen at batch 3");
    double frozen_ms = k.b[3].at_ms;
    cr_assert(run_until(&t, wk_has_lost, &k, 5000), "the lease did not end");
    cr_assert_gt(k.lost_ms, 0, "no 'lost' log line; finished with %s", kfk_err_name(k.err));
    double lost_ms = k.lost_ms;

    /* The processing of batch 3 ends 300 ms after the lease, longer than the TTL after the
     * freeze: kfk_batch_done must be harmless (the batch still valid) and commit nothing. */
    uv_timer_start(&k.timer, on_hold_timer, 300, 0);
    cr_assert(run_until(&t, wk_is_finished, &k, 10000), "the worker did not finish");
    kredis_freeze(&r, 0);
    cr_assert_eq(k.err, KFK_ERR__LOCK_LOST, "finished with %s", kfk_err_name(k.err));

    double last_send = last_send_before(&k, frozen_ms);
    cr_assert_gt(last_send, 0, "no acquire/renew send seen (debug=lock)");
    double deadline = last_send + 2000 - 250;
    cr_assert(strstr(k.lost_msg, "deadline"), "the lease must end at its local deadline: %s",
              k.lost_msg);
    cr_assert_leq(lost_ms, deadline + 50, "stopped %.0f ms after the deadline", lost_ms - deadline);
    cr_assert_lt(lost_ms, last_send + 2000, "stopped after Redis could expire the key");
    for (size_t i = 0; i < k.nb; i++)
        cr_assert_lt(k.b[i].at_ms, lost_ms, "batch %zu delivered after the lease ended", i);
    cr_assert_eq(k.nb, 4, "%zu batches delivered", k.nb);
    int64_t c = committed(group, topic, 0, 1);
    cr_assert_eq(c, 30, "committed %lld: only batches 0-2 were done inside the lease",
                 (long long)c);
    fprintf(stderr,
            "worker: renewals blocked (Redis frozen) at +0 ms; lease deadline at +%.0f ms; "
            "lease ended at +%.0f ms (%.1f ms from deadline to stop); worker done at +%.0f "
            "ms; committed %lld; batch in processing %s\n",
            deadline - frozen_ms, lost_ms - frozen_ms, lost_ms - deadline, k.done_ms - frozen_ms,
            (long long)c, k.abandoned ? "FREED under the user" : "done and ignored");
    /* The worker must not free a batch the user is still processing before telling the user
     * (done_cb): kfk_batch_done on it would be a use-after-free. */
    cr_expect_eq(k.abandoned, 0,
                 "batch 3 was freed while in processing, before done_cb: the worker closed its "
                 "consumer with a 0 ms drain when the lock was lost (%.0f ms before done_cb)",
                 k.done_ms - lost_ms - 300);

    /* Redis back: a new worker takes the partition from the commit (batch 3 comes again). */
    wk_t k2;
    wk_init(&k2, &t, "after-ttl");
    wk_start(&k2, &o);
    wcount_t rest = {&k2, 30};
    cr_assert(run_until(&t, wk_has, &rest, 20000), "got %zu of 30 records", k2.n);
    cr_assert_eq(k2.recs[0].offset, 30);
    wk_stop(&k2, 5000);
    cr_assert_eq(k2.err, 0, "%s", kfk_err_name(k2.err));
    cr_assert_eq(committed(group, topic, 0, 1), 60);
    wk_fini(&k);
    wk_fini(&k2);
    tctx_finish(&t);
    kredis_cleanup(&r);
}

/* ---- Redis killed mid-run ---------------------------------------------------------------------
 */

/* Hook: every batch takes 100 ms of processing. */
static int process_100ms(wk_t *k, kfk_batch_t *b, uint32_t no) {
    wk_hold(k, b, no, 100);
    return 1;
}

Test(worker,
     redis_killed_mid_run_stops_the_worker_by_its_deadline_and_work_resumes_after_redis_returns,
     .fini = kredis_fini) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP");
    kredis_t r;
    memset(&r, 0, sizeof r);
    kredis_start(&r);
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wkill", 1, 1, NULL);
    unique_name(group, sizeof group, "rkill");
    free(ck_produce(bs, topic, 300, 0, 1, 0, "r"));

    wk_t k;
    wk_init(&k, &t, "rkill");
    k.hook = process_100ms;
    wopts_t o = {group, topic, 0, 10, r.addr, 2000, 0, 0, 1};
    wk_start(&k, &o);
    wcount_t some = {&k, 100};
    cr_assert(run_until(&t, wk_has, &some, 20000), "got %zu of 100 records", k.n);
    cr_assert_not(k.finished, "%s", kfk_err_name(k.err));
    double kill_ms = ck_now_ms();
    kredis_kill(&r);
    cr_assert(run_until(&t, wk_is_finished, &k, 10000), "the worker did not stop");
    cr_assert_eq(k.err, KFK_ERR__LOCK_LOST, "finished with %s", kfk_err_name(k.err));
    cr_assert_gt(k.lost_ms, 0, "no 'lost' log line");
    double deadline = last_send_before(&k, kill_ms) + 2000 - 250;
    cr_assert_leq(k.lost_ms, deadline + 50, "stopped %.0f ms after the deadline",
                  k.lost_ms - deadline);
    for (size_t i = 0; i < k.nb; i++)
        cr_assert_lt(k.b[i].at_ms, k.lost_ms, "batch %zu delivered after the lock was lost", i);

    /* Committed: exactly the batches done while the lease was held. */
    int64_t c = committed(group, topic, 0, 1);
    int64_t held_end = done_end_before(&k, k.lost_ms, 0);
    int64_t kill_end = done_end_before(&k, kill_ms, 0);
    size_t after_kill = 0;
    for (size_t i = 0; i < k.nb; i++)
        after_kill += k.b[i].done_ms >= kill_ms && k.b[i].done_ms < k.lost_ms;
    fprintf(stderr,
            "worker: Redis killed at +0 ms; lock lost at +%.0f ms (deadline +%.0f ms); done at "
            "+%.0f ms; committed %lld (%lld at the kill; %zu batch(es) done and committed between "
            "the kill and the loss); %d batch(es) in processing freed\n",
            k.lost_ms - kill_ms, deadline - kill_ms, k.done_ms - kill_ms, (long long)c,
            (long long)kill_end, after_kill, k.abandoned);
    cr_assert_leq(c, held_end, "committed %lld, beyond the batches done inside the lease (%lld)",
                  (long long)c, (long long)held_end);
    cr_assert_lt(c, 300);
    /* Redis closed the connection at the kill: a batch done after that must not be committed. */
    cr_expect_leq(c, done_end_before(&k, kill_ms + 20, 0),
                  "committed %lld: a batch done after Redis was killed was committed (%zu "
                  "batch(es) done before the lock noticed, %.0f ms after the kill, at its next "
                  "renewal)",
                  (long long)c, after_kill, k.lost_ms - kill_ms);

    /* Nothing more is committed while Redis is down. */
    run_for(&t, 300);
    cr_assert_eq(committed(group, topic, 0, 1), c);

    /* Redis back on the same port: a new worker resumes from the commit. */
    kredis_start(&r);
    wk_t k2;
    wk_init(&k2, &t, "resumed");
    wk_start(&k2, &o);
    wcount_t rest = {&k2, (size_t)(300 - c)};
    cr_assert(run_until(&t, wk_has, &rest, 30000), "got %zu of %lld records", k2.n,
              (long long)(300 - c));
    cr_assert_not(k2.finished, "%s", kfk_err_name(k2.err));
    cr_assert_eq(k2.recs[0].offset, c, "resumed at %lld, committed %lld",
                 (long long)k2.recs[0].offset, (long long)c);
    for (size_t i = 0; i < k2.n; i++)
        cr_assert_eq(k2.recs[i].idx, c + (int64_t)i);
    wk_stop(&k2, 5000);
    cr_assert_eq(k2.err, 0, "%s", kfk_err_name(k2.err));
    cr_assert_eq(committed(group, topic, 0, 1), 300);
    wk_fini(&k);
    wk_fini(&k2);
    tctx_finish(&t);
    kredis_cleanup(&r);
}

/* ---- commits keep up with the batches -----------------------------------------------------------
 */

Test(worker, each_commit_lands_before_the_next_batch_is_done_so_a_crash_redoes_at_most_one_batch) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP"), *redis = kt_env_required("REDIS");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wlag", 1, 1, NULL);
    unique_name(group, sizeof group, "lag");
    free(ck_produce(bs, topic, 200, 0, 1, 0, "l"));

    /* Every batch takes 100 ms; the partition is fetched to its end at once, so the consumer
     * sits in a Fetch long poll (fetch.max.wait.ms 500) while batches are processed. */
    wk_t k;
    wk_init(&k, &t, "lag");
    k.hook = process_100ms;
    wopts_t o = {group, topic, 0, 10, redis, 3000, 0, 0, 0};
    wk_start(&k, &o);
    wcount_t first = {&k, 30};
    cr_assert(run_until(&t, wk_has, &first, 20000), "got %zu of 30 records", k.n);
    /* Sample: what a crash right now would redo = done (60 ms ago) - committed. */
    int64_t worst = 0;
    double worst_at = k.b[0].at_ms;
    for (int i = 0; i < 12; i++) {
        run_for(&t, 97);
        double now = ck_now_ms();
        int64_t c = committed(group, topic, 0, 1);
        int64_t lag = done_end_before(&k, now - 60, 0) - c;
        if (lag > worst) {
            worst = lag;
            worst_at = now;
        }
    }
    cr_assert_not(k.finished, "%s", kfk_err_name(k.err));
    wk_stop(&k, 5000);
    cr_assert_eq(k.err, 0, "%s", kfk_err_name(k.err));
    fprintf(stderr,
            "worker: with 100 ms batches, the committed offset lagged the done batches by up to "
            "%lld record(s) (max.poll.records 10) at +%.0f ms\n",
            (long long)worst, worst_at - k.b[0].at_ms);
    cr_expect_leq(worst, 10,
                  "the committed offset lagged %lld records (%lld batches) behind the done "
                  "batches: a crash then redoes them all",
                  (long long)worst, (long long)(worst / 10));
    wk_fini(&k);
    tctx_finish(&t);
}

/* ---- a CLI worker killed with SIGKILL ---------------------------------------------------------
 */

typedef struct {
    const char *path;
    size_t want;
    child_t *ch;
} lines_t;

static int printed_enough(void *arg) {
    lines_t *l = arg;
    return child_exited(l->ch) || count_lines(l->path) >= l->want;
}

static int worker_saw_all(void *arg) {
    wk_t *k = arg;
    return k->finished || (k->max_idx >= 599 && !k->held);
}

Test(worker,
     a_cli_worker_killed_with_sigkill_is_taken_over_after_the_ttl_from_the_committed_offset) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP"), *redis = kt_env_required("REDIS");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wsigkill", 1, 1, NULL);
    unique_name(group, sizeof group, "sigkill");
    enum { N = 600, BATCH = 10, TTL = 2000 };

    /* The CLI worker, printing each record's value; records arrive while it runs. */
    char out[128], err[128];
    snprintf(out, sizeof out, "/tmp/kfk-worker-%d-sigkill.out", (int)getpid());
    snprintf(err, sizeof err, "/tmp/kfk-worker-%d-sigkill.err", (int)getpid());
    unlink(out);
    unlink(err);
    char *argv[] = {(char *)KFK_CLI_PATH,
                    (char *)"worker",
                    (char *)"-b",
                    (char *)bs,
                    (char *)"-t",
                    topic,
                    (char *)"-p",
                    (char *)"0",
                    (char *)"-G",
                    group,
                    (char *)"--redis",
                    (char *)redis,
                    (char *)"--lock-ttl",
                    (char *)"2000",
                    (char *)"--batch-size",
                    (char *)"10",
                    (char *)"-X",
                    (char *)"auto.offset.reset=earliest",
                    (char *)"-X",
                    (char *)"batch.timeout.ms=20",
                    NULL};
    child_t ch = {ck_spawn(argv, out, err), 0, 0};
    aprod_t ap;
    aprod_start(&ap, &t, topic, 0, N, 5, 10, "k");
    lines_t enough = {out, 150, &ch};
    cr_assert(run_until(&t, printed_enough, &enough, 20000), "the CLI printed %zu lines",
              count_lines(out));
    cr_assert_not(ch.exited, "the CLI exited early (status 0x%x)", ch.status);

    /* SIGKILL mid-stream; the lock's key lives on until its TTL. */
    char key[300];
    snprintf(key, sizeof key, "kfk:lock:%s:%s:0", group, topic);
    redisContext *side = side_connect(redis);
    double pttl_t0 = ck_now_ms();
    long long pttl = side_int(side, "PTTL", key, NULL);
    double pttl_t1 = ck_now_ms();
    cr_assert(pttl > 0 && pttl <= TTL, "PTTL %lld of %s", pttl, key);
    double kill_ms = ck_now_ms();
    kill(ch.pid, SIGKILL);
    cr_assert(run_until(&t, child_exited, &ch, 5000));
    cr_assert(WIFSIGNALED(ch.status) && WTERMSIG(ch.status) == SIGKILL, "status 0x%x", ch.status);
    /* A commit the CLI wrote just before the kill may still be on its way into the group (the
     * kernel sends what is in a killed process's socket): the offset read now is a floor; the
     * one the takeover starts from is read once it holds the lock, before it can commit. */
    int64_t c_kill = committed(group, topic, 0, 1);

    /* Another worker tries every 50 ms until it gets the lock. The key expires between
     * pttl_t0 + PTTL and pttl_t1 + PTTL on this clock (SLACK: Redis's clock and the PTTL's
     * rounding to ms). A refusal is right only before that (the attempt started before Redis
     * found the key alive); the first attempt begun after it must get the lock. Bounds from
     * causality, not from how fast a loaded machine runs the attempts. */
    enum { SLACK = 20 };
    double expiry_lo = pttl_t0 + (double)pttl - SLACK, expiry_hi = pttl_t1 + (double)pttl + SLACK;
    wk_t k;
    wk_init(&k, &t, "takeover");
    wopts_t o = {group, topic, 0, BATCH, redis, TTL, 0, 0, 0};
    double acq_ms = 0;
    for (;;) {
        double start_ms = ck_now_ms();
        wk_start(&k, &o);
        cr_assert(run_until(&t, wk_acquired, &k, 5000), "no answer to the acquire");
        if (!k.finished) {
            acq_ms = ck_now_ms();
            break;
        }
        cr_assert_eq(k.err, KFK_ERR__LOCK_HELD, "takeover attempt: %s", kfk_err_name(k.err));
        cr_assert_eq(k.nb, 0);
        cr_assert_leq(start_ms, expiry_hi,
                      "an attempt begun %.0f ms after the kill was refused: the key (PTTL %lld "
                      "at the kill) lived on",
                      start_ms - kill_ms, pttl);
        cr_assert_lt(ck_now_ms() - kill_ms, 3 * TTL, "no takeover after %.0f ms",
                     ck_now_ms() - kill_ms);
        run_for(&t, 50);
    }
    double takeover = acq_ms - kill_ms;
    int64_t c_acq = committed(group, topic, 0, 1);
    cr_assert_geq(c_acq, c_kill, "the committed offset went back from %lld to %lld",
                  (long long)c_kill, (long long)c_acq);
    cr_assert_geq(acq_ms, expiry_lo,
                  "taken over %.0f ms after the kill, before the key expired (PTTL %lld)", takeover,
                  pttl);
    cr_assert(run_until(&t, worker_saw_all, &k, 30000), "the takeover worker reached idx %lld",
              (long long)k.max_idx);
    cr_assert(run_until(&t, aprod_all_reported, &ap, 10000));
    aprod_close(&ap, &t);
    wk_stop(&k, 5000);
    cr_assert_eq(k.err, 0, "%s", kfk_err_name(k.err));
    cr_assert_eq(committed(group, topic, 0, 1), N);
    cr_assert_gt(k.n, 0);
    cr_assert_eq(k.recs[0].offset, c_acq, "the takeover started at %lld, committed %lld",
                 (long long)k.recs[0].offset, (long long)c_acq);

    /* What both printed: every record at least once, duplicates at most one batch. */
    static unsigned char by_cli[N], by_worker[N];
    memset(by_cli, 0, sizeof by_cli);
    memset(by_worker, 0, sizeof by_worker);
    char *txt = ck_slurp(out, NULL);
    cr_assert_not_null(txt);
    size_t cli_lines = 0;
    for (char *line = txt, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert_not_null(nl, "a partial line: the CLI prints whole batches");
        int64_t idx = ck_value_index(line, (int32_t)(nl - line));
        cr_assert(idx >= 0 && idx < N, "bad line '%.*s'", (int)(nl - line), line);
        cr_assert_eq(idx, (int64_t)cli_lines, "the CLI printed out of order");
        by_cli[idx]++;
        cli_lines++;
    }
    free(txt);
    for (size_t i = 0; i < k.n; i++) {
        cr_assert(k.recs[i].idx >= 0 && k.recs[i].idx < N);
        cr_assert_eq(by_worker[k.recs[i].idx]++, 0, "the takeover worker got %lld twice",
                     (long long)k.recs[i].idx);
    }
    size_t dups = 0;
    for (int i = 0; i < N; i++) {
        cr_assert(by_cli[i] + by_worker[i] >= 1, "record %d never processed", i);
        dups += by_cli[i] && by_worker[i];
    }
    cr_assert_leq(c_acq, (int64_t)cli_lines, "committed %lld beyond what was printed (%zu)",
                  (long long)c_acq, cli_lines);
    cr_assert_eq(dups, cli_lines - (size_t)c_acq);
    fprintf(stderr,
            "worker: kfk worker (TTL %d ms) SIGKILLed after printing %zu records (committed "
            "%lld read after the kill, %lld at the takeover; key PTTL %lld ms); takeover after "
            "%.0f ms (%d attempts); %zu duplicate(s) (max.poll.records %d)\n",
            TTL, cli_lines, (long long)c_kill, (long long)c_acq, pttl, takeover, k.attempts, dups,
            BATCH);
    cr_assert_leq(dups, BATCH, "%zu duplicates: more than one batch", dups);
    unlink(out);
    unlink(err);
    redisFree(side);
    wk_fini(&k);
    tctx_finish(&t);
}

/* ---- a loop stall ------------------------------------------------------------------------------
 */

typedef struct {
    double stall1_end, stall2_start, stall2_end;
} stalls_t;

/* Hook: batch 1 blocks the loop for 1000 ms (longer than the renew interval, inside the lease),
 * then lets the loop run for 100 ms before it is done (the batches that follow would otherwise
 * come in the same loop iteration: one long stall); batch 3 blocks it for 3300 ms (past the
 * lease) and is marked done in the callback afterwards. */
static int stall_the_loop(wk_t *k, kfk_batch_t *b, uint32_t no) {
    stalls_t *s = k->user;
    if (no == 1) {
        usleep(1000 * 1000);
        s->stall1_end = ck_now_ms();
        wk_hold(k, b, no, 100);
        return 1;
    } else if (no == 3) {
        s->stall2_start = ck_now_ms();
        usleep(3300 * 1000);
        s->stall2_end = ck_now_ms();
    }
    return 0;
}

Test(worker, a_loop_stall_past_the_lease_is_noticed_and_the_stalled_batch_is_not_committed) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP"), *redis = kt_env_required("REDIS");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wstall", 1, 1, NULL);
    unique_name(group, sizeof group, "stall");
    free(ck_produce(bs, topic, 80, 0, 1, 0, "s"));

    /* TTL 3000, renewals every 500 ms, margin 300: the lease ends 2700 ms after the last
     * renewal was sent. */
    wk_t k;
    stalls_t s = {0, 0, 0};
    wk_init(&k, &t, "stall");
    k.hook = stall_the_loop;
    k.user = &s;
    wopts_t o = {group, topic, 0, 10, redis, 3000, 500, 0, 1};
    wk_start(&k, &o);
    cr_assert(run_until(&t, wk_is_finished, &k, 20000), "the worker did not stop");
    cr_assert_eq(k.err, KFK_ERR__LOCK_LOST, "finished with %s", kfk_err_name(k.err));
    cr_assert_gt(s.stall2_end, 0, "batch 3 never came");
    cr_assert_geq(k.late, 1, "the 1000 ms stall was not noticed as a late renewal");
    cr_assert_eq(k.nb, 4, "%zu batches: nothing may be delivered after the stall", k.nb);
    cr_assert_gt(k.lost_ms, 0, "no 'lost' / 'lease ended' log line");
    cr_assert_geq(k.lost_ms, s.stall2_end);
    double deadline = last_send_before(&k, s.stall2_start) + 3000 - 300;
    cr_assert_lt(deadline, s.stall2_end);
    int64_t c = committed(group, topic, 0, 1);
    /* Batch 3 (offsets 30-39) was done after the stall: never committed. Commits of batches
     * 1-2 may still have been on their way (see the commit lag test) when the worker closed. */
    cr_assert_leq(c, 30, "committed %lld: batch 3 (done after the stall) must not be",
                  (long long)c);
    fprintf(stderr,
            "worker: 1000 ms stall noticed (%d late renewal warning(s)), lease kept; 3300 ms "
            "stall passed the deadline by %.0f ms, noticed %.1f ms after the loop resumed "
            "('%s'); committed %lld\n",
            k.late, s.stall2_end - deadline, k.lost_ms - s.stall2_end, k.lost_msg, (long long)c);
    wk_fini(&k);
    tctx_finish(&t);
}
