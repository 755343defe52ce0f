/*
 * test_admin_configs.c: the admin client's config, partition, record and cluster calls
 * (admin_configs.c) against the in-process mock, which serves none of their APIs and, since
 * aee4d14, does not advertise them: each call ends at once with KFK_ERR__NO_COMMON_VERSION and
 * kfk_admin_errstr naming the API (it neither hangs nor waits for its deadline); bad arguments
 * are refused with no callback; a call no broker answers ends by its deadline with the cause;
 * close ends a pending call with KFK_ERR__DESTROYED. Each test has a watchdog of 20 s.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

typedef struct {
    uv_loop_t loop;
    uv_timer_t watchdog;
    kfk_mock_t *mock;
    kfk_admin_t *admin;
    int timed_out, stopped, calls, expected;
    uint64_t last;   /* uv_now at the last callback */
    char text[4096]; /* one line per callback: "api:ERR:errstr" */
} ac_t;

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ac_t *t = opaque;
    if (t->mock)
        kfk_mock_close(t->mock, on_mock_closed, t);
}

static void stop(ac_t *t) {
    if (t->stopped)
        return;
    t->stopped = 1;
    uv_close((uv_handle_t *)&t->watchdog, NULL);
    kfk_admin_close(t->admin, on_admin_closed, t);
}

static void on_watchdog(uv_timer_t *h) {
    ac_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

/* A loop, a 1-broker mock with topic "t" (2 partitions) unless @p no_mock (then nothing listens
 * at the bootstrap address), and an admin. */
static void setup(ac_t *t, int no_mock) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    const char *bootstrap = "127.0.0.1:1";
    if (!no_mock) {
        kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
        mo.brokers = 1;
        mo.auto_create_topics = 0;
        cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s", errstr);
        cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 2, 1), KFK_ERR_NONE);
        bootstrap = kfk_mock_bootstrap(t->mock);
    }
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.ms", "10", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_admin_new(&t->loop, conf, &t->admin, errstr, sizeof errstr), KFK_ERR_NONE,
                 "%s", errstr);
    kfk_conf_free(conf);
    uv_timer_init(&t->loop, &t->watchdog);
    t->watchdog.data = t;
    uv_timer_start(&t->watchdog, on_watchdog, 20000, 0);
}

static void run(ac_t *t) {
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
    cr_assert_eq(t->timed_out, 0, "the watchdog fired after %d calls: %s", t->calls, t->text);
}

/* Records "api:ERR:errstr" and stops once every expected callback ran. */
static void saw(ac_t *t, const char *api, kfk_err_t err) {
    size_t len = strlen(t->text);
    snprintf(t->text + len, sizeof t->text - len, "%s:%s:%s\n", api, kfk_err_name(err),
             kfk_admin_errstr(t->admin));
    t->last = uv_now(&t->loop);
    if (++t->calls == t->expected)
        stop(t);
}

static void on_configs(kfk_admin_t *a, kfk_err_t err, const kfk_config_resource_t *r, size_t n,
                       void *opaque) {
    (void)a;
    cr_expect(err == KFK_ERR_NONE || (r == NULL && n == 0), "a failed call has no results");
    saw(opaque, n ? "configs-results" : "configs", err);
}

static void on_alter(kfk_admin_t *a, kfk_err_t err, const kfk_config_resource_t *r, size_t n,
                     void *opaque) {
    (void)a;
    (void)r;
    (void)n;
    saw(opaque, "alter", err);
}

static void on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *r, size_t n,
                      void *opaque) {
    (void)a;
    (void)r;
    (void)n;
    saw(opaque, "partitions", err);
}

static void on_offsets(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *o, size_t n,
                       void *opaque) {
    (void)a;
    (void)o;
    (void)n;
    saw(opaque, "records", err);
}

static void on_cluster(kfk_admin_t *a, kfk_err_t err, const kfk_cluster_t *c, void *opaque) {
    (void)a;
    cr_expect(err == KFK_ERR_NONE || c == NULL);
    saw(opaque, "cluster", err);
}

