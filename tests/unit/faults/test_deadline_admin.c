/*
 * test_deadline_admin.c: every admin call ends with its callback by its deadline, carrying the
 * last cause, however the broker fails: a Metadata answer that does not decode (KFK_ERR__BAD_MSG
 * and "malformed Metadata v12 response ... at byte 13: brokers: ..." from kfk_admin_errstr), a
 * broker that never answers, nothing listening ("connection refused"), and CreateTopics /
 * DeleteTopics against the same. Before, kfk_admin_metadata against a broker that kept failing
 * called back only after request.timeout.ms (30 s by default) with "Operation timed out", or
 * when the admin closed. Each test has a watchdog that closes the admin if no callback came in
 * 10 s: the callback then reports KFK_ERR__DESTROYED, which fails the test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "support.h"

#define WATCHDOG_MS 10000

typedef struct {
    uv_loop_t loop;
    uv_timer_t watchdog;
    kfk_mock_t *mock;
    kfk_admin_t *admin;
    int calls;
    kfk_err_t err;
    char errstr[512];
    uint64_t start, took;
    uint64_t md_reqs; /* Metadata requests the mock saw when the callback came */
} dl_t;

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    dl_t *t = opaque;
    if (t->mock)
        kfk_mock_close(t->mock, kt_mock_closed, t);
}

/* Records the outcome and closes everything (from inside the callback, as kfk allows). */
static void done(dl_t *t, kfk_admin_t *a, kfk_err_t err) {
    t->calls++;
    t->err = err;
    t->took = uv_now(&t->loop) - t->start;
    snprintf(t->errstr, sizeof t->errstr, "%s", kfk_admin_errstr(a));
    if (t->mock)
        t->md_reqs = kfk_mock_requests(t->mock, KFK_API_METADATA);
    if (!uv_is_closing((uv_handle_t *)&t->watchdog))
        uv_close((uv_handle_t *)&t->watchdog, NULL);
    kfk_admin_close(a, on_admin_closed, t);
}

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)md;
    done(opaque, a, err);
}

static void on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                      void *opaque) {
    (void)res;
    (void)n;
    done(opaque, a, err);
}

static void on_watchdog(uv_timer_t *h) {
    dl_t *t = h->data;
    uv_close((uv_handle_t *)&t->watchdog, NULL);
    kfk_admin_close(t->admin, on_admin_closed, t);
}

/* A loop, a mock bent by @p fault (NULL: no mock, bootstrap 127.0.0.1:1 where nothing
 * listens) and an admin with @p request_timeout_ms. */
static void setup(dl_t *t, const char *fault, int request_timeout_ms) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512], v[32];
    const char *bootstrap = "127.0.0.1:1";
    if (fault) {
        kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
        cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s", errstr);
        cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 1, 1), KFK_ERR_NONE);
        if (fault[0])
            cr_assert_eq(kfk_mock_fault_parse(t->mock, fault, errstr, sizeof errstr), KFK_ERR_NONE,
                         "%s", errstr);
        bootstrap = kfk_mock_bootstrap(t->mock);
    }
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "reconnect.backoff.ms", "50", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "reconnect.backoff.max.ms", "400", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "log_level", "3", errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", request_timeout_ms);
    cr_assert_eq(kfk_conf_set(conf, "request.timeout.ms", v, errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_admin_new(&t->loop, conf, &t->admin, errstr, sizeof errstr), KFK_ERR_NONE,
                 "%s", errstr);
    kfk_conf_free(conf);
    uv_timer_init(&t->loop, &t->watchdog);
    t->watchdog.data = t;
    uv_timer_start(&t->watchdog, on_watchdog, WATCHDOG_MS, 0);
    t->start = uv_now(&t->loop);
}

static void run(dl_t *t) {
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
    cr_log_info("callback after %llu ms: %s: %s", (unsigned long long)t->took, kfk_err_name(t->err),
                t->errstr);
    cr_assert_eq(t->calls, 1, "%d callbacks", t->calls);
    cr_assert_neq(t->err, KFK_ERR__DESTROYED, "no callback before the watchdog closed the admin");
}

static kfk_admin_opts_t timeout(int32_t ms) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = ms;
    return o;
}

Test(deadline_admin, metadata_from_a_lying_broker_ends_by_its_timeout_with_the_decode_error) {
    dl_t t;
    setup(&t, "api=Metadata,patch=13:ffffffff07,count=all", 30000);
    kfk_admin_opts_t o = timeout(1500);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__BAD_MSG, "%s", kfk_err_name(t.err));
    cr_assert(strstr(t.errstr, "malformed Metadata v12 response from broker -1 at byte 13: "
                               "brokers: count 2147483646 past the end"),
              "%s", t.errstr);
}

