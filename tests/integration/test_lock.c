/*
 * test_lock.c: the Redis lock (kfk_lock_t, issue 8) against a real redis-server: KFK_REDIS
 * (scripts/redis start) and, for the tests that kill, freeze or reconfigure Redis, private
 * redis-server processes started here with the flags scripts/redis uses (on a free port, killed
 * with the test). Covers acquire and LOCK_HELD, fences, release and renew after expiry ("not
 * owner", the new holder left alone), the local deadline before Redis' expiry, Redis killed and
 * frozen mid-run, loop stalls, AUTH / SELECT / unix sockets / host names, close in every state,
 * and a soak of 32 clients on 8 keys whose [fence, start, end] intervals must never overlap
 * (KFK_LOCK_SOAK_SECONDS, default 10). Every test ends with uv_loop_close() == 0.
 */
#include <signal.h>
#include <stdarg.h>
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

#include "client/lock/lock.h"
#include "env.h"
#include "kfk/kfk.h"
#include "redis_kit.h"
#include "protocol/mem.h"

#define MS UINT64_C(1000000)

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

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs the loop until *flag >= want or @p timeout_ms passed. */
static void run_until(tctx_t *t, const int *flag, int want, int64_t timeout_ms) {
    uint64_t end = now_ns() + (uint64_t)timeout_ms * MS;
    uv_timer_start(&t->tick, on_tick, 1, 1);
    while (*flag < want && now_ns() < end)
        uv_run(&t->loop, UV_RUN_ONCE);
    uv_timer_stop(&t->tick);
}

static void run_for(tctx_t *t, int64_t ms) {
    int never = 0;
    run_until(t, &never, 1, ms);
}

static int closed_count;

static void on_lock_closed(kfk_lock_t *l, void *opaque) {
    (void)l;
    (void)opaque;
    closed_count++;
}

/* Closes @p n locks, then the loop; asserts that nothing was left on it. */
static void tctx_finish(tctx_t *t, kfk_lock_t **locks, int n) {
    int before = closed_count;
    for (int i = 0; i < n; i++)
        if (locks[i])
            kfk_lock_close(locks[i], on_lock_closed, NULL);
    int want = before;
    for (int i = 0; i < n; i++)
        want += locks[i] != NULL;
    run_until(t, &closed_count, want, 10000);
    cr_assert_eq(closed_count, want, "close callbacks: %d of %d", closed_count - before,
                 want - before);
    uv_close((uv_handle_t *)&t->tick, NULL);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "handles left on the loop");
}

/* ---- locks and their callbacks ------------------------------------------------------------- */

typedef struct {
    int done;
    kfk_err_t err;
    int64_t fence;
    uint64_t at_ns;
} op_t;

static void on_acquired(kfk_lock_t *l, kfk_err_t err, int64_t fence, void *opaque) {
    (void)l;
    op_t *op = opaque;
    op->done++;
    op->err = err;
    op->fence = fence;
    op->at_ns = now_ns();
}

static void on_released(kfk_lock_t *l, kfk_err_t err, void *opaque) {
    (void)l;
    op_t *op = opaque;
    op->done++;
    op->err = err;
    op->at_ns = now_ns();
}

typedef struct {
    int count;
    kfk_err_t reason;
    uint64_t at_ns;
    int held_in_cb;
} lost_t;

static void on_lost(kfk_lock_t *l, kfk_err_t reason, void *opaque) {
    lost_t *lo = opaque;
    lo->count++;
    lo->reason = reason;
    lo->at_ns = now_ns();
    lo->held_in_cb = kfk_lock_is_held(l);
}

static kfk_lock_t *lock_new(tctx_t *t, const char *addr, int64_t ttl, int64_t renew, int64_t margin,
                            int64_t timeout) {
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    o.redis = addr;
    o.ttl_ms = ttl;
    o.renew_interval_ms = renew;
    o.safety_margin_ms = margin;
    o.command_timeout_ms = timeout;
    kfk_conf_t *conf = NULL;
    if (getenv("KFK_LOCK_TEST_DEBUG")) { /* every lock event on stderr */
        conf = kfk_conf_new();
        cr_assert_eq(kfk_conf_set(conf, "debug", "lock", NULL, 0), 0);
        o.conf = conf;
    }
    kfk_lock_t *l = NULL;
    char errstr[256];
    kfk_err_t err = kfk_lock_new(&t->loop, &o, &l, errstr, sizeof errstr);
    kfk_conf_free(conf);
    cr_assert_eq(err, 0, "kfk_lock_new: %s (%s)", errstr, kfk_err_name(err));
    return l;
}

static op_t acquire(tctx_t *t, kfk_lock_t *l, const char *key) {
    op_t op = {0};
    cr_assert_eq(kfk_lock_acquire(l, key, on_acquired, &op), 0);
    run_until(t, &op.done, 1, 10000);
    cr_assert_eq(op.done, 1, "acquire callback ran %d times", op.done);
    return op;
}

static op_t release(tctx_t *t, kfk_lock_t *l) {
    op_t op = {0};
    cr_assert_eq(kfk_lock_release(l, on_released, &op), 0);
    run_until(t, &op.done, 1, 10000);
    cr_assert_eq(op.done, 1, "release callback ran %d times", op.done);
    return op;
}

/* A key no other run (or test) uses. */
static void unique_key(char *buf, size_t n, const char *name) {
    snprintf(buf, n, "kfk-test:lock:%d:%llx:%s", (int)getpid(), (unsigned long long)now_ns(), name);
}

/* ---- acquire, LOCK_HELD, fences, release ---------------------------------------------------- */

