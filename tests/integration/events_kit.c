/*
 * events_kit.c: the loop, clients and topics shared by the events integration tests
 * (test_events.c, test_events_formats.c); see events_kit.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "events_kit.h"

/* ---- the loop ------------------------------------------------------------------------------ */

uv_loop_t ek_loop;
static uv_timer_t tick;

static void on_tick(uv_timer_t *t) {
    (void)t;
}

uint64_t ek_now_ms(void) {
    return uv_hrtime() / 1000000u;
}

/* Runs the loop until @p cond(arg) or @p timeout_ms; returns cond's last value. */
int ek_run_until(int (*cond)(void *), void *arg, int64_t timeout_ms) {
    uint64_t end = ek_now_ms() + (uint64_t)timeout_ms;
    uv_timer_start(&tick, on_tick, 5, 5);
    int ok;
    while (!(ok = cond(arg)) && ek_now_ms() < end)
        uv_run(&ek_loop, UV_RUN_ONCE);
    uv_timer_stop(&tick);
    return ok;
}

static int int_reached(void *arg) {
    int *p = arg;
    return p[0] >= p[1];
}

/* Runs until *v >= want. */
int ek_wait_int(int *v, int want, int64_t timeout_ms) {
    int pair[2];
    uint64_t end = ek_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        pair[0] = *v;
        pair[1] = want;
        if (int_reached(pair))
            return 1;
        if (ek_now_ms() >= end)
            return 0;
        uv_timer_start(&tick, on_tick, 5, 5);
        uv_run(&ek_loop, UV_RUN_ONCE);
        uv_timer_stop(&tick);
    }
}

static int never(void *arg) {
    (void)arg;
    return 0;
}

void ek_run_for(int64_t ms) {
    ek_run_until(never, NULL, ms);
}

void ek_setup(void) {
    cr_assert_eq(uv_loop_init(&ek_loop), 0);
    uv_timer_init(&ek_loop, &tick);
}

static void walk_close(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void ek_teardown(void) {
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&ek_loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&ek_loop);
    if (rc != 0) {
        uv_walk(&ek_loop, walk_close, NULL);
        uv_run(&ek_loop, UV_RUN_DEFAULT);
        cr_expect_eq(rc, 0, "handles left open on the loop");
        uv_loop_close(&ek_loop);
    }
}

/* ---- clients ----------------------------------------------------------------------------- */

kfk_conf_t *ek_conf_base(void) {
    kfk_conf_t *c = kfk_conf_new();
    char err[256];
    cr_assert_eq(
        kfk_conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"), err, sizeof err), 0,
        "%s", err);
    return c;
}

void ek_conf_put(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    cr_assert_eq(kfk_conf_set(c, k, v, err, sizeof err), 0, "%s=%s: %s", k, v, err);
}

void ek_unique_name(char *out, size_t cap, const char *what) {
    static int seq;
    snprintf(out, cap, "kfk-ev-%s-%d-%lld-%d", what, (int)getpid(), (long long)time(NULL), seq++);
}

static int topics_done;

static void on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *r, size_t n,
                      void *opaque) {
    (void)a;
    (void)opaque;
    cr_expect_eq(err, 0, "create topics: %s", kfk_err_name(err));
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(r[i].err, 0, "%s: %s", r[i].name, kfk_err_name(r[i].err));
    topics_done = 1;
}

static int admin_closed;

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
    admin_closed = 1;
}

void ek_make_topic(const char *name, int32_t partitions) {
    kfk_conf_t *c = ek_conf_base();
    kfk_admin_t *a;
    char err[256];
    cr_assert_eq(kfk_admin_new(&ek_loop, c, &a, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    kfk_new_topic_t nt = {name, partitions, 1, NULL, 0};
    topics_done = 0;
    cr_assert_eq(kfk_admin_create_topics(a, &nt, 1, 15000, on_topics, NULL), 0);
    cr_assert(ek_wait_int(&topics_done, 1, 30000), "create %s timed out", name);
    admin_closed = 0;
    kfk_admin_close(a, on_admin_closed, NULL);
    cr_assert(ek_wait_int(&admin_closed, 1, 10000));
}

kfk_producer_t *ek_producer(void) {
    kfk_conf_t *c = ek_conf_base();
    ek_conf_put(c, "linger.ms", "1");
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&ek_loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    return p;
}

static int producer_closed;

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
    producer_closed++;
}

void ek_producer_close(kfk_producer_t *p) {
    int want = producer_closed + 1;
    kfk_producer_set_close_timeout(p, 10000);
    kfk_producer_close(p, on_producer_closed, NULL);
    cr_assert(ek_wait_int(&producer_closed, want, 20000));
}

kfk_consumer_t *ek_group_consumer(const char *topic, const char *group) {
    kfk_conf_t *c = ek_conf_base();
    ek_conf_put(c, "group.id", group);
    ek_conf_put(c, "auto.offset.reset", "earliest");
    ek_conf_put(c, "batch.timeout.ms", "50");
    ek_conf_put(c, "session.timeout.ms", "10000");
    ek_conf_put(c, "heartbeat.interval.ms", "500");
    kfk_consumer_t *k;
    char err[256];
    cr_assert_eq(kfk_consumer_new(&ek_loop, c, &k, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    const char *topics[] = {topic};
    cr_assert_eq(kfk_consumer_subscribe(k, topics, 1), 0);
    return k;
}

static int consumer_closed;

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    (void)opaque;
    consumer_closed++;
}

void ek_consumer_close(kfk_consumer_t *k) {
    int want = consumer_closed + 1;
    kfk_consumer_set_close_timeout(k, 5000);
    kfk_consumer_close(k, on_consumer_closed, NULL);
    cr_assert(ek_wait_int(&consumer_closed, want, 30000));
}

/* Sends one raw record (for bad envelopes) and waits for it. */
static int raw_sent;

static void on_raw_sent(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    (void)opaque;
    cr_expect_eq(d->err, 0, "%s", kfk_err_name(d->err));
    raw_sent++;
}

void ek_send_raw(kfk_producer_t *p, const char *topic, int32_t partition, const void *v,
                 size_t len) {
    kfk_record_t r;
    memset(&r, 0, sizeof r);
    r.topic = topic;
    r.partition = partition;
    r.value = v;
    r.value_len = len;
    int want = raw_sent + 1;
    cr_assert_eq(kfk_producer_send(p, &r, on_raw_sent, NULL), 0);
    cr_assert(ek_wait_int(&raw_sent, want, 20000));
}
