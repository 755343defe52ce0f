/*
 * test_lifecycle.c: the object lifecycle of kfk.h (issue 15) for every loop object, against the
 * real broker and Redis: each of producer, consumer, admin, lock, worker, emitter and listener
 * is closed while work is in flight, and again from inside one of its own callbacks. Each test
 * checks that the close callback runs exactly once, never inside kfk_X_close, with the object
 * still valid (kfk_X_get_data), that the callbacks pending at close ran before it with the
 * documented error, and that uv_loop_close returns 0 afterwards (nothing left on the loop).
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
#include "redis_kit.h"

/* ---- what happened, in order ---------------------------------------------------------------- */

#define MAXP 256

/* The timeline of one test: every callback takes the next sequence number. */
typedef struct {
    int seq;
    int closes;    /* close callbacks of the object under test */
    int close_seq; /* ... and the sequence number of the (first) one */
    int data_ok;   /* kfk_X_get_data gave the pointer set, inside the close callback */
    int pending;   /* callbacks of work in flight */
    int pending_last_seq;
    kfk_err_t errs[MAXP];
    int others; /* callbacks that came after the close (must stay 0) */
} life_t;

static life_t L;
static uv_loop_t loop;

static void note_pending(kfk_err_t err) {
    L.seq++;
    if (L.closes)
        L.others++;
    if (L.pending < MAXP)
        L.errs[L.pending] = err;
    L.pending++;
    L.pending_last_seq = L.seq;
}

static void note_close(void *data) {
    L.seq++;
    if (L.closes++ == 0)
        L.close_seq = L.seq;
    L.data_ok = data == &L;
}

static int closed(void *arg) {
    (void)arg;
    return L.closes > 0;
}

static void setup(void) {
    memset(&L, 0, sizeof L);
    cr_assert_eq(uv_loop_init(&loop), 0);
}

/* Runs the loop until the close callback ran, then until nothing is left; checks the rule. */
static void finish(int want_pending) {
    ck_run_until(&loop, closed, NULL, 30000);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(L.closes, 1, "close callback ran %d times", L.closes);
    cr_assert(L.data_ok, "kfk_X_get_data inside the close callback");
    if (want_pending >= 0)
        cr_assert_eq(L.pending, want_pending, "%d pending callbacks, want %d", L.pending,
                     want_pending);
    cr_assert(L.pending == 0 || L.pending_last_seq < L.close_seq,
              "a pending callback ran after the close callback");
    cr_assert_eq(L.others, 0, "%d callbacks after the close callback", L.others);
    cr_assert_eq(uv_loop_close(&loop), 0, "uv_loop_close: handles left on the loop");
}

/* Every recorded pending callback had @p err. */
static void all_errs(kfk_err_t err) {
    for (int i = 0; i < L.pending && i < MAXP; i++)
        cr_assert_eq(L.errs[i], err, "pending callback %d: %s, want %s", i, kfk_err_name(L.errs[i]),
                     kfk_err_name(err));
}

static void unique(char *buf, size_t n, const char *tag) {
    snprintf(buf, n, "kfk-life-%s-%d-%llx", tag, (int)getpid(),
             (unsigned long long)(uv_hrtime() / 1000));
}

static kfk_conf_t *conf(const char *const *kv) {
    return ck_conf(kt_env_required("BOOTSTRAP"), kv);
}

TestSuite(lifecycle, .init = setup, .timeout = 120);

/* ---- producer ---------------------------------------------------------------------------------
 */

static void p_on_closed(kfk_producer_t *p, void *opaque) {
    (void)opaque;
    note_close(kfk_producer_get_data(p));
}

static void p_on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    (void)opaque;
    note_pending(d->err);
}

static void p_on_flush(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
    note_pending(KFK_ERR__DESTROYED); /* flush callbacks carry no error: counted as failed */
}