Test(lock, acquire_grants_a_fence_and_a_second_owner_gets_lock_held_at_once) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    redisContext *side = side_connect(addr);
    char key[160], val[64];
    unique_key(key, sizeof key, "basic");
    kfk_lock_t *a = lock_new(&t, addr, 5000, 0, 0, 0);
    kfk_lock_t *b = lock_new(&t, addr, 5000, 0, 0, 0);

    cr_assert_null(kfk_lock_key(a));
    op_t oa = acquire(&t, a, key);
    cr_assert_eq(oa.err, 0, "%s", kfk_err_name(oa.err));
    cr_assert_gt(oa.fence, 0);
    cr_assert_eq(kfk_lock_fence(a), oa.fence);
    cr_assert(kfk_lock_is_held(a));
    cr_assert_gt(kfk_lock_remaining_ms(a), 4000);
    cr_assert_str_eq(kfk_lock_key(a), key);
    cr_assert_eq(strlen(kfk_lock_token(a)), 32);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, kfk_lock_token(a), "the key holds a's token");
    long long pttl = side_int(side, "PTTL", key, NULL);
    cr_assert(pttl > 4000 && pttl <= 5000, "PTTL %lld", pttl);

    /* A second acquire while held is a state error, not a callback. */
    cr_assert_eq(kfk_lock_acquire(a, key, on_acquired, NULL), KFK_ERR__STATE);

    uint64_t t0 = now_ns();
    op_t ob = acquire(&t, b, key);
    cr_assert_eq(ob.err, KFK_ERR__LOCK_HELD, "%s", kfk_err_name(ob.err));
    cr_assert_eq(ob.fence, 0);
    cr_assert_not(kfk_lock_is_held(b));
    uint64_t held_ms = (ob.at_ns - t0) / MS;
    cr_assert_lt(held_ms, 1000, "LOCK_HELD took %llu ms", (unsigned long long)held_ms);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, kfk_lock_token(a), "b's attempt left a's key alone");
    fprintf(stderr, "lock: granted fence %lld; second owner refused in %.1f ms\n",
            (long long)oa.fence, (double)(ob.at_ns - t0) / 1e6);

    kfk_lock_t *locks[] = {a, b};
    tctx_finish(&t, locks, 2);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "", "close released the key");
    redisFree(side);
}

Test(lock, release_then_reacquire_gets_a_higher_fence) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    redisContext *side = side_connect(addr);
    char key[160], val[64];
    unique_key(key, sizeof key, "fence");
    kfk_lock_t *a = lock_new(&t, addr, 5000, 0, 0, 0);
    kfk_lock_t *b = lock_new(&t, addr, 5000, 0, 0, 0);

    cr_assert_eq(kfk_lock_release(a, on_released, NULL), KFK_ERR__STATE, "nothing to release");
    op_t o1 = acquire(&t, a, key);
    cr_assert_eq(o1.err, 0);
    op_t r1 = release(&t, a);
    cr_assert_eq(r1.err, 0, "%s", kfk_err_name(r1.err));
    cr_assert_not(kfk_lock_is_held(a));
    cr_assert_null(kfk_lock_key(a));
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "", "release deleted the key");

    op_t o2 = acquire(&t, b, key);
    cr_assert_eq(o2.err, 0);
    cr_assert_gt(o2.fence, o1.fence);
    op_t o3 = acquire(&t, a, key);
    cr_assert_eq(o3.err, KFK_ERR__LOCK_HELD);
    op_t r2 = release(&t, b);
    cr_assert_eq(r2.err, 0);
    op_t o4 = acquire(&t, a, key);
    cr_assert_eq(o4.err, 0);
    cr_assert_gt(o4.fence, o2.fence);
    fprintf(stderr, "lock: fences %lld < %lld < %lld\n", (long long)o1.fence, (long long)o2.fence,
            (long long)o4.fence);

    kfk_lock_t *locks[] = {a, b};
    tctx_finish(&t, locks, 2);
    redisFree(side);
}

/* ---- after expiry: "not owner", and the new holder is left alone ---------------------------- */

/* Runs the loop until @p key is gone from Redis. */
static void wait_key_gone(tctx_t *t, redisContext *side, const char *key, int64_t timeout_ms) {
    uint64_t end = now_ns() + (uint64_t)timeout_ms * MS;
    while (side_int(side, "PTTL", key, NULL) != -2) {
        cr_assert_lt(now_ns(), end, "key %s did not expire", key);
        run_for(t, 5);
    }
}

Test(lock, release_after_expiry_is_refused_and_leaves_the_new_holder_alone) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    redisContext *side = side_connect(addr);
    char key[160], val[64], btoken[64];
    unique_key(key, sizeof key, "release-expired");
    kfk_lock_t *a = lock_new(&t, addr, 400, 100, 100, 0);
    kfk_lock_t *b = lock_new(&t, addr, 5000, 0, 0, 0);
    lost_t lost = {0};
    kfk_lock_set_lost_cb(a, on_lost, &lost);

    cr_assert_eq(acquire(&t, a, key).err, 0);
    kfk__lock_test_block_renew(a, 1);
    run_until(&t, &lost.count, 1, 2000);
    cr_assert_eq(lost.count, 1, "a noticed its deadline");
    cr_assert_eq(lost.reason, KFK_ERR__TIMED_OUT, "%s", kfk_err_name(lost.reason));
    cr_assert_not(kfk_lock_is_held(a));
    wait_key_gone(&t, side, key, 2000);

    op_t ob = acquire(&t, b, key);
    cr_assert_eq(ob.err, 0);
    snprintf(btoken, sizeof btoken, "%s", kfk_lock_token(b));

    op_t ra = release(&t, a);
    cr_assert_eq(ra.err, KFK_ERR__LOCK_LOST, "%s", kfk_err_name(ra.err));
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, btoken, "a's release left b's key alone");
    cr_assert(kfk_lock_is_held(b));
    cr_assert_gt(side_int(side, "PTTL", key, NULL), 4000);
    cr_assert_eq(release(&t, b).err, 0);

    kfk_lock_t *locks[] = {a, b};
    tctx_finish(&t, locks, 2);
    redisFree(side);
}

