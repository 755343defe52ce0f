/*
 * test_worker_typed.c: the typed partition worker and its progress deadline (issue 21) against
 * the real broker and Redis (KFK_REDIS, scripts/redis start).
 *
 * Covers: a worker with a decoder in its options hands out batches whose records carry the
 * decoded objects (msgpack values turned into structs), a record that does not decode comes
 * with its own error and the batch is still delivered, every object is freed by the free
 * function once its batch is done; a worker built against the options struct of before the
 * decoder (a shorter struct_size) still works, untyped. A handler that never finishes a batch:
 * the worker gives up its lock within max.poll.interval.ms plus the renewal interval, finishes
 * with KFK_ERR__MAX_POLL_EXCEEDED and a message naming the cause, commits nothing of that batch,
 * and the batch stays valid (a late kfk_batch_done frees it, objects included, even after the
 * worker is closed); a second worker, refused while the first kept renewing, then takes the
 * partition and processes the records the first never finished. kfk_worker_close with a batch
 * in processing waits for it only until its deadline (not the longer close timeout), commits
 * the batches done before it and leaves it valid. Figures go to stderr. Every test ends with
 * uv_loop_close() == 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <msgpack.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"
#include "redis_kit.h"

/* ---- the loop ------------------------------------------------------------------------------ */

typedef struct {
    uv_loop_t loop;
    uv_timer_t tick; /* keeps UV_RUN_ONCE from blocking while we wait for a condition */
} tctx_t;

static void on_tick(uv_timer_t *t) {
    (void)t;
}

static void tctx_init(tctx_t *t) {
    signal(SIGPIPE, SIG_IGN);
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

static void tctx_finish(tctx_t *t) {
    uv_close((uv_handle_t *)&t->tick, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "handles left on the loop");
}

static void unique_name(char *buf, size_t n, const char *tag) {
    snprintf(buf, n, "kfk-wt-%s-%d-%llx", tag, (int)getpid(),
             (unsigned long long)(uv_hrtime() / 1000));
}

/* ---- typed values: msgpack {"id": i, "name": "user-<i>"} ---------------------------------- */

typedef struct {
    int64_t id;
    char name[32];
} user_t;

/* What the decoder made and the free function freed (the decoder's opaque). */
typedef struct {
    size_t made, freed, failed;
} objs_t;

static const msgpack_object *map_get(const msgpack_object *map, const char *key) {
    if (map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(key) &&
            !memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size))
            return &kv->val;
    }
    return NULL;
}

static kfk_err_t decode_user(const kfk_message_t *m, void **out, void *opaque) {
    objs_t *o = opaque;
    *out = NULL;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    kfk_err_t err = kfk_message_msgpack(m, &u);
    const msgpack_object *id = err ? NULL : map_get(&u.data, "id");
    const msgpack_object *name = err ? NULL : map_get(&u.data, "name");
    if (id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && name &&
        name->type == MSGPACK_OBJECT_STR) {
        user_t *usr = calloc(1, sizeof *usr);
        cr_assert_not_null(usr);
        usr->id = (int64_t)id->via.u64;
        snprintf(usr->name, sizeof usr->name, "%.*s", (int)name->via.str.size, name->via.str.ptr);
        *out = usr;
        o->made++;
    } else {
        o->failed++;
        err = KFK_ERR__VALUE_DECODE;
    }
    msgpack_unpacked_destroy(&u);
    return *out ? KFK_ERR_NONE : err;
}

static void free_user(void *obj, void *opaque) {
    objs_t *o = opaque;
    o->freed++;
    free(obj);
}

/* Record @p i's value: the user, or two bytes that are no msgpack at all (0xc1 is never used)
 * when @p i is @p bad. */
static void user_value(msgpack_sbuffer *sb, int64_t i, int64_t bad) {
    msgpack_sbuffer_clear(sb);
    if (i == bad) {
        msgpack_sbuffer_write(sb, "\xc1\xc1", 2);
        return;
    }
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    char name[32];
    int n = snprintf(name, sizeof name, "user-%lld", (long long)i);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "id", 2);
    msgpack_pack_uint64(&pk, (uint64_t)i);
    msgpack_pack_str_with_body(&pk, "name", 4);
    msgpack_pack_str_with_body(&pk, name, (size_t)n);
}