Test(admin_configs, refuses_bad_arguments_with_no_callback) {
    ac_t t;
    setup(&t, 1);
    kfk_config_resource_t bad_type = {3, "t", 0, NULL, NULL, 0};
    kfk_config_resource_t bad_broker = {KFK_RESOURCE_BROKER, "one", 0, NULL, NULL, 0};
    kfk_config_resource_t no_topic = {KFK_RESOURCE_TOPIC, "", 0, NULL, NULL, 0};
    kfk_config_resource_t ok = {KFK_RESOURCE_TOPIC, "t", 0, NULL, NULL, 0};
    kfk_config_op_t bad_op = {"retention.ms", 7, "1"};
    kfk_config_op_t no_value = {"retention.ms", KFK_CONFIG_OP_SET, NULL};
    kfk_new_partitions_t zero = {"t", 0};
    kfk_partition_offset_t below = {"t", 0, -2, -1, -1, NULL, 0};
    kfk_admin_opts_t neg = KFK_ADMIN_OPTS_INIT;
    neg.timeout_ms = -1;
    kfk_admin_t *a = t.admin;
    cr_expect_eq(kfk_admin_describe_configs(a, &ok, 0, NULL, on_configs, &t), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_describe_configs(a, &bad_type, 1, NULL, on_configs, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_describe_configs(a, &bad_broker, 1, NULL, on_configs, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_describe_configs(a, &no_topic, 1, NULL, on_configs, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_describe_configs(a, &ok, 1, NULL, NULL, &t), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_describe_configs(a, &ok, 1, &neg, on_configs, &t), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_incremental_alter_configs(a, KFK_RESOURCE_TOPIC, "t", &bad_op, 1, NULL,
                                                     on_alter, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_incremental_alter_configs(a, KFK_RESOURCE_TOPIC, "t", &no_value, 1, NULL,
                                                     on_alter, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_incremental_alter_configs(a, KFK_RESOURCE_TOPIC, NULL, &bad_op, 1, NULL,
                                                     on_alter, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_create_partitions(a, &zero, 1, NULL, on_topics, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_delete_records(a, &below, 1, NULL, on_offsets, &t),
                 KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_describe_cluster(a, NULL, NULL, &t), KFK_ERR__INVALID_ARG);
    stop(&t);
    cr_expect_eq(kfk_admin_describe_cluster(a, NULL, on_cluster, &t), KFK_ERR__DESTROYED);
    cr_expect_eq(kfk_admin_describe_configs(a, &ok, 1, NULL, on_configs, &t), KFK_ERR__DESTROYED);
    run(&t);
    cr_expect_eq(t.calls, 0, "a refused call ran its callback: %s", t.text);
}

/* The mock advertises none of these APIs: every call ends at once (not by its 15 s deadline)
 * with NO_COMMON_VERSION, the cause naming the API. */
Test(admin_configs, each_api_the_broker_does_not_advertise_ends_at_once_naming_it) {
    ac_t t;
    setup(&t, 0);
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = 15000;
    kfk_config_resource_t res = {KFK_RESOURCE_TOPIC, "t", 0, NULL, NULL, 0};
    kfk_config_op_t set = {"retention.ms", KFK_CONFIG_OP_SET, "1000"};
    kfk_new_partitions_t np = {"t", 3};
    kfk_partition_offset_t p = {"t", 1, 2, -1, -1, NULL, 0};
    t.expected = 5;
    kfk_admin_t *a = t.admin;
    cr_assert_eq(kfk_admin_describe_configs(a, &res, 1, &o, on_configs, &t), KFK_ERR_NONE);
    cr_assert_eq(
        kfk_admin_incremental_alter_configs(a, KFK_RESOURCE_TOPIC, "t", &set, 1, &o, on_alter, &t),
        KFK_ERR_NONE);
    cr_assert_eq(kfk_admin_create_partitions(a, &np, 1, &o, on_topics, &t), KFK_ERR_NONE);
    cr_assert_eq(kfk_admin_delete_records(a, &p, 1, &o, on_offsets, &t), KFK_ERR_NONE);
    cr_assert_eq(kfk_admin_describe_cluster(a, &o, on_cluster, &t), KFK_ERR_NONE);
    cr_expect_eq(t.calls, 0, "a callback ran inside its call");
    uint64_t start = uv_now(&t.loop);
    run(&t);
    cr_expect_lt(t.last - start, 15000, "a call waited for its deadline:\n%s", t.text);
    cr_expect(!strstr(t.text, "broker -"), "a bootstrap server named by its node id:\n%s", t.text);
    cr_expect_eq(t.calls, 5);
    int ncv = 0;
    for (const char *q = t.text; (q = strstr(q, ":_NO_COMMON_VERSION:")) != NULL; q++)
        ncv++;
    cr_expect_eq(ncv, 5, "each call ends with _NO_COMMON_VERSION:\n%s", t.text);
    const char *apis[] = {"DescribeConfigs", "IncrementalAlterConfigs", "CreatePartitions",
                          "DeleteRecords", "DescribeCluster"};
    for (size_t i = 0; i < 5; i++) {
        char line[256];
        snprintf(line, sizeof line, " does not support %s at a version kfk speaks\n", apis[i]);
        cr_expect(strstr(t.text, line), "no line has \"%s\":\n%s", line, t.text);
    }
}

Test(admin_configs, a_call_no_broker_answers_ends_by_its_deadline_with_the_cause) {
    ac_t t;
    setup(&t, 1);
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = 300;
    t.expected = 2;
    kfk_config_resource_t res = {KFK_RESOURCE_TOPIC, "t", 0, NULL, NULL, 0};
    cr_assert_eq(kfk_admin_describe_cluster(t.admin, &o, on_cluster, &t), KFK_ERR_NONE);
    cr_assert_eq(kfk_admin_describe_configs(t.admin, &res, 1, &o, on_configs, &t), KFK_ERR_NONE);
    run(&t);
    cr_expect_eq(t.calls, 2);
    cr_expect(strstr(t.text, "cluster:_TRANSPORT:") && strstr(t.text, "refused"), "%s", t.text);
    cr_expect(strstr(t.text, "configs:_TRANSPORT:"), "%s", t.text);
}

static void close_now(uv_timer_t *h) {
    stop(h->data);
}

/* A call still connecting when the admin closes ends with _DESTROYED before the close ends. */
Test(admin_configs, close_ends_a_pending_call_with_destroyed) {
    ac_t t;
    setup(&t, 1);
    t.expected = 99;
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = 10000;
    cr_assert_eq(kfk_admin_describe_cluster(t.admin, &o, on_cluster, &t), KFK_ERR_NONE);
    uv_timer_stop(&t.watchdog);
    uv_timer_start(&t.watchdog, close_now, 50, 0);
    run(&t);
    cr_expect_str_eq(t.text, "cluster:_DESTROYED:the admin client was closed\n");
}