Test(lock, renew_after_the_key_vanished_is_refused_and_leaves_the_new_holder_alone) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    redisContext *side = side_connect(addr);
    char key[160], val[64], btoken[64];
    unique_key(key, sizeof key, "renew-expired");
    kfk_lock_t *a = lock_new(&t, addr, 5000, 0, 0, 0);
    kfk_lock_t *b = lock_new(&t, addr, 5000, 0, 0, 0);
    lost_t lost = {0};
    kfk_lock_set_lost_cb(a, on_lost, &lost);

    cr_assert_eq(acquire(&t, a, key).err, 0);
    /* The key expires early in Redis (a clock step there, a restart without persistence). */
    cr_assert_eq(side_int(side, "PEXPIRE", key, "1"), 1);
    wait_key_gone(&t, side, key, 1000);
    cr_assert_eq(acquire(&t, b, key).err, 0);
    snprintf(btoken, sizeof btoken, "%s", kfk_lock_token(b));
    cr_assert(kfk_lock_is_held(a), "a cannot know yet");

    kfk__lock_test_renew_now(a);
    run_until(&t, &lost.count, 1, 2000);
    cr_assert_eq(lost.count, 1);
    cr_assert_eq(lost.reason, KFK_ERR__LOCK_LOST, "%s", kfk_err_name(lost.reason));
    cr_assert_not(lost.held_in_cb);
    cr_assert_not(kfk_lock_is_held(a));
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, btoken, "a's refused renewal left b's key alone");
    long long pttl = side_int(side, "PTTL", key, NULL);
    cr_assert(pttl > 0 && pttl <= 5000, "PTTL %lld", pttl);

    cr_assert_eq(release(&t, a).err, KFK_ERR__LOCK_LOST);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, btoken);
    cr_assert_eq(release(&t, b).err, 0);

    kfk_lock_t *locks[] = {a, b};
    tctx_finish(&t, locks, 2);
    redisFree(side);
}

/* ---- the local deadline --------------------------------------------------------------------- */

typedef struct {
    kfk_lock_t *lock;
    uint64_t deadline;
    int samples, held_after, released_before;
} sampler_t;

static void on_sample(uv_timer_t *tm) {
    sampler_t *s = tm->data;
    uint64_t now = now_ns();
    int held = kfk_lock_is_held(s->lock);
    s->samples++;
    if (now >= s->deadline && held)
        s->held_after++;
    if (now + 2 * MS < s->deadline && !held)
        s->released_before++;
}

typedef struct {
    lost_t lost;
    redisContext *side;
    const char *key;
    char token[64];
    char val_at_lost[64];
    long long pttl_at_lost;
} lost_check_t;

static void on_lost_check(kfk_lock_t *l, kfk_err_t reason, void *opaque) {
    lost_check_t *lc = opaque;
    on_lost(l, reason, &lc->lost);
    /* What Redis says at this moment: the key must still be ours (not yet expired). */
    side_get(lc->side, lc->key, lc->val_at_lost, sizeof lc->val_at_lost);
    lc->pttl_at_lost = side_int(lc->side, "PTTL", lc->key, NULL);
}

Test(lock, processing_past_the_ttl_with_renewals_blocked_loses_the_lease_before_redis_expiry) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    redisContext *side = side_connect(addr);
    char key[160];
    unique_key(key, sizeof key, "deadline");
    int64_t ttl = 600, margin = 150;
    kfk_lock_t *a = lock_new(&t, addr, ttl, 200, margin, 0);
    lost_check_t lc = {.side = side, .key = key};
    kfk_lock_set_lost_cb(a, on_lost_check, &lc);

    uint64_t called = now_ns();
    op_t oa = acquire(&t, a, key);
    cr_assert_eq(oa.err, 0);
    snprintf(lc.token, sizeof lc.token, "%s", kfk_lock_token(a));
    uint64_t deadline = kfk__lock_deadline_ns(a);
    /* The deadline counts from the SET's sending: between the call and the answer. */
    cr_assert_geq(deadline, called + (uint64_t)(ttl - margin) * MS);
    cr_assert_leq(deadline, oa.at_ns + (uint64_t)(ttl - margin) * MS);
    kfk__lock_test_block_renew(a, 1);

    sampler_t s = {.lock = a, .deadline = deadline};
    uv_timer_t sample;
    uv_timer_init(&t.loop, &sample);
    sample.data = &s;
    uv_timer_start(&sample, on_sample, 1, 1);
    /* "Processing" for longer than the TTL. */
    run_for(&t, ttl + 300);
    uv_close((uv_handle_t *)&sample, NULL);

    cr_assert_eq(lc.lost.count, 1);
    cr_assert_eq(lc.lost.reason, KFK_ERR__TIMED_OUT);
    cr_assert_geq(lc.lost.at_ns, deadline, "lost before the deadline");
    cr_assert_lt(lc.lost.at_ns, deadline + 50 * MS, "lost %llu ms after the deadline",
                 (unsigned long long)((lc.lost.at_ns - deadline) / MS));
    cr_assert_str_eq(lc.val_at_lost, lc.token, "the key was still ours when the lease ended");
    cr_assert_gt(lc.pttl_at_lost, 0, "Redis had not expired the key yet");
    cr_assert_gt(s.samples, 100);
    cr_assert_eq(s.held_after, 0, "is_held() true after the deadline %d times", s.held_after);
    cr_assert_eq(s.released_before, 0, "is_held() false before the deadline");
    cr_assert_eq(side_int(side, "PTTL", key, NULL), -2, "Redis expired the key by itself");
    fprintf(stderr, "lock: lease ended %.1f ms after the deadline, Redis had %lld ms of TTL left\n",
            (double)(lc.lost.at_ns - deadline) / 1e6, lc.pttl_at_lost);

    kfk_lock_t *locks[] = {a};
    tctx_finish(&t, locks, 1);
    redisFree(side);
}

/* ---- loop stalls ---------------------------------------------------------------------------- */

typedef struct {
    kfk_lock_t *lock;
    int64_t stall_ms;
    int done;
    int held_after;
    int64_t remaining_after;
} stall_t;

static void on_stall(uv_timer_t *tm) {
    stall_t *s = tm->data;
    usleep((useconds_t)(s->stall_ms * 1000));
    s->held_after = kfk_lock_is_held(s->lock);
    s->remaining_after = kfk_lock_remaining_ms(s->lock);
    s->done = 1;
}