Test(deadline_admin, metadata_without_options_ends_by_request_timeout_ms) {
    dl_t t;
    setup(&t, "api=Metadata,patch=13:ffffffff07,count=all", 1500);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_admin_metadata(t.admin, topics, 1, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__BAD_MSG, "%s", kfk_err_name(t.err));
    cr_assert(strstr(t.errstr, "malformed Metadata"), "%s", t.errstr);
}

Test(deadline_admin, metadata_from_a_silent_broker_ends_by_its_timeout) {
    dl_t t;
    setup(&t, "api=Metadata,silence,count=all", 30000);
    kfk_admin_opts_t o = timeout(1000);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__TIMED_OUT, "%s", kfk_err_name(t.err));
    cr_assert_neq(t.errstr[0], '\0');
}

Test(deadline_admin, metadata_with_nothing_listening_says_connection_refused) {
    dl_t t;
    setup(&t, NULL, 30000);
    kfk_admin_opts_t o = timeout(1000);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__TRANSPORT, "%s", kfk_err_name(t.err));
    cr_assert(strstr(t.errstr, "connection refused"), "%s", t.errstr);
}

Test(deadline_admin, a_metadata_timeout_longer_than_request_timeout_keeps_trying) {
    /* Rounds give up after request.timeout.ms (300); the call goes on to its own 1500 ms and
     * still reports the decode error, not a bare timeout. */
    dl_t t;
    setup(&t, "api=Metadata,patch=13:ffffffff07,count=all", 300);
    kfk_admin_opts_t o = timeout(1500);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__BAD_MSG, "%s", kfk_err_name(t.err));
    cr_assert_geq(t.took, 1400, "ended after %llu ms, before its own timeout",
                  (unsigned long long)t.took);
    cr_assert_geq(t.md_reqs, 2, "%llu Metadata requests", (unsigned long long)t.md_reqs);
}

Test(deadline_admin, metadata_from_a_healthy_broker_has_no_errstr) {
    dl_t t;
    setup(&t, "", 30000);
    kfk_admin_opts_t o = timeout(5000);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR_NONE, "%s: %s", kfk_err_name(t.err), t.errstr);
    cr_assert_str_eq(t.errstr, "");
}

Test(deadline_admin, create_topics_with_nothing_listening_ends_by_its_timeout) {
    dl_t t;
    setup(&t, NULL, 30000);
    kfk_new_topic_t nt = {"x", 1, 1, NULL, 0};
    kfk_admin_opts_t o = timeout(1000);
    cr_assert_eq(kfk_admin_create_topics_opts(t.admin, &nt, 1, &o, on_topics, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__TRANSPORT, "%s", kfk_err_name(t.err));
    cr_assert(strstr(t.errstr, "connection refused"), "%s", t.errstr);
}

Test(deadline_admin, delete_topics_against_a_silent_broker_ends_by_its_timeout) {
    dl_t t;
    setup(&t, "api=DeleteTopics,silence,count=all", 30000);
    const char *names[] = {"t"};
    kfk_admin_opts_t o = timeout(1000);
    cr_assert_eq(kfk_admin_delete_topics_opts(t.admin, names, 1, &o, on_topics, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR__TIMED_OUT, "%s: %s", kfk_err_name(t.err), t.errstr);
}

Test(deadline_admin, create_topics_with_a_malformed_answer_names_it) {
    dl_t t;
    setup(&t, "api=CreateTopics,truncate=12,count=all", 30000);
    kfk_new_topic_t nt = {"x", 1, 1, NULL, 0};
    kfk_admin_opts_t o = timeout(2000);
    cr_assert_eq(kfk_admin_create_topics_opts(t.admin, &nt, 1, &o, on_topics, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_neq(t.err, KFK_ERR_NONE);
    cr_assert_neq(t.errstr[0], '\0');
}

Test(deadline_admin, a_negative_timeout_is_refused_without_a_callback) {
    dl_t t;
    setup(&t, "", 30000);
    kfk_admin_opts_t o = timeout(-1);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR__INVALID_ARG);
    o = timeout(2000);
    cr_assert_eq(kfk_admin_metadata_opts(t.admin, NULL, 0, &o, on_md, &t), KFK_ERR_NONE);
    run(&t);
    cr_assert_eq(t.err, KFK_ERR_NONE);
}