typedef struct {
    size_t reports, failed;
    int closed;
} prod_t;

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    prod_t *pr = opaque;
    pr->reports++;
    pr->failed += d->err != 0;
}

static void on_prod_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((prod_t *)opaque)->closed = 1;
}

static int prod_closed(void *arg) {
    return ((prod_t *)arg)->closed;
}

/* Writes records @p from .. @p from + @p n - 1 (user_value) to partition 0 of @p topic, in
 * order, on a loop of its own; asserts every one was delivered. */
static void produce_users(const char *topic, int64_t from, size_t n, int64_t bad) {
    uv_loop_t loop;
    cr_assert_eq(uv_loop_init(&loop), 0);
    const char *kv[] = {"linger.ms", "5", NULL};
    kfk_conf_t *c = ck_conf(kt_env_required("BOOTSTRAP"), kv);
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    prod_t pr = {0, 0, 0};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (size_t i = 0; i < n; i++) {
        user_value(&sb, from + (int64_t)i, bad);
        kfk_record_t rec = {topic, 0, NULL, 0, sb.data, sb.size, NULL, 0, 0};
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery, &pr), 0);
    }
    msgpack_sbuffer_destroy(&sb);
    kfk_producer_set_close_timeout(p, 20000);
    kfk_producer_close(p, on_prod_closed, &pr);
    double end = ck_now_ms() + 30000;
    while (!prod_closed(&pr) && ck_now_ms() < end)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert(pr.closed, "the producer did not close");
    cr_assert_eq(pr.reports, n);
    cr_assert_eq(pr.failed, 0, "%zu records failed", pr.failed);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- a worker that records what it gets ---------------------------------------------------- */

typedef struct wk wk_t;

/* Called with each batch after its records were checked; returns 1 when it keeps the batch. */
typedef int (*wk_hook_fn)(wk_t *k, kfk_batch_t *b);

struct wk {
    tctx_t *t;
    const char *name;
    kfk_worker_t *w; /* NULL once closed */
    objs_t *objs;    /* NULL: an untyped worker */
    int64_t bad;     /* the offset whose value does not decode */
    int64_t offsets[256];
    size_t n, batches;
    int64_t decoded_seen; /* records with decoded set */
    wk_hook_fn hook;
    kfk_batch_t *held;
    double held_ms;             /* when the held batch came */
    int64_t held_first, held_n; /* its first offset, its records */
    int attempts;
    int finished; /* closed (close callback ran) */
    int done;     /* done_cb ran */
    kfk_err_t err;
    char errstr[640];
    double done_ms, acquired_ms;
};

static void wk_log(int level, const char *ctx, const char *msg, void *opaque) {
    wk_t *k = opaque;
    if (level <= 4)
        fprintf(stderr, "  [%s %.0f %d %s] %s\n", k->name, ck_now_ms(), level, ctx, msg);
}

static void wk_on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    wk_t *k = opaque;
    if (!k->acquired_ms)
        k->acquired_ms = ck_now_ms();
    size_t n = kfk_batch_count(b);
    k->batches++;
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        cr_assert_lt(k->n, sizeof k->offsets / sizeof k->offsets[0]);
        k->offsets[k->n++] = m->offset;
        const user_t *u = m->decoded;
        if (!k->objs) {
            cr_assert_null(u, "an untyped worker's record %lld has an object",
                           (long long)m->offset);
            cr_assert_eq(m->err, 0);
        } else if (m->offset == k->bad) {
            cr_assert_eq(m->err, KFK_ERR__VALUE_DECODE, "offset %lld: %s", (long long)m->offset,
                         kfk_err_name(m->err));
            cr_assert_null(u);
        } else {
            char want[32];
            snprintf(want, sizeof want, "user-%lld", (long long)m->offset);
            cr_assert_eq(m->err, 0, "offset %lld: %s", (long long)m->offset, kfk_err_name(m->err));
            cr_assert_not_null(u, "offset %lld: no decoded object", (long long)m->offset);
            cr_assert_eq(u->id, m->offset);
            cr_assert_str_eq(u->name, want);
            k->decoded_seen++;
        }
    }
    if (k->hook && k->hook(k, b))
        return;
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void wk_on_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    wk_t *k = opaque;
    k->finished = 1;
    k->w = NULL;
}