static void stall_loop(tctx_t *t, stall_t *s) {
    uv_timer_t tm;
    uv_timer_init(&t->loop, &tm);
    tm.data = s;
    uv_timer_start(&tm, on_stall, 0, 0);
    run_until(t, &s->done, 1, 5000);
    uv_close((uv_handle_t *)&tm, NULL);
    uv_run(&t->loop, UV_RUN_NOWAIT); /* the close callback, before tm goes out of scope */
    cr_assert_eq(s->done, 1);
}

typedef struct {
    int late_warnings;
} logcap_t;

static void on_log(int level, const char *ctx, const char *msg, void *opaque) {
    logcap_t *lc = opaque;
    if (strstr(msg, "late (the loop was blocked)"))
        lc->late_warnings++;
    fprintf(stderr, "  [log %d %s] %s\n", level, ctx, msg);
}

Test(lock, a_loop_stall_longer_than_the_renew_interval_is_noticed) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    char key[160];
    unique_key(key, sizeof key, "stall");
    logcap_t cap = {0};
    kfk_conf_t *conf = kfk_conf_new();
    kfk_conf_set_log_cb(conf, on_log, &cap);
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    o.redis = addr;
    o.ttl_ms = 1000;
    o.renew_interval_ms = 200;
    o.safety_margin_ms = 150;
    o.conf = conf;
    kfk_lock_t *a;
    cr_assert_eq(kfk_lock_new(&t.loop, &o, &a, NULL, 0), 0);
    kfk_conf_free(conf);
    lost_t lost = {0};
    kfk_lock_set_lost_cb(a, on_lost, &lost);
    cr_assert_eq(acquire(&t, a, key).err, 0);
    run_for(&t, 250); /* one renewal */

    /* A stall of 2 renew intervals that ends before the deadline: the lease survives, and the
     * late renewal is reported. */
    kfk__lock_stats_t st0, st1;
    kfk__lock_stats(a, &st0);
    stall_t s1 = {.lock = a, .stall_ms = 400};
    stall_loop(&t, &s1);
    cr_assert(s1.held_after, "a 400 ms stall inside an 850 ms lease keeps it");
    run_for(&t, 100);
    kfk__lock_stats(a, &st1);
    cr_assert_geq(st1.late_ticks, st0.late_ticks + 1, "the late renew tick was counted");
    cr_assert_geq(cap.late_warnings, 1, "and logged");
    cr_assert_gt(st1.renews_ok, st0.renews_ok, "and the renewal went through");
    cr_assert(kfk_lock_is_held(a));
    cr_assert_eq(lost.count, 0);

    /* A stall past the deadline: not held the moment the stall ends (before the loop runs), the
     * lost callback follows, and no renewal is sent for a dead lease. */
    kfk__lock_stats(a, &st0);
    stall_t s2 = {.lock = a, .stall_ms = 1100};
    stall_loop(&t, &s2);
    cr_assert_not(s2.held_after, "is_held() checks the clock, not the loop");
    cr_assert_eq(s2.remaining_after, 0);
    run_until(&t, &lost.count, 1, 1000);
    cr_assert_eq(lost.count, 1);
    cr_assert_eq(lost.reason, KFK_ERR__TIMED_OUT, "%s", kfk_err_name(lost.reason));
    kfk__lock_stats(a, &st1);
    cr_assert_eq(st1.renews_sent, st0.renews_sent, "a renewal was sent after the deadline");
    cr_assert_eq(release(&t, a).err, KFK_ERR__LOCK_LOST);
    fprintf(stderr, "lock: stall of 400 ms noticed (%llu late ticks), stall of 1100 ms lost it\n",
            (unsigned long long)st1.late_ticks);

    kfk_lock_t *locks[] = {a};
    tctx_finish(&t, locks, 1);
}

/* ---- Redis killed, Redis frozen ------------------------------------------------------------- */

#define NHOLDERS 4

Test(lock, redis_killed_mid_run_every_holder_notices_by_its_deadline_and_acquire_works_after,
     .fini = kredis_fini) {
    tctx_t t;
    tctx_init(&t);
    kredis_t r = {0};
    kredis_start(&r);
    kfk_lock_t *l[NHOLDERS];
    lost_t lost[NHOLDERS] = {{0}};
    char keys[NHOLDERS][160];
    int all_lost = 0;
    for (int i = 0; i < NHOLDERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "kill-%d", i);
        unique_key(keys[i], sizeof keys[i], name);
        l[i] = lock_new(&t, r.addr, 1000, 300, 150, 200);
        kfk_lock_set_lost_cb(l[i], on_lost, &lost[i]);
        cr_assert_eq(acquire(&t, l[i], keys[i]).err, 0);
    }
    run_for(&t, 400); /* renewals went through */
    for (int i = 0; i < NHOLDERS; i++)
        cr_assert(kfk_lock_is_held(l[i]));

    uint64_t killed = now_ns();
    kredis_kill(&r);
    uint64_t deadlines[NHOLDERS];
    for (int i = 0; i < NHOLDERS; i++)
        deadlines[i] = kfk__lock_deadline_ns(l[i]);
    uint64_t end = now_ns() + 3000 * MS;
    while (all_lost < NHOLDERS && now_ns() < end) {
        run_for(&t, 5);
        all_lost = 0;
        for (int i = 0; i < NHOLDERS; i++)
            all_lost += lost[i].count;
    }
    for (int i = 0; i < NHOLDERS; i++) {
        cr_assert_eq(lost[i].count, 1, "holder %d noticed", i);
        cr_assert_leq(lost[i].at_ns, deadlines[i] + 5 * MS, "holder %d noticed %lld ms late", i,
                      (long long)(lost[i].at_ns - deadlines[i]) / (long long)MS);
        cr_assert_not(kfk_lock_is_held(l[i]));
        fprintf(stderr,
                "lock: holder %d noticed the kill after %.0f ms (%s), %.0f ms before "
                "its deadline\n",
                i, (double)(lost[i].at_ns - killed) / 1e6, kfk_err_name(lost[i].reason),
                (double)((int64_t)deadlines[i] - (int64_t)lost[i].at_ns) / 1e6);
    }
    /* While Redis is down an acquire fails fast. */
    op_t down = acquire(&t, l[0], keys[0]);
    cr_assert_eq(down.err, KFK_ERR__REDIS, "%s", kfk_err_name(down.err));
    cr_assert(strstr(kfk_lock_last_error(l[0]), "Connection refused"), "%s",
              kfk_lock_last_error(l[0]));
    /* Each holder's loss is named too. */
    for (int i = 1; i < NHOLDERS; i++)
        cr_assert(!strncmp(kfk_lock_last_error(l[i]), "lock ", 5) &&
                      strstr(kfk_lock_last_error(l[i]), ") lost: "),
                  "holder %d: %s", i, kfk_lock_last_error(l[i]));

    kredis_start(&r); /* same port, no data */
    for (int i = 0; i < NHOLDERS; i++) {
        op_t o = acquire(&t, l[i], keys[i]);
        cr_assert_eq(o.err, 0, "holder %d after the restart: %s", i, kfk_err_name(o.err));
        cr_assert(kfk_lock_is_held(l[i]));
    }
    tctx_finish(&t, l, NHOLDERS);
    kredis_cleanup(&r);
}

