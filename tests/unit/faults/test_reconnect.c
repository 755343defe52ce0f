/*
 * test_reconnect.c: the client's one backoff rule for connections, against the in-process mock.
 * A broker that accepts connections and then breaks them (closes before answering, answers
 * with a wrong correlation id, answers with a Metadata body that does not decode) must meet the
 * same exponential reconnect schedule as a broker that refuses connections: the number of
 * connections the mock sees (one ApiVersions each) stays within what reconnect.backoff.ms /
 * reconnect.backoff.max.ms allow over the time the client kept asking. Before the rule, such a
 * broker saw thousands of connections a second. Settings of 0 mean a 10 ms floor: with
 * reconnect.backoff.ms=0 and reconnect.backoff.max.ms=0 the client reconnected in a loop.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "support.h"
#include "schedule.h"

#define BACKOFF_MS 100
#define BACKOFF_MAX_MS 800
#define WINDOW_MS 2500

typedef struct {
    uv_loop_t loop;
    uv_timer_t window;
    kfk_mock_t *mock;
    kfk_admin_t *admin;
    uint64_t start, end;
    int answers, ok_answers, stopping;
    kfk_err_t last_err;
    uint64_t conns, metadata_reqs; /* counted by the mock when the window ended */
} rc_t;

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque);

static void ask(rc_t *t) {
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_admin_metadata(t->admin, topics, 1, on_md, t), KFK_ERR_NONE);
}

/* Every answer (an error, since every attempt breaks) is asked again at once, as an impatient
 * application would: only the client's backoff stands between it and a storm. */
static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    (void)md;
    rc_t *t = opaque;
    t->answers++;
    if (!err)
        t->ok_answers++;
    t->last_err = err;
    if (!t->stopping && err != KFK_ERR__DESTROYED)
        ask(t);
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    rc_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void on_window(uv_timer_t *h) {
    rc_t *t = h->data;
    t->stopping = 1;
    t->end = uv_now(&t->loop);
    /* Every connection sends ApiVersions first: its count is the connection count. */
    t->conns = kfk_mock_requests(t->mock, KFK_API_API_VERSIONS);
    t->metadata_reqs = kfk_mock_requests(t->mock, KFK_API_METADATA);
    uv_close((uv_handle_t *)&t->window, NULL);
    kfk_admin_close(t->admin, on_admin_closed, t);
}

/* Runs the client against a mock bent by @p fault for WINDOW_MS. */
static void run(const char *fault, rc_t *t, int base_ms, int max_ms) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 1, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_parse(t->mock, fault, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_t *conf = kfk_conf_new();
    char v[32];
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    snprintf(v, sizeof v, "%d", base_ms);
    cr_assert_eq(kfk_conf_set(conf, "reconnect.backoff.ms", v, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", max_ms);
    cr_assert_eq(kfk_conf_set(conf, "reconnect.backoff.max.ms", v, errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_admin_new(&t->loop, conf, &t->admin, errstr, sizeof errstr), KFK_ERR_NONE,
                 "%s", errstr);
    kfk_conf_free(conf);
    uv_timer_init(&t->loop, &t->window);
    t->window.data = t;
    t->start = uv_now(&t->loop);
    uv_timer_start(&t->window, on_window, WINDOW_MS, 0);
    ask(t);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

static void check_with(const char *fault, int base_ms, int max_ms, int floor_ms) {
    rc_t t;
    run(fault, &t, base_ms, max_ms);
    uint64_t elapsed = t.end - t.start;
    int bound = kt_schedule_bound(elapsed, base_ms > floor_ms ? base_ms : floor_ms,
                                  max_ms > floor_ms ? max_ms : floor_ms);
    cr_log_info("%s: %llu connections, %llu Metadata requests in %llu ms (bound %d), %d "
                "answers, last %s",
                fault, (unsigned long long)t.conns, (unsigned long long)t.metadata_reqs,
                (unsigned long long)elapsed, bound, t.answers, kfk_err_name(t.last_err));
    cr_expect_eq(t.ok_answers, 0, "a broken broker gave a usable answer");
    cr_expect_geq(t.conns, 2, "the client did not try again (%llu connections)",
                  (unsigned long long)t.conns);
    cr_expect_leq(t.conns, (uint64_t)bound,
                  "%llu connections in %llu ms: more than the backoff schedule allows (%d)",
                  (unsigned long long)t.conns, (unsigned long long)elapsed, bound);
}

static void check(const char *fault) {
    check_with(fault, BACKOFF_MS, BACKOFF_MAX_MS, 0);
}

Test(reconnect, backoff_settings_of_zero_still_wait_10_ms) {
    /* About 250 connections in the window at most, not thousands. */
    check_with("api=Metadata,close=before,count=all", 0, 0, 10);
}

Test(reconnect, a_broker_that_closes_before_answering_is_backed_off) {
    check("api=Metadata,close=before,count=all");
}

Test(reconnect, a_broker_that_answers_with_a_wrong_correlation_id_is_backed_off) {
    /* A whole frame of 8 bytes: size 4, correlation id 0x7fffffff (never one kfk sent). */
    check("api=Metadata,replace=000000047fffffff,count=all");
}

Test(reconnect, a_broker_whose_metadata_answer_does_not_decode_is_backed_off) {
    /* Metadata v12 answer: size (4), correlation (4), header tags (1), throttle (4), then the
     * brokers' compact array length at byte 13: a 5-byte varint far past the end. */
    check("api=Metadata,patch=13:ffffffff07,count=all");
}

Test(reconnect, a_broker_whose_frames_are_cut_short_is_backed_off) {
    check("api=Metadata,truncate=10,count=all");
}

Test(reconnect, a_broker_whose_api_versions_lack_metadata_is_backed_off) {
    /* The mock's ApiVersions v3 answer lists Metadata (key 3) as its fourth key, at byte 32 of
     * the frame: 0x7ff0 there leaves the broker with no Metadata version. Before, such a
     * broker counted as up and every request failed at once: a busy loop. */
    check("api=ApiVersions,patch=32:7ff0,count=all");
}