static void wk_on_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    wk_t *k = opaque;
    k->done = 1;
    k->err = err;
    k->done_ms = ck_now_ms();
    snprintf(k->errstr, sizeof k->errstr, "%s", kfk_worker_errstr(w));
    kfk_worker_close(w, wk_on_closed, k);
}

/* The options struct as programs built before the decoder fields have it. */
typedef struct {
    size_t struct_size;
    const char *topic;
    int32_t partition;
    const char *lock_prefix;
    const kfk_lock_opts_t *lock;
} worker_opts_v1_t;

typedef struct {
    const char *group, *topic;
    int batch;
    int64_t ttl;          /* the lock's TTL (renewals every ttl / 3) */
    const char *max_poll; /* max.poll.interval.ms, NULL: the default */
    int v1;               /* pass worker_opts_v1_t (no decoder fields) */
} wopts_t;

static void wk_init(wk_t *k, tctx_t *t, const char *name, objs_t *objs, int64_t bad) {
    memset(k, 0, sizeof *k);
    k->t = t;
    k->name = name;
    k->objs = objs;
    k->bad = bad;
}

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
                        o->max_poll ? "max.poll.interval.ms" : NULL,
                        o->max_poll,
                        NULL};
    kfk_conf_t *conf = ck_conf(kt_env_required("BOOTSTRAP"), kv);
    kfk_conf_set_log_cb(conf, wk_log, k);
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    lo.redis = kt_env_required("REDIS");
    lo.ttl_ms = o->ttl;
    kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
    wo.topic = o->topic;
    wo.partition = 0;
    wo.lock = &lo;
    if (k->objs) {
        wo.decode = decode_user;
        wo.free_obj = free_user;
        wo.decode_opaque = k->objs;
    }
    worker_opts_v1_t v1 = {sizeof v1, o->topic, 0, NULL, &lo};
    const kfk_worker_opts_t *opts = o->v1 ? (const kfk_worker_opts_t *)(const void *)&v1 : &wo;
    char errstr[512] = "";
    k->finished = k->done = 0;
    k->err = KFK_ERR_NONE;
    k->errstr[0] = 0;
    k->attempts++;
    kfk_err_t e = kfk_worker_new(&k->t->loop, conf, opts, wk_on_batch, wk_on_done, k, &k->w, errstr,
                                 sizeof errstr);
    kfk_conf_free(conf);
    cr_assert_eq(e, 0, "kfk_worker_new: %s (%s)", errstr, kfk_err_name(e));
}

static int wk_is_finished(void *arg) {
    return ((wk_t *)arg)->finished;
}

/* True once the worker was granted the lock (or finished). */
static int wk_acquired(void *arg) {
    wk_t *k = arg;
    return k->finished || (k->w && kfk_worker_fence(k->w) > 0);
}

typedef struct {
    wk_t *k;
    size_t n;
} wcount_t;

static int wk_has(void *arg) {
    wcount_t *c = arg;
    return c->k->n >= c->n || c->k->finished;
}

static void wk_stop(wk_t *k) {
    cr_assert_not_null(k->w, "worker %s already finished (%s: %s)", k->name, kfk_err_name(k->err),
                       k->errstr);
    kfk_worker_set_close_timeout(k->w, 5000);
    kfk_worker_close(k->w, wk_on_closed, k);
    cr_assert(run_until(k->t, wk_is_finished, k, 20000), "worker %s did not finish", k->name);
    cr_assert_not(k->done, "done_cb after kfk_worker_close");
}

static int64_t committed(const char *group, const char *topic) {
    int64_t off[1];
    int e = ck_committed(kt_env_required("BOOTSTRAP"), group, topic, 1, off);
    cr_assert_eq(e, 0, "OffsetFetch %s: error %d", group, e);
    return off[0];
}