Test(lock, redis_frozen_renewals_time_out_and_holders_stop_by_their_deadline, .fini = kredis_fini) {
    tctx_t t;
    tctx_init(&t);
    kredis_t r = {0};
    kredis_start(&r);
    kfk_lock_t *l[2];
    lost_t lost[2] = {{0}};
    char keys[2][160];
    for (int i = 0; i < 2; i++) {
        unique_key(keys[i], sizeof keys[i], i ? "frozen-1" : "frozen-0");
        l[i] = lock_new(&t, r.addr, 1000, 300, 150, 200);
        kfk_lock_set_lost_cb(l[i], on_lost, &lost[i]);
        cr_assert_eq(acquire(&t, l[i], keys[i]).err, 0);
    }
    uint64_t deadlines[2] = {kfk__lock_deadline_ns(l[0]), kfk__lock_deadline_ns(l[1])};
    kill(r.pid, SIGSTOP);
    run_until(&t, &lost[0].count, 1, 3000);
    run_until(&t, &lost[1].count, 1, 3000);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(lost[i].count, 1);
        cr_assert_eq(lost[i].reason, KFK_ERR__TIMED_OUT, "%s", kfk_err_name(lost[i].reason));
        /* A renewal may have extended the deadline before the freeze. */
        cr_assert_leq(lost[i].at_ns, kfk__lock_deadline_ns(l[i]) + 5 * MS);
        cr_assert_geq(kfk__lock_deadline_ns(l[i]), deadlines[i]);
    }
    uint64_t t0 = now_ns();
    op_t o = acquire(&t, l[0], keys[0]);
    cr_assert_eq(o.err, KFK_ERR__TIMED_OUT, "%s", kfk_err_name(o.err));
    double took = (double)(now_ns() - t0) / 1e6;
    cr_assert(took >= 190 && took < 600, "the timeout took %.0f ms", took);
    kill(r.pid, SIGCONT);
    /* The lost leases' keys may still be in Redis: the next acquire deletes our own stale token
     * first, so it succeeds at once instead of waiting for the TTL. */
    for (int i = 0; i < 2; i++) {
        op_t again = acquire(&t, l[i], keys[i]);
        cr_assert_eq(again.err, 0, "holder %d after the thaw: %s", i, kfk_err_name(again.err));
    }
    fprintf(stderr,
            "lock: frozen Redis: acquire timed out after %.0f ms, holders lost with "
            "TIMED_OUT\n",
            took);
    tctx_finish(&t, l, 2);
    kredis_cleanup(&r);
}

/* ---- AUTH, SELECT, unix sockets, host names, NOSCRIPT ------------------------------------- */

Test(lock, auth_select_unix_socket_and_host_names, .fini = kredis_fini) {
    tctx_t t;
    tctx_init(&t);
    kredis_t r = {0};
    kredis_init(&r);
    r.extra[0] = "--requirepass";
    r.extra[1] = "s3cret";
    r.extra[2] = "--unixsocket";
    r.extra[3] = r.sock;
    r.extra[4] = "--unixsocketperm";
    r.extra[5] = "700";
    kredis_start(&r);

    char key[160], unix_addr[160], local_addr[64], val[64];
    unique_key(key, sizeof key, "auth");
    snprintf(unix_addr, sizeof unix_addr, "unix:%s", r.sock);
    snprintf(local_addr, sizeof local_addr, "localhost:%d", r.port);
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    kfk_lock_t *l[4];
    o.redis = r.addr; /* no password */
    cr_assert_eq(kfk_lock_new(&t.loop, &o, &l[0], NULL, 0), 0);
    o.password = "wrong";
    cr_assert_eq(kfk_lock_new(&t.loop, &o, &l[1], NULL, 0), 0);
    o.password = "s3cret";
    o.db = 3;
    o.redis = unix_addr;
    cr_assert_eq(kfk_lock_new(&t.loop, &o, &l[2], NULL, 0), 0);
    o.redis = local_addr; /* resolved with uv_getaddrinfo */
    cr_assert_eq(kfk_lock_new(&t.loop, &o, &l[3], NULL, 0), 0);

    cr_assert_eq(acquire(&t, l[0], key).err, KFK_ERR__REDIS, "NOAUTH");
    cr_assert(strstr(kfk_lock_last_error(l[0]), "NOAUTH"), "%s", kfk_lock_last_error(l[0]));
    cr_assert_eq(acquire(&t, l[1], key).err, KFK_ERR__REDIS, "wrong password");
    cr_assert(strstr(kfk_lock_last_error(l[1]), "AUTH refused: "), "%s", kfk_lock_last_error(l[1]));
    op_t ok = acquire(&t, l[2], key);
    cr_assert_eq(ok.err, 0, "%s", kfk_err_name(ok.err));
    cr_assert_eq(acquire(&t, l[3], key).err, KFK_ERR__LOCK_HELD, "same server, same db");

    redisContext *side = side_connect(unix_addr);
    const char *auth[] = {"AUTH", "s3cret"};
    freeReplyObject(side_cmd(side, 2, auth));
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "", "not in db 0");
    const char *sel[] = {"SELECT", "3"};
    freeReplyObject(side_cmd(side, 2, sel));
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, kfk_lock_token(l[2]), "in db 3");

    /* An empty script cache (SCRIPT FLUSH, a restarted server) changes nothing. */
    const char *flush[] = {"SCRIPT", "FLUSH"};
    freeReplyObject(side_cmd(side, 2, flush));
    cr_assert_eq(release(&t, l[2]).err, 0);
    freeReplyObject(side_cmd(side, 2, flush));
    cr_assert_eq(acquire(&t, l[3], key).err, 0);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, kfk_lock_token(l[3]));
    redisFree(side);

    tctx_finish(&t, l, 4);
    kredis_cleanup(&r);
}