Test(lifecycle, producer_closed_with_undelivered_records_fails_them_then_calls_back) {
    char topic[128];
    ck_topic_create(kt_env_required("BOOTSTRAP"), topic, sizeof topic, "p", 1, 1, NULL);
    kfk_conf_t *c = conf((const char *[]){"linger.ms", "1000", NULL});
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    kfk_producer_set_data(p, &L);
    kfk_record_t r = {topic, KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0};
    for (int i = 0; i < 50; i++)
        cr_assert_eq(kfk_producer_send(p, &r, p_on_delivery, NULL), 0);
    cr_assert_eq(kfk_producer_flush(p, p_on_flush, NULL), 0);
    /* Nothing was sent yet (the loop has not run): with no drain time, all of it fails. */
    kfk_producer_set_close_timeout(p, 0);
    kfk_producer_close(p, p_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_producer_close");
    cr_assert_eq(kfk_producer_send(p, &r, p_on_delivery, NULL), KFK_ERR__DESTROYED);
    kfk_producer_close(p, p_on_closed, NULL); /* a second close is ignored */
    finish(51);
    all_errs(KFK_ERR__DESTROYED);
}

static void p_on_delivery_close(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)opaque;
    note_pending(d->err);
    if (L.pending == 1) {
        kfk_producer_close(p, p_on_closed, NULL); /* the other 19 are flushed first */
        cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_producer_close");
    }
}

Test(lifecycle, producer_closed_from_its_delivery_callback_flushes_the_rest_first) {
    char topic[128];
    ck_topic_create(kt_env_required("BOOTSTRAP"), topic, sizeof topic, "pcb", 1, 1, NULL);
    kfk_conf_t *c = conf((const char *[]){"linger.ms", "0", NULL});
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    kfk_producer_set_data(p, &L);
    kfk_record_t r = {topic, KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0};
    for (int i = 0; i < 20; i++)
        cr_assert_eq(kfk_producer_send(p, &r, p_on_delivery_close, NULL), 0);
    finish(20);
    all_errs(KFK_ERR_NONE);
}

/* ---- consumer ---------------------------------------------------------------------------------
 */

typedef struct {
    kfk_batch_t *held;
    int batches;
    int close_in_cb;
} cstate_t;

static cstate_t CS;

static void c_on_closed(kfk_consumer_t *c, void *opaque) {
    (void)opaque;
    note_close(kfk_consumer_get_data(c));
    /* Void batches may still be marked done until the callback returns: ignored. */
    if (CS.held)
        kfk_batch_done(CS.held, KFK_ERR_NONE);
    CS.held = NULL;
}

static void c_on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)opaque;
    if (L.closes)
        L.others++;
    CS.batches++;
    if (CS.close_in_cb) {
        kfk_batch_done(b, KFK_ERR_NONE);
        kfk_consumer_close(c, c_on_closed, NULL);
        cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_consumer_close");
        return;
    }
    if (!CS.held)
        CS.held = b; /* never done: the consumer closes with it outstanding */
    else
        kfk_batch_done(b, KFK_ERR_NONE);
}

static int c_has_batch(void *arg) {
    (void)arg;
    return CS.batches > 0;
}