/* ---- typed batches ------------------------------------------------------------------------- */

Test(worker_typed, a_typed_worker_hands_out_decoded_objects_and_frees_every_one) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wtyped", 1, 1, NULL);
    unique_name(group, sizeof group, "typed");
    enum { N = 45, BAD = 17, MORE = 5 };
    produce_users(topic, 0, N, BAD);

    objs_t objs = {0, 0, 0};
    wk_t k;
    wk_init(&k, &t, "typed", &objs, BAD);
    wopts_t o = {group, topic, 10, 3000, NULL, 0};
    wk_start(&k, &o);
    wcount_t all = {&k, N};
    cr_assert(run_until(&t, wk_has, &all, 30000), "got %zu of %d records", k.n, N);
    cr_assert_not(k.finished, "%s: %s", kfk_err_name(k.err), k.errstr);
    wk_stop(&k);
    cr_assert_eq(k.n, N);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.offsets[i], (int64_t)i);
    cr_assert_eq(k.decoded_seen, N - 1);
    cr_assert_eq(objs.made, N - 1, "decoded %zu objects", objs.made);
    cr_assert_eq(objs.failed, 1, "%zu records failed to decode", objs.failed);
    cr_assert_eq(objs.freed, objs.made, "%zu objects made, %zu freed", objs.made, objs.freed);
    cr_assert_eq(committed(group, topic), N,
                 "the record that did not decode was delivered and "
                 "done like the others");

    /* A program built against the options of before the decoder (struct_size 40 bytes, no
     * decode fields): the fields it does not know keep their defaults, so it runs untyped. */
    produce_users(topic, N, MORE, -1);
    wk_t old;
    wk_init(&old, &t, "v1", NULL, -1);
    wopts_t ov1 = {group, topic, 10, 3000, NULL, 1};
    wk_start(&old, &ov1);
    wcount_t more = {&old, MORE};
    cr_assert(run_until(&t, wk_has, &more, 30000), "got %zu of %d records", old.n, MORE);
    cr_assert_not(old.finished, "%s: %s", kfk_err_name(old.err), old.errstr);
    wk_stop(&old);
    for (size_t i = 0; i < old.n; i++)
        cr_assert_eq(old.offsets[i], (int64_t)(N + i));
    cr_assert_eq(objs.made, N - 1, "the old-struct worker decoded records");
    cr_assert_eq(committed(group, topic), N + MORE);
    fprintf(stderr,
            "worker_typed: %zu records in %zu typed batches, %zu objects decoded and freed, "
            "1 decode error reported per record; an old-struct worker read %zu more untyped\n",
            k.n, k.batches, objs.freed, old.n);
    tctx_finish(&t);
}

/* ---- a handler that never finishes --------------------------------------------------------- */

/* Hook: batch 0 is done at once, batch 1 is kept and never marked done by the handler. */
static int hang_at_batch_1(wk_t *k, kfk_batch_t *b) {
    if (k->batches != 2)
        return 0;
    k->held = b;
    k->held_ms = ck_now_ms();
    k->held_n = (int64_t)kfk_batch_count(b);
    k->held_first = kfk_batch_message(b, 0)->offset;
    return 1;
}

static int wk_holds(void *arg) {
    wk_t *k = arg;
    return k->held || k->finished;
}