Test(lock, bad_options_are_refused_with_a_message) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_lock_t *l = NULL;
    char err[256];
    struct {
        const char *redis;
        int64_t ttl, renew, margin;
    } bad[] = {
        {NULL, 0, 0, 0},         {"", 0, 0, 0},       {"host:0", 0, 0, 0},
        {"host:99999", 0, 0, 0}, {"host:x", 0, 0, 0}, {"::1:6379", 0, 0, 0},
        {"unix:", 0, 0, 0},      {"[::1", 0, 0, 0},   {"h:1", 1000, 0, 1000},
        {"h:1", 1000, 900, 200}, {"h:1", -5, 0, 0},   {"h:1", 1000, 0, -1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
        o.redis = bad[i].redis;
        o.ttl_ms = bad[i].ttl;
        o.renew_interval_ms = bad[i].renew;
        o.safety_margin_ms = bad[i].margin;
        err[0] = '\0';
        cr_assert_eq(kfk_lock_new(&loop, &o, &l, err, sizeof err), KFK_ERR__INVALID_ARG,
                     "case %zu accepted", i);
        cr_assert_neq(err[0], '\0', "case %zu has no message", i);
    }
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    o.redis = "[::1]:6379";
    cr_assert_eq(kfk_lock_new(&loop, &o, &l, err, sizeof err), 0, "%s", err);
    cr_assert_eq(kfk_lock_acquire(l, "", on_acquired, NULL), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_lock_acquire(l, "k", NULL, NULL), KFK_ERR__INVALID_ARG);
    kfk_lock_close(l, NULL, NULL);
    cr_assert_eq(kfk_lock_acquire(l, "k", on_acquired, NULL), KFK_ERR__DESTROYED);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- close in every state ------------------------------------------------------------------- */

typedef struct {
    int order;
    int acquire_at, close_at;
    kfk_err_t err;
} close_order_t;

static void on_acquire_then(kfk_lock_t *l, kfk_err_t err, int64_t fence, void *opaque) {
    (void)l;
    (void)fence;
    close_order_t *c = opaque;
    c->acquire_at = ++c->order;
    c->err = err;
}

static void on_closed_then(kfk_lock_t *l, void *opaque) {
    (void)l;
    close_order_t *c = opaque;
    c->close_at = ++c->order;
}

static void on_acquired_close(kfk_lock_t *l, kfk_err_t err, int64_t fence, void *opaque) {
    (void)fence;
    close_order_t *c = opaque;
    c->acquire_at = ++c->order;
    c->err = err;
    kfk_lock_close(l, on_closed_then, c);
    kfk_lock_close(l, on_closed_then, c); /* ignored */
}

static void on_lost_close(kfk_lock_t *l, kfk_err_t reason, void *opaque) {
    close_order_t *c = opaque;
    c->acquire_at = ++c->order;
    c->err = reason;
    kfk_lock_close(l, on_closed_then, c);
}

Test(lock, close_in_flight_from_callbacks_and_without_redis) {
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    redisContext *side = side_connect(addr);
    char key[160], val[64];

    /* An acquire in flight: its callback runs first with DESTROYED, and no key is left. */
    unique_key(key, sizeof key, "close-inflight");
    kfk_lock_t *a = lock_new(&t, addr, 5000, 0, 0, 0);
    close_order_t c1 = {0};
    cr_assert_eq(kfk_lock_acquire(a, key, on_acquire_then, &c1), 0);
    kfk_lock_close(a, on_closed_then, &c1);
    run_until(&t, &c1.close_at, 1, 5000);
    cr_assert_eq(c1.acquire_at, 1);
    cr_assert_eq(c1.err, KFK_ERR__DESTROYED, "%s", kfk_err_name(c1.err));
    cr_assert_eq(c1.close_at, 2);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "", "a grant during close was released");

    /* Close from inside the acquire callback: the fresh lease is released. */
    unique_key(key, sizeof key, "close-in-cb");
    kfk_lock_t *b = lock_new(&t, addr, 5000, 0, 0, 0);
    close_order_t c2 = {0};
    cr_assert_eq(kfk_lock_acquire(b, key, on_acquired_close, &c2), 0);
    run_until(&t, &c2.close_at, 1, 5000);
    cr_assert_eq(c2.err, 0);
    cr_assert_eq(c2.close_at, 2);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "", "closing in the callback released the key");

    /* Close from inside the lost callback. */
    unique_key(key, sizeof key, "close-in-lost");
    kfk_lock_t *c = lock_new(&t, addr, 300, 100, 75, 0);
    close_order_t c3 = {0};
    kfk_lock_set_lost_cb(c, on_lost_close, &c3);
    cr_assert_eq(acquire(&t, c, key).err, 0);
    kfk__lock_test_block_renew(c, 1);
    run_until(&t, &c3.close_at, 1, 5000);
    cr_assert_eq(c3.err, KFK_ERR__TIMED_OUT);
    cr_assert_eq(c3.close_at, 2);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "", "the lost lease's key, still ours, was deleted on close");

    /* Closed while the host name is being resolved (uv_getaddrinfo in flight). */
    char local[64];
    snprintf(local, sizeof local, "localhost:%s", strrchr(addr, ':') + 1);
    kfk_lock_t *r = lock_new(&t, local, 5000, 0, 0, 0);
    close_order_t c4 = {0};
    unique_key(key, sizeof key, "close-resolving");
    cr_assert_eq(kfk_lock_acquire(r, key, on_acquire_then, &c4), 0);
    kfk_lock_close(r, on_closed_then, &c4);
    run_until(&t, &c4.close_at, 1, 5000);
    cr_assert_eq(c4.err, KFK_ERR__DESTROYED);
    cr_assert_eq(c4.close_at, 2);

    /* Nobody listening: the acquire fails with REDIS and the cause in words, close completes. */
    kfk_lock_t *d = lock_new(&t, "127.0.0.1:1", 5000, 0, 0, 0);
    cr_assert_str_eq(kfk_lock_last_error(d), "");
    cr_assert_eq(acquire(&t, d, "k").err, KFK_ERR__REDIS);
    cr_assert_str_eq(kfk_lock_last_error(d), "redis 127.0.0.1:1: Connection refused");

    /* A held lock closed without a release: the key is deleted. */
    unique_key(key, sizeof key, "close-held");
    kfk_lock_t *e = lock_new(&t, addr, 5000, 0, 0, 0);
    cr_assert_eq(acquire(&t, e, key).err, 0);
    kfk_lock_t *locks[] = {d, e};
    tctx_finish(&t, locks, 2);
    side_get(side, key, val, sizeof val);
    cr_assert_str_eq(val, "");
    redisFree(side);
}