static kfk_consumer_t *consumer_on(const char *topic, const char *group) {
    kfk_conf_t *c =
        conf((const char *[]){"group.id", group, "max.poll.records", "10", "batch.timeout.ms", "50",
                              "auto.offset.reset", "earliest", NULL});
    kfk_consumer_t *k;
    char err[256];
    cr_assert_eq(kfk_consumer_new(&loop, c, &k, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    kfk_consumer_set_data(k, &L);
    kfk_topic_partition_t tp = {topic, 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(k, &tp, 1), 0);
    return k;
}

Test(lifecycle, consumer_closed_mid_fetch_with_an_undone_batch_calls_back_once) {
    memset(&CS, 0, sizeof CS);
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[160];
    ck_topic_create(bs, topic, sizeof topic, "c", 1, 1, NULL);
    free(ck_produce(bs, topic, 200, 0, 1, 0, "c"));
    snprintf(group, sizeof group, "%s-g", topic);
    kfk_consumer_t *k = consumer_on(topic, group);
    cr_assert_eq(kfk_consumer_start(k, c_on_batch, NULL), 0);
    ck_run_until(&loop, c_has_batch, NULL, 30000);
    cr_assert_not_null(CS.held);
    /* Fetches go on in the background (the partition's next records are being buffered). */
    kfk_consumer_set_close_timeout(k, 200);
    kfk_consumer_close(k, c_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_consumer_close");
    cr_assert_eq(kfk_consumer_start(k, c_on_batch, NULL), KFK_ERR__DESTROYED);
    finish(0);
    cr_assert_eq(CS.batches, 1, "%d batches; the first was never done", CS.batches);
}

Test(lifecycle, consumer_closed_from_its_batch_callback) {
    memset(&CS, 0, sizeof CS);
    CS.close_in_cb = 1;
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[160];
    ck_topic_create(bs, topic, sizeof topic, "ccb", 1, 1, NULL);
    free(ck_produce(bs, topic, 100, 0, 1, 0, "ccb"));
    snprintf(group, sizeof group, "%s-g", topic);
    kfk_consumer_t *k = consumer_on(topic, group);
    cr_assert_eq(kfk_consumer_start(k, c_on_batch, NULL), 0);
    finish(0);
    cr_assert_eq(CS.batches, 1);
}

/* ---- admin ------------------------------------------------------------------------------------
 */

static void a_on_closed(kfk_admin_t *a, void *opaque) {
    (void)opaque;
    note_close(kfk_admin_get_data(a));
}

static void a_on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    (void)md;
    (void)opaque;
    note_pending(err);
}

static void a_on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                        void *opaque) {
    (void)a;
    (void)res;
    (void)n;
    (void)opaque;
    note_pending(err);
}

static kfk_admin_t *admin(void) {
    kfk_conf_t *c = conf(NULL);
    kfk_admin_t *a;
    char err[256];
    cr_assert_eq(kfk_admin_new(&loop, c, &a, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    kfk_admin_set_data(a, &L);
    return a;
}

Test(lifecycle, admin_closed_with_requests_outstanding_fails_them_with_destroyed) {
    kfk_admin_t *a = admin();
    char topic[128];
    unique(topic, sizeof topic, "a");
    kfk_new_topic_t nt = {topic, 1, 1, NULL, 0};
    cr_assert_eq(kfk_admin_metadata(a, NULL, 0, a_on_md, NULL), 0);
    cr_assert_eq(kfk_admin_create_topics(a, &nt, 1, 10000, a_on_topics, NULL), 0);
    kfk_admin_close(a, a_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_admin_close");
    finish(2);
    all_errs(KFK_ERR__DESTROYED);
}

static void a_on_md_close(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)md;
    (void)opaque;
    note_pending(err);
    cr_assert_eq(err, 0, "metadata: %s", kfk_err_name(err));
    /* A second request is still out: it completes (or fails with DESTROYED) before the close
     * callback. */
    cr_assert_eq(kfk_admin_metadata(a, NULL, 0, a_on_md, NULL), 0);
    kfk_admin_close(a, a_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_admin_close");
    cr_assert_eq(kfk_admin_metadata(a, NULL, 0, a_on_md, NULL), KFK_ERR__DESTROYED);
}

Test(lifecycle, admin_closed_from_its_metadata_callback) {
    kfk_admin_t *a = admin();
    cr_assert_eq(kfk_admin_metadata(a, NULL, 0, a_on_md_close, NULL), 0);
    finish(2);
    cr_assert_eq(L.errs[0], 0);
    cr_assert(L.errs[1] == KFK_ERR_NONE || L.errs[1] == KFK_ERR__DESTROYED, "%s",
              kfk_err_name(L.errs[1]));
}

/* ---- lock -------------------------------------------------------------------------------------
 */

static void l_on_closed(kfk_lock_t *lk, void *opaque) {
    (void)opaque;
    note_close(kfk_lock_get_data(lk));
}

static void l_on_acquired(kfk_lock_t *lk, kfk_err_t err, int64_t fence, void *opaque) {
    (void)lk;
    (void)fence;
    (void)opaque;
    note_pending(err);
}

static kfk_lock_t *lock_new(void) {
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    o.redis = kt_env_required("REDIS");
    o.ttl_ms = 10000;
    kfk_lock_t *lk;
    char err[256];
    cr_assert_eq(kfk_lock_new(&loop, &o, &lk, err, sizeof err), 0, "%s", err);
    kfk_lock_set_data(lk, &L);
    return lk;
}

static long long key_exists(const char *key) {
    redisContext *side = side_connect(kt_env_required("REDIS"));
    long long n = side_int(side, "EXISTS", key, NULL);
    redisFree(side);
    return n;
}

Test(lifecycle, lock_closed_mid_acquire_fails_the_acquire_and_leaves_no_key) {
    kfk_lock_t *lk = lock_new();
    char key[128];
    unique(key, sizeof key, "lock");
    cr_assert_eq(kfk_lock_acquire(lk, key, l_on_acquired, NULL), 0);
    kfk_lock_close(lk, l_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_lock_close");
    cr_assert_eq(kfk_lock_acquire(lk, key, l_on_acquired, NULL), KFK_ERR__DESTROYED);
    finish(1);
    all_errs(KFK_ERR__DESTROYED);
    cr_assert_eq(key_exists(key), 0, "a grant that came after the close was not released");
}

static void l_on_acquired_close(kfk_lock_t *lk, kfk_err_t err, int64_t fence, void *opaque) {
    (void)fence;
    (void)opaque;
    note_pending(err);
    cr_assert_eq(err, 0, "acquire: %s", kfk_err_name(err));
    cr_assert(kfk_lock_is_held(lk));
    kfk_lock_close(lk, l_on_closed, NULL); /* releases the lease on its way out */
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_lock_close");
    cr_assert_not(kfk_lock_is_held(lk));
}

Test(lifecycle, lock_closed_from_its_acquire_callback_releases_the_key) {
    kfk_lock_t *lk = lock_new();
    char key[128];
    unique(key, sizeof key, "lockcb");
    cr_assert_eq(kfk_lock_acquire(lk, key, l_on_acquired_close, NULL), 0);
    finish(1);
    cr_assert_eq(key_exists(key), 0, "the lease was not released by the close");
}

/* ---- worker -----------------------------------------------------------------------------------
 */

typedef struct {
    kfk_worker_t *w;
    int batches;
    int done_calls;
    int close_in_cb;
    char key[512];
} wstate_t;

static wstate_t WS;

static void w_on_closed(kfk_worker_t *w, void *opaque) {
    (void)opaque;
    note_close(kfk_worker_get_data(w));
}

static void w_on_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    (void)w;
    (void)err;
    (void)opaque;
    WS.done_calls++; /* "finished by itself": must not happen in these tests */
}

static void w_on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    wstate_t *ws = opaque;
    if (L.closes)
        L.others++;
    ws->batches++;
    if (ws->close_in_cb) {
        kfk_batch_done(b, KFK_ERR_NONE);
        kfk_worker_close(ws->w, w_on_closed, NULL);
        cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_worker_close");
    }
    /* else: kept in processing (never done) while the worker closes */
}

static int w_has_batch(void *arg) {
    (void)arg;
    return WS.batches > 0 || WS.done_calls > 0;
}

/* A worker on partition 0 of a new topic holding 50 records, in batches of 10. */
static void worker_on_new_topic(const char *tag) {
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[160];
    ck_topic_create(bs, topic, sizeof topic, tag, 1, 1, NULL);
    free(ck_produce(bs, topic, 50, 0, 1, 0, tag));
    snprintf(group, sizeof group, "%s-g", topic);
    kfk_conf_t *c =
        conf((const char *[]){"group.id", group, "max.poll.records", "10", "batch.timeout.ms", "50",
                              "auto.offset.reset", "earliest", NULL});
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    lo.redis = kt_env_required("REDIS");
    lo.ttl_ms = 10000;
    kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
    wo.topic = topic;
    wo.partition = 0;
    wo.lock = &lo;
    char err[512];
    cr_assert_eq(kfk_worker_new(&loop, c, &wo, w_on_batch, w_on_done, &WS, &WS.w, err, sizeof err),
                 0, "%s", err);
    kfk_conf_free(c);
    kfk_worker_set_data(WS.w, &L);
    snprintf(WS.key, sizeof WS.key, "%s", kfk_worker_lock_key(WS.w));
}

Test(lifecycle, worker_closed_mid_batch_releases_its_lock_and_calls_back_once) {
    memset(&WS, 0, sizeof WS);
    worker_on_new_topic("w");
    ck_run_until(&loop, w_has_batch, NULL, 30000);
    cr_assert_eq(WS.done_calls, 0, "the worker finished by itself");
    cr_assert_eq(key_exists(WS.key), 1, "the worker does not hold its lock");
    kfk_worker_set_close_timeout(WS.w, 200); /* the batch in processing is never done */
    kfk_worker_close(WS.w, w_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_worker_close");
    kfk_worker_close(WS.w, w_on_closed, NULL); /* a second close is ignored */
    finish(0);
    cr_assert_eq(WS.done_calls, 0, "done_cb ran after kfk_worker_close");
    cr_assert_eq(WS.batches, 1);
    cr_assert_eq(key_exists(WS.key), 0, "the lock was not released");
}

Test(lifecycle, worker_closed_from_its_batch_callback) {
    memset(&WS, 0, sizeof WS);
    WS.close_in_cb = 1;
    worker_on_new_topic("wcb");
    finish(0);
    cr_assert_eq(WS.done_calls, 0, "done_cb ran after kfk_worker_close");
    cr_assert_eq(WS.batches, 1);
    cr_assert_eq(key_exists(WS.key), 0, "the lock was not released");
}

/* ---- emitter ----------------------------------------------------------------------------------
 */

static void e_on_closed(kfk_emitter_t *e, void *opaque) {
    (void)opaque;
    note_close(kfk_emitter_get_data(e));
}

static void e_on_emitted(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                         int64_t offset, void *opaque) {
    (void)e;
    (void)id;
    (void)partition;
    (void)offset;
    (void)opaque;
    note_pending(err);
}

static int producer_closes;

static void e_on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
    producer_closes++;
}

static kfk_producer_t *producer_for_events(void) {
    kfk_conf_t *c = conf((const char *[]){"linger.ms", "1000", NULL});
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    return p;
}

static kfk_emitter_t *emitter_over(kfk_producer_t *p) {
    kfk_emitter_t *e;
    cr_assert_eq(kfk_emitter_new(p, KFK_ENVELOPE_JSON, &e), 0);
    kfk_emitter_set_data(e, &L);
    return e;
}

static void emit_n(kfk_emitter_t *e, const char *topic, int n, kfk_emit_cb cb) {
    for (int i = 0; i < n; i++) {
        char body[64];
        int len = snprintf(body, sizeof body, "{\"user\": {\"id\": %d}}", i);
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        o.partition_by = "user.id";
        cr_assert_eq(kfk_emitter_emit_json(e, topic, "UserSeen", body, (size_t)len, &o, cb, NULL),
                     0);
    }
}

Test(lifecycle, emitter_closed_with_events_in_flight_reports_them_all_first) {
    producer_closes = 0;
    char topic[128];
    ck_topic_create(kt_env_required("BOOTSTRAP"), topic, sizeof topic, "e", 1, 1, NULL);
    kfk_producer_t *p = producer_for_events();
    kfk_emitter_t *e = emitter_over(p);
    emit_n(e, topic, 30, e_on_emitted);
    /* The emitter first (its events are still queued in the producer), then the producer with
     * no drain time: every event fails with KFK_ERR__DESTROYED, then the emitter calls back. */
    kfk_emitter_close(e, e_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_emitter_close");
    cr_assert_eq(kfk_emitter_emit_json(e, topic, "X", "{}", 2, NULL, NULL, NULL),
                 KFK_ERR__DESTROYED);
    kfk_producer_set_close_timeout(p, 0);
    kfk_producer_close(p, e_on_producer_closed, NULL);
    finish(30);
    all_errs(KFK_ERR__DESTROYED);
    cr_assert_eq(producer_closes, 1);
}

static void e_on_emitted_close(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                               int64_t offset, void *opaque) {
    e_on_emitted(e, err, id, partition, offset, opaque);
    if (L.pending == 1) {
        kfk_emitter_close(e, e_on_closed, NULL); /* the other 19 are still in flight */
        cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_emitter_close");
    }
}

Test(lifecycle, emitter_closed_from_its_emit_callback) {
    producer_closes = 0;
    char topic[128];
    ck_topic_create(kt_env_required("BOOTSTRAP"), topic, sizeof topic, "ecb", 1, 1, NULL);
    kfk_producer_t *p = producer_for_events();
    kfk_emitter_t *e = emitter_over(p);
    emit_n(e, topic, 20, e_on_emitted_close);
    ck_run_until(&loop, closed, NULL, 30000);
    kfk_producer_close(p, e_on_producer_closed, NULL);
    finish(20);
    all_errs(KFK_ERR_NONE);
    cr_assert_eq(producer_closes, 1);
}

/* ---- listener ---------------------------------------------------------------------------------
 */

#define NEV 10

typedef struct {
    kfk_consumer_t *c;
    const kfk_event_t *held[NEV];
    int handled;
    int close_in_handler;
    int consumer_closes;
} lstate_t;

static lstate_t LS;

static void ls_on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    (void)opaque;
    LS.consumer_closes++;
}

static void ls_on_closed(kfk_listener_t *l, void *opaque) {
    (void)opaque;
    note_close(kfk_listener_get_data(l));
    /* Failed events may still be finished until the callback returns: ignored. */
    if (LS.held[0])
        kfk_event_done(LS.held[0], KFK_ERR_NONE);
    /* The consumer under it is the caller's: closed now. */
    kfk_consumer_set_close_timeout(LS.c, 1000);
    kfk_consumer_close(LS.c, ls_on_consumer_closed, NULL);
}

/* on_error: the events failed by the close (and nothing else in these tests). */
static void ls_on_error(kfk_listener_t *l, kfk_err_t err, const char *what, const kfk_message_t *m,
                        void *opaque) {
    (void)l;
    (void)what;
    (void)m;
    (void)opaque;
    note_pending(err);
}

static void ls_on_event(kfk_listener_t *l, const kfk_event_t *ev, void *opaque) {
    (void)opaque;
    if (L.closes)
        L.others++;
    int i = LS.handled++;
    if (LS.close_in_handler && i == 0) {
        kfk_event_done(ev, KFK_ERR_NONE);
        kfk_listener_close(l, ls_on_closed, NULL); /* the rest of the batch stays in flight */
        cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_listener_close");
        return;
    }
    if (i < NEV)
        LS.held[i] = ev; /* never done: in flight when the listener closes */
}

static int ls_all_in_flight(void *arg) {
    kfk_listener_t *l = arg;
    kfk_listener_stats_t st;
    kfk_listener_stats(l, &st);
    return st.in_flight == NEV;
}

static kfk_listener_t *listener_on_new_topic(const char *tag) {
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[160];
    ck_topic_create(bs, topic, sizeof topic, tag, 1, 1, NULL);
    /* NEV events, written by an emitter over a producer of their own. */
    kfk_producer_t *p = producer_for_events();
    kfk_emitter_t *e;
    cr_assert_eq(kfk_emitter_new(p, KFK_ENVELOPE_JSON, &e), 0);
    emit_n(e, topic, NEV, NULL);
    kfk_emitter_close(e, NULL, NULL);
    kfk_producer_close(p, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    snprintf(group, sizeof group, "%s-g", topic);
    kfk_conf_t *c = conf((const char *[]){"group.id", group, "batch.timeout.ms", "50",
                                          "auto.offset.reset", "earliest", NULL});
    char err[256];
    cr_assert_eq(kfk_consumer_new(&loop, c, &LS.c, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    kfk_topic_partition_t tp = {topic, 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(LS.c, &tp, 1), 0);
    kfk_listener_opts_t o = KFK_LISTENER_OPTS_INIT;
    o.on_error = ls_on_error;
    kfk_listener_t *l;
    cr_assert_eq(kfk_listener_new(LS.c, KFK_ENVELOPE_JSON, &o, &l), 0);
    kfk_listener_set_data(l, &L);
    cr_assert_eq(kfk_listener_on(l, NULL, "UserSeen", ls_on_event, NULL, NULL), 0);
    kfk_listener_set_close_timeout(l, 100);
    return l;
}

Test(lifecycle, listener_closed_with_events_in_flight_fails_them_after_its_timeout) {
    memset(&LS, 0, sizeof LS);
    kfk_listener_t *l = listener_on_new_topic("l");
    cr_assert_eq(kfk_listener_start(l), 0);
    ck_run_until(&loop, ls_all_in_flight, l, 30000);
    kfk_listener_close(l, ls_on_closed, NULL);
    cr_assert_eq(L.closes, 0, "the close callback ran inside kfk_listener_close");
    cr_assert_eq(kfk_listener_start(l), KFK_ERR__DESTROYED);
    finish(NEV);
    all_errs(KFK_ERR__DESTROYED);
    cr_assert_eq(LS.consumer_closes, 1);
    cr_assert_eq(LS.handled, NEV);
}

Test(lifecycle, listener_closed_from_its_handler) {
    memset(&LS, 0, sizeof LS);
    LS.close_in_handler = 1;
    kfk_listener_t *l = listener_on_new_topic("lcb");
    cr_assert_eq(kfk_listener_start(l), 0);
    finish(-1);
    /* The first event was done; the rest of its batch, in flight at the close, failed. */
    all_errs(KFK_ERR__DESTROYED);
    cr_assert_eq(L.pending, LS.handled - 1, "%d failed of %d handled", L.pending, LS.handled);
    cr_assert_eq(LS.consumer_closes, 1);
}