Test(worker_typed,
     a_hung_handler_gives_up_the_lock_after_max_poll_interval_and_another_worker_takes_over) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "whung", 1, 1, NULL);
    unique_name(group, sizeof group, "hung");
    enum { N = 30, MAX_POLL = 4000, TTL = 2000, RENEW = TTL / 3 };
    produce_users(topic, 0, N, -1);

    /* max.poll.interval.ms 4000 is twice the lock's TTL: the lock is renewed (every 666 ms)
     * while the handler hangs, as before there was a progress deadline. */
    objs_t objs = {0, 0, 0};
    wk_t a, b;
    wk_init(&a, &t, "hung", &objs, -1);
    wk_init(&b, &t, "next", &objs, -1);
    a.hook = hang_at_batch_1;
    wopts_t o = {group, topic, 10, TTL, "4000", 0};
    wk_start(&a, &o);
    cr_assert(run_until(&t, wk_holds, &a, 30000), "batch 1 did not come (%zu records)", a.n);
    cr_assert_not(a.finished, "%s: %s", kfk_err_name(a.err), a.errstr);
    double hung = a.held_ms;

    /* A second worker tries every 100 ms: refused while the first holds the lock. */
    size_t refused = 0;
    double last_refused = 0;
    for (;;) {
        wk_start(&b, &o);
        cr_assert(run_until(&t, wk_acquired, &b, 5000), "no answer to the acquire");
        if (!b.finished)
            break;
        cr_assert_eq(b.err, KFK_ERR__LOCK_HELD, "attempt %d: %s (%s)", b.attempts,
                     kfk_err_name(b.err), b.errstr);
        cr_assert_eq(b.n, 0);
        refused++;
        last_refused = b.done_ms;
        cr_assert_lt(ck_now_ms() - hung, MAX_POLL + 3 * TTL, "no takeover %.0f ms after the hang",
                     ck_now_ms() - hung);
        run_until(&t, never, NULL, 100);
    }
    double took = ck_now_ms() - hung;

    /* The first worker finished by itself, within max.poll.interval.ms + the renew interval,
     * not before max.poll.interval.ms, with the cause in words. */
    cr_assert(run_until(&t, wk_is_finished, &a, 5000), "the hung worker did not finish");
    cr_assert(a.done, "the hung worker was closed, not finished by itself");
    double gave_up = a.done_ms - hung;
    cr_assert_eq(a.err, KFK_ERR__MAX_POLL_EXCEEDED, "finished with %s: %s", kfk_err_name(a.err),
                 a.errstr);
    char want[640];
    snprintf(want, sizeof want,
             "handler did not finish the batch of %s [0] (offsets %lld-%lld) within "
             "max.poll.interval.ms 4000: lock kfk:lock:%s:%s:0 released",
             topic, (long long)a.held_first, (long long)(a.held_first + a.held_n - 1), group,
             topic);
    cr_assert_str_eq(a.errstr, want);
    cr_assert_geq(gave_up, MAX_POLL - 50, "gave up %.0f ms after the batch came", gave_up);
    cr_assert_leq(gave_up, MAX_POLL + RENEW, "gave up %.0f ms after the batch came (bound %d)",
                  gave_up, MAX_POLL + RENEW);
    cr_assert_geq(refused, 1, "no attempt was refused while the handler hung");
    cr_assert_gt(last_refused - hung, TTL,
                 "the last refusal came %.0f ms into the hang: the lock must be renewed while "
                 "the handler hangs, up to max.poll.interval.ms",
                 last_refused - hung);
    cr_assert_leq(took - gave_up, 100 + 1000,
                  "the second worker took over %.0f ms after the "
                  "first gave up",
                  took - gave_up);

    /* Nothing of the hung batch was committed. It is still valid (its records and objects),
     * and marking it done now, after the worker is closed and freed, only frees it. */
    int64_t first = a.held_first;
    cr_assert_eq(committed(group, topic), first, "the hung batch must not be committed");
    cr_assert_eq(kfk_batch_count(a.held), (size_t)a.held_n);
    for (size_t i = 0; i < (size_t)a.held_n; i++) {
        const kfk_message_t *m = kfk_batch_message(a.held, i);
        const user_t *u = m->decoded;
        cr_assert_eq(m->offset, first + (int64_t)i);
        cr_assert_str_eq(m->topic, topic);
        cr_assert_not_null(u);
        cr_assert_eq(u->id, m->offset);
    }
    size_t freed = objs.freed;
    kfk_batch_done(a.held, KFK_ERR_NONE);
    a.held = NULL;
    cr_assert_eq(objs.freed, freed + (size_t)a.held_n, "the late kfk_batch_done freed %zu objects",
                 objs.freed - freed);
    cr_assert_eq(committed(group, topic), first, "the late kfk_batch_done committed");

    /* The second worker processes what the first never finished, from the hung batch's first
     * record to the end, each once. */
    wcount_t rest = {&b, (size_t)(N - first)};
    cr_assert(run_until(&t, wk_has, &rest, 30000), "the second worker got %zu of %lld", b.n,
              (long long)(N - first));
    cr_assert_not(b.finished, "%s: %s", kfk_err_name(b.err), b.errstr);
    run_until(&t, never, NULL, 200);
    wk_stop(&b);
    cr_assert_eq(b.n, (size_t)(N - first), "the second worker got %zu records", b.n);
    for (size_t i = 0; i < b.n; i++)
        cr_assert_eq(b.offsets[i], first + (int64_t)i);
    cr_assert_eq(committed(group, topic), N);
    cr_assert_eq(objs.freed, objs.made, "%zu objects made, %zu freed", objs.made, objs.freed);
    fprintf(stderr,
            "worker_typed: handler hung on offsets %lld-%lld; max.poll.interval.ms %d, TTL %d "
            "(renew %d): lock given up after %.0f ms (bound %d), %zu takeover attempt(s) refused "
            "(the last %.0f ms into the hang), taken over after %.0f ms; '%s'\n",
            (long long)first, (long long)(first + a.held_n - 1), MAX_POLL, TTL, RENEW, gave_up,
            MAX_POLL + RENEW, refused, last_refused - hung, took, a.errstr);
    tctx_finish(&t);
}