/* ---- allocation failures -------------------------------------------------------------------- */

Test(lock, every_allocation_failure_is_reported_and_leaves_nothing_behind) {
    const char *addr = kt_env_required("REDIS");
    char key[160];
    unique_key(key, sizeof key, "nomem");
    int through = 0;
    for (long n = 0; n < 64 && !through; n++) {
        tctx_t t;
        tctx_init(&t);
        kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
        o.redis = addr;
        o.ttl_ms = 2000;
        kfk_lock_t *l = NULL;
        op_t op = {0};
        kfk__mem_fail_after(n); /* the n+1-th allocation and every later one fail */
        kfk_err_t err = kfk_lock_new(&t.loop, &o, &l, NULL, 0);
        if (!err) {
            err = kfk_lock_acquire(l, key, on_acquired, &op);
            if (!err)
                run_until(&t, &op.done, 1, 5000);
        }
        kfk__mem_fail_after(-1);
        cr_assert(err == 0 || err == KFK_ERR__NOMEM, "step %ld: %s", n, kfk_err_name(err));
        if (!err) {
            cr_assert_eq(op.done, 1, "step %ld: no acquire callback", n);
            through = op.err == 0;
        }
        kfk_lock_t *locks[] = {l};
        tctx_finish(&t, locks, 1);
    }
    cr_assert(through, "never got through without a failure");
    fprintf(stderr, "lock: allocation failures injected at every step until the acquire went "
                    "through\n");
}

/* ---- soak: 32 clients, 8 keys, no two leases of a key overlap ---------------------------------
 */

#define SOAK_CLIENTS 32
#define SOAK_KEYS 8

typedef struct {
    int64_t fence;
    uint64_t start, end;
    int client;
} interval_t;

typedef struct soak soak_t;

typedef struct {
    soak_t *soak;
    int id;
    kfk_lock_t *lock;
    uv_timer_t timer;
    uint32_t rng;
    int key;
    int64_t fence;
    uint64_t start;
    uint64_t lost_at;
    int closed;
} client_t;

struct soak {
    tctx_t *t;
    char keys[SOAK_KEYS][160];
    client_t c[SOAK_CLIENTS];
    interval_t *iv[SOAK_KEYS];
    size_t n[SOAK_KEYS], cap[SOAK_KEYS];
    int stopping;
    int closed;
    uint64_t acquired, held, errors, lost, long_holds;
    int64_t renew_ms;
};

static uint32_t rnd(client_t *c) {
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 17;
    c->rng ^= c->rng << 5;
    return c->rng;
}

static void soak_next(client_t *c);

static void on_client_timer_closed(uv_handle_t *h) {
    client_t *c = h->data;
    c->closed++;
}

static void on_soak_lock_closed(kfk_lock_t *l, void *opaque) {
    (void)l;
    client_t *c = opaque;
    c->soak->closed++;
}

static void soak_record(client_t *c, uint64_t end) {
    soak_t *s = c->soak;
    int k = c->key;
    if (s->n[k] == s->cap[k]) {
        s->cap[k] = s->cap[k] ? 2 * s->cap[k] : 1024;
        s->iv[k] = realloc(s->iv[k], s->cap[k] * sizeof(interval_t));
        cr_assert(s->iv[k]);
    }
    s->iv[k][s->n[k]++] = (interval_t){c->fence, c->start, end, c->id};
}

static void on_soak_released(kfk_lock_t *l, kfk_err_t err, void *opaque) {
    (void)l;
    client_t *c = opaque;
    if (err && err != KFK_ERR__LOCK_LOST)
        c->soak->errors++;
    soak_next(c);
}

/* Ends the lease: the interval ends at the earlier of now (the release is sent now), the local
 * deadline, and the moment the loss was reported. */
static void soak_release(client_t *c) {
    uint64_t end = now_ns();
    uint64_t deadline = kfk__lock_deadline_ns(c->lock);
    if (deadline < end)
        end = deadline;
    if (c->lost_at && c->lost_at < end)
        end = c->lost_at;
    soak_record(c, end);
    cr_assert_eq(kfk_lock_release(c->lock, on_soak_released, c), 0);
}

static void on_hold_done(uv_timer_t *tm) {
    soak_release(tm->data);
}

static void on_soak_lost(kfk_lock_t *l, kfk_err_t reason, void *opaque) {
    (void)l;
    (void)reason;
    client_t *c = opaque;
    c->lost_at = now_ns();
    c->soak->lost++;
}

static void on_retry(uv_timer_t *tm) {
    soak_next(tm->data);
}

static void on_soak_acquired(kfk_lock_t *l, kfk_err_t err, int64_t fence, void *opaque) {
    (void)l;
    client_t *c = opaque;
    soak_t *s = c->soak;
    if (err == KFK_ERR__LOCK_HELD) {
        s->held++;
        soak_next(c); /* at once: hammering */
        return;
    }
    if (err) {
        s->errors++;
        uv_timer_start(&c->timer, on_retry, 10, 0);
        return;
    }
    s->acquired++;
    c->start = now_ns();
    c->fence = fence;
    c->lost_at = 0;
    uint32_t r = rnd(c) % 1000;
    if (r < 900) {
        soak_release(c); /* released right away */
    } else if (r < 995) {
        uv_timer_start(&c->timer, on_hold_done, rnd(c) % 3, 0);
    } else {
        /* Long enough for one to three renewals. */
        s->long_holds++;
        uint64_t hold = (uint64_t)s->renew_ms + rnd(c) % (uint64_t)(2 * s->renew_ms);
        uv_timer_start(&c->timer, on_hold_done, hold, 0);
    }
}

static void soak_next(client_t *c) {
    soak_t *s = c->soak;
    if (s->stopping) {
        if (!c->closed) {
            c->closed = -1; /* closing */
            kfk_lock_close(c->lock, on_soak_lock_closed, c);
            uv_close((uv_handle_t *)&c->timer, on_client_timer_closed);
        }
        return;
    }
    c->key = (int)(rnd(c) % SOAK_KEYS);
    kfk_err_t err = kfk_lock_acquire(c->lock, s->keys[c->key], on_soak_acquired, c);
    cr_assert_eq(err, 0, "%s", kfk_err_name(err));
}

static int cmp_start(const void *a, const void *b) {
    const interval_t *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

Test(lock, soak_32_clients_on_8_keys_never_hold_a_key_together, .timeout = 900) {
    const char *env = getenv("KFK_LOCK_SOAK_SECONDS");
    int seconds = env && atoi(env) > 0 ? atoi(env) : 10;
    tctx_t t;
    tctx_init(&t);
    const char *addr = kt_env_required("REDIS");
    soak_t *s = calloc(1, sizeof *s);
    s->t = &t;
    s->renew_ms = 100;
    for (int k = 0; k < SOAK_KEYS; k++) {
        char name[16];
        snprintf(name, sizeof name, "soak-%d", k);
        unique_key(s->keys[k], sizeof s->keys[k], name);
    }
    for (int i = 0; i < SOAK_CLIENTS; i++) {
        client_t *c = &s->c[i];
        c->soak = s;
        c->id = i;
        c->rng = 2463534242u + (uint32_t)i * 7919u;
        c->lock = lock_new(&t, addr, 400, s->renew_ms, 100, 0);
        kfk_lock_set_lost_cb(c->lock, on_soak_lost, c);
        uv_timer_init(&t.loop, &c->timer);
        c->timer.data = c;
        soak_next(c);
    }
    uint64_t t0 = now_ns();
    run_for(&t, (int64_t)seconds * 1000);
    double elapsed = (double)(now_ns() - t0) / 1e9;
    uint64_t acquired = s->acquired, held = s->held;
    kfk__lock_stats_t sum = {0};
    for (int i = 0; i < SOAK_CLIENTS; i++) {
        kfk__lock_stats_t st;
        kfk__lock_stats(s->c[i].lock, &st);
        sum.renews_sent += st.renews_sent;
        sum.renews_ok += st.renews_ok;
        sum.late_ticks += st.late_ticks;
        sum.connects += st.connects;
    }
    s->stopping = 1;
    run_until(&t, &s->closed, SOAK_CLIENTS, 20000);
    cr_assert_eq(s->closed, SOAK_CLIENTS, "%d of %d clients closed", s->closed, SOAK_CLIENTS);
    uv_close((uv_handle_t *)&t.tick, NULL);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "handles left on the loop");

    /* Per key: sorted by start, each lease must start after every earlier one ended, and fences
     * must rise in that order. */
    size_t checked = 0, overlaps = 0, fence_inversions = 0;
    uint64_t min_gap = UINT64_MAX;
    for (int k = 0; k < SOAK_KEYS; k++) {
        qsort(s->iv[k], s->n[k], sizeof(interval_t), cmp_start);
        uint64_t max_end = 0;
        int64_t max_fence = 0;
        for (size_t i = 0; i < s->n[k]; i++) {
            interval_t *iv = &s->iv[k][i];
            checked++;
            if (i && iv->start < max_end) {
                overlaps++;
                if (overlaps <= 5)
                    fprintf(stderr,
                            "OVERLAP key %d: fence %lld starts %.3f ms before the "
                            "previous lease ended\n",
                            k, (long long)iv->fence, (double)(max_end - iv->start) / 1e6);
            } else if (i && iv->start - max_end < min_gap) {
                min_gap = iv->start - max_end;
            }
            if (iv->fence <= max_fence)
                fence_inversions++;
            if (iv->end > max_end)
                max_end = iv->end;
            if (iv->fence > max_fence)
                max_fence = iv->fence;
        }
        free(s->iv[k]);
    }
    fprintf(stderr,
            "lock soak: %d clients, %d keys, %.1f s: %llu acquisitions (%.0f/s), %llu refused "
            "with LOCK_HELD (%.0f attempts/s), %llu long holds, %llu renewals (%llu ok), %llu late "
            "ticks, %llu connections, %llu lost, %llu errors; %zu intervals checked, %zu "
            "overlaps, %zu fence inversions, closest hand-over %.3f ms\n",
            SOAK_CLIENTS, SOAK_KEYS, elapsed, (unsigned long long)acquired,
            (double)acquired / elapsed, (unsigned long long)held,
            (double)(acquired + held) / elapsed, (unsigned long long)s->long_holds,
            (unsigned long long)sum.renews_sent, (unsigned long long)sum.renews_ok,
            (unsigned long long)sum.late_ticks, (unsigned long long)sum.connects,
            (unsigned long long)s->lost, (unsigned long long)s->errors, checked, overlaps,
            fence_inversions, min_gap == UINT64_MAX ? 0.0 : (double)min_gap / 1e6);
    cr_assert_eq(overlaps, 0, "%zu overlapping leases", overlaps);
    cr_assert_eq(fence_inversions, 0);
    cr_assert_gt(acquired, (uint64_t)seconds * 100, "too few acquisitions");
    cr_assert_gt(s->long_holds, 0);
    cr_assert_gt(sum.renews_ok, 0, "long holds were renewed");
    free(s);
}