/* ---- kfk_worker_close with a batch past its deadline --------------------------------------- */

static int hang_at_batch_1_then_close(wk_t *k, kfk_batch_t *b) {
    if (!hang_at_batch_1(k, b))
        return 0;
    kfk_worker_set_close_timeout(k->w, 20000);
    kfk_worker_close(k->w, wk_on_closed, k); /* from the batch callback */
    return 1;
}

Test(worker_typed,
     closing_with_a_batch_in_processing_waits_at_most_until_its_deadline_and_commits_the_rest) {
    tctx_t t;
    tctx_init(&t);
    const char *bs = kt_env_required("BOOTSTRAP");
    char topic[128], group[128];
    ck_topic_create(bs, topic, sizeof topic, "wclose", 1, 1, NULL);
    unique_name(group, sizeof group, "close");
    enum { N = 30, MAX_POLL = 2000 };
    produce_users(topic, 0, N, -1);

    /* The handler keeps batch 1 and closes the worker with a 20 s close timeout: the close
     * waits for the batch only until max.poll.interval.ms after it came, then gives it up (not
     * committed, still valid) and ends without done_cb, batch 0 committed. */
    objs_t objs = {0, 0, 0};
    wk_t k;
    wk_init(&k, &t, "close", &objs, -1);
    k.hook = hang_at_batch_1_then_close;
    wopts_t o = {group, topic, 10, 3000, "2000", 0};
    wk_start(&k, &o);
    cr_assert(run_until(&t, wk_is_finished, &k, 30000), "the worker did not close");
    cr_assert_not_null(k.held, "batch 1 never came");
    double closed = ck_now_ms() - k.held_ms;
    cr_assert_not(k.done, "done_cb after kfk_worker_close");
    cr_assert_geq(closed, MAX_POLL - 50, "closed %.0f ms after the batch came", closed);
    cr_assert_leq(closed, MAX_POLL + 1000, "closed %.0f ms after the batch came", closed);
    cr_assert_eq(committed(group, topic), k.held_first, "batch 0 committed, the held one not");
    size_t freed = objs.freed;
    cr_assert_eq(kfk_batch_message(k.held, 0)->offset, k.held_first);
    kfk_batch_done(k.held, KFK_ERR_NONE);
    cr_assert_eq(objs.freed, freed + (size_t)k.held_n);
    cr_assert_eq(objs.freed, objs.made);
    cr_assert_eq(committed(group, topic), k.held_first);
    fprintf(stderr,
            "worker_typed: kfk_worker_close (close timeout 20 s) with a batch in processing "
            "ended %.0f ms after the batch came (max.poll.interval.ms %d); committed %lld\n",
            closed, MAX_POLL, (long long)k.held_first);
    tctx_finish(&t);
}
