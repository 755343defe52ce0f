/*
 * test_admin_groups.c: the admin client's group and offset calls (admin_groups.c) against the
 * in-process mock cluster (3 brokers, so groups have different coordinators and ListGroups is
 * merged from several answers): list and describe a group with a live kfk member (its client id
 * and decoded assignment), the refusal of an admin commit while the group has members (with its
 * cause in words), commits and reads of an empty group's offsets, ListOffsets with unknown
 * partitions, coordinator errors retried, and the deadline and close of a call that cannot
 * succeed. Each test has a watchdog that closes everything after 20 s.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

typedef struct ag ag_t;
typedef void (*step_fn)(ag_t *t);

struct ag {
    uv_loop_t loop;
    uv_timer_t watchdog;
    kfk_mock_t *mock;
    kfk_admin_t *admin;
    kfk_consumer_t *c;
    int timed_out, stopped, assigned;
    step_fn on_assigned;
    /* what the callbacks saw */
    int calls;
    kfk_err_t err;
    char errstr[512];
    char text[4096]; /* the results, as text the test compares */
    uint64_t took;
    uint64_t start;
};

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ag_t *t = opaque;
    if (t->mock)
        kfk_mock_close(t->mock, on_mock_closed, t);
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ag_t *t = opaque;
    kfk_admin_close(t->admin, on_admin_closed, t);
}

/* Closes the consumer (if any), the admin, then the mock. */
static void stop(ag_t *t) {
    if (t->stopped)
        return;
    t->stopped = 1;
    uv_close((uv_handle_t *)&t->watchdog, NULL);
    if (t->c) {
        kfk_consumer_set_close_timeout(t->c, 0);
        kfk_consumer_close(t->c, on_consumer_closed, t);
    } else {
        kfk_admin_close(t->admin, on_admin_closed, t);
    }
}

static void on_watchdog(uv_timer_t *h) {
    ag_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

/* A loop, a 3-broker mock with topic "t" (4 partitions) unless @p no_mock (then nothing listens
 * at the bootstrap address), and an admin. */
static void setup(ag_t *t, int no_mock) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    const char *bootstrap = "127.0.0.1:1";
    if (!no_mock) {
        kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
        mo.brokers = 3;
        mo.auto_create_topics = 0;
        mo.group_rebalance_delay_ms = 0;
        cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s", errstr);
        cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 4, 1), KFK_ERR_NONE);
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
    t->start = uv_now(&t->loop);
}

static void run(ag_t *t) {
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
    cr_assert_eq(t->timed_out, 0, "the watchdog fired (calls %d, last %s: %s)", t->calls,
                 kfk_err_name(t->err), t->errstr);
}

/* Records a callback's outcome. */
static void saw(ag_t *t, kfk_admin_t *a, kfk_err_t err) {
    t->calls++;
    t->err = err;
    t->took = uv_now(&t->loop) - t->start;
    snprintf(t->errstr, sizeof t->errstr, "%s", kfk_admin_errstr(a));
}

static void append(ag_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(ag_t *t, const char *fmt, ...) {
    size_t len = strlen(t->text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->text + len, sizeof t->text - len, fmt, ap);
    va_end(ap);
}

/* ---- a group with a live member ----------------------------------------------------------- */

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    (void)opaque;
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    (void)parts;
    ag_t *t = opaque;
    if (ev == KFK_REBALANCE_ASSIGNED && n > 0 && !t->assigned++ && t->on_assigned)
        t->on_assigned(t);
}

/* A kfk consumer (client.id "member-1") in group "g" subscribed to "t". */
static void add_member(ag_t *t) {
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        0);
    cr_assert_eq(kfk_conf_set(conf, "group.id", "g", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "client.id", "member-1", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t->c, on_rebalance, t);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(t->c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
}

static void on_alter_refused(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                             size_t n, void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "alter:%s:%zu", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %s/%d=%s", offs[i].topic, offs[i].partition, kfk_err_name(offs[i].err));
    stop(t);
}

static void on_describe(kfk_admin_t *a, kfk_err_t err, const kfk_group_description_t *gs, size_t n,
                        void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "describe:%s:%zu\n", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++) {
        const kfk_group_description_t *g = &gs[i];
        append(t, "%s %s %s %s %s members=%zu coord=%s\n", g->group_id, kfk_err_name(g->err),
               g->state, g->protocol_type, g->protocol[0] ? "proto" : "-", g->member_cnt,
               g->coordinator >= 1 && g->coordinator <= 3 ? "ok" : "bad");
        for (size_t k = 0; k < g->member_cnt; k++) {
            const kfk_group_member_t *m = &g->members[k];
            append(t, " member %s %s %s", m->client_id, m->host,
                   strncmp(m->member_id, "member-1-", 9) ? "bad-id" : "id");
            for (size_t j = 0; j < m->assignment_cnt; j++) {
                append(t, " %s:", m->assignment[j].topic);
                for (int32_t p = 0; p < m->assignment[j].partition_cnt; p++)
                    append(t, "%s%d", p ? "," : "", m->assignment[j].partitions[p]);
            }
            append(t, "\n");
        }
    }
    if (err) {
        stop(t);
        return;
    }
    kfk_partition_offset_t o = {"t", 0, 5, -1, -1, NULL, KFK_ERR_NONE};
    cr_assert_eq(kfk_admin_alter_group_offsets(a, "g", &o, 1, NULL, on_alter_refused, t),
                 KFK_ERR_NONE);
}

static void on_list(kfk_admin_t *a, kfk_err_t err, const kfk_group_listing_t *gs, size_t n,
                    void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "list:%s:%zu\n", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, "%s %s %s %s\n", gs[i].group_id, gs[i].state, gs[i].protocol_type, gs[i].type);
    if (err) {
        stop(t);
        return;
    }
    const char *groups[] = {"g", "nope"};
    cr_assert_eq(kfk_admin_describe_groups(a, groups, 2, NULL, on_describe, t), KFK_ERR_NONE);
}

static void list_when_assigned(ag_t *t) {
    const char *states[] = {"stable"};
    cr_assert_eq(kfk_admin_list_groups(t->admin, states, 1, NULL, 0, NULL, on_list, t),
                 KFK_ERR_NONE);
}

Test(admin_groups, lists_and_describes_a_group_and_refuses_an_alter_while_it_has_members) {
    ag_t t;
    setup(&t, 0);
    t.on_assigned = list_when_assigned;
    add_member(&t);
    run(&t);
    cr_expect_eq(t.calls, 3, "%s", t.text);
    cr_expect_str_eq(t.text, "list:NONE:1\n"
                             "g Stable consumer classic\n"
                             "describe:NONE:2\n"
                             "g NONE Stable consumer proto members=1 coord=ok\n"
                             " member member-1 /127.0.0.1 id t:0,1,2,3\n"
                             "nope NONE Dead  - members=0 coord=ok\n"
                             "alter:UNKNOWN_MEMBER_ID:1 t/0=UNKNOWN_MEMBER_ID");
    cr_expect(strstr(t.errstr, "group g has active members"), "errstr: %s", t.errstr);
}

/* ---- an empty group's offsets --------------------------------------------------------------- */

static void on_list_offsets(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                            size_t n, void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "offsets:%s:%zu", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %s/%d=%lld:%s", offs[i].topic, offs[i].partition, (long long)offs[i].offset,
               kfk_err_name(offs[i].err));
    stop(t);
}

static void on_fetch(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs, size_t n,
                     void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "fetch:%s:%zu", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %s/%d=%lld(%s)", offs[i].topic, offs[i].partition, (long long)offs[i].offset,
               offs[i].metadata ? offs[i].metadata : "null");
    append(t, "\n");
    kfk_partition_offset_t q[] = {
        {"t", 0, KFK_OFFSET_BEGINNING, 0, 0, NULL, 0},
        {"t", 3, KFK_OFFSET_END, 0, 0, NULL, 0},
        {"t", 9, KFK_OFFSET_END, 0, 0, NULL, 0},
        {"nosuch", 0, 1700000000000, 0, 0, NULL, 0},
        {"t", 1, KFK_OFFSET_MAX_TIMESTAMP, 0, 0, NULL, 0},
        {"t", 2, 1700000000000, 0, 0, NULL, 0},
    };
    cr_assert_eq(kfk_admin_list_offsets(a, q, 6, NULL, on_list_offsets, t), KFK_ERR_NONE);
}

static void on_alter(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs, size_t n,
                     void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "alter:%s:%zu", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %s/%d=%s", offs[i].topic, offs[i].partition, kfk_err_name(offs[i].err));
    append(t, "\n");
    cr_assert_eq(kfk_admin_list_group_offsets(a, "e", NULL, on_fetch, t), KFK_ERR_NONE);
}

Test(admin_groups, commits_and_reads_the_offsets_of_an_empty_group_and_lists_offsets) {
    ag_t t;
    setup(&t, 0);
    kfk_partition_offset_t o[] = {
        {"t", 2, 7, -1, -1, NULL, 0},
        {"t", 1, 5, -1, -1, "m", 0},
    };
    cr_assert_eq(kfk_admin_alter_group_offsets(t.admin, "e", o, 2, NULL, on_alter, &t),
                 KFK_ERR_NONE);
    cr_assert_eq(t.calls, 0, "a callback ran inside the call");
    run(&t);
    cr_expect_eq(t.calls, 3, "%s", t.text);
    cr_expect_str_eq(t.text,
                     "alter:NONE:2 t/2=NONE t/1=NONE\n"
                     "fetch:NONE:2 t/1=5(m) t/2=7()\n"
                     "offsets:NONE:6 t/0=0:NONE t/3=0:NONE t/9=-1:UNKNOWN_TOPIC_OR_PARTITION "
                     "nosuch/0=-1:UNKNOWN_TOPIC_OR_PARTITION t/1=-1:NONE t/2=-1:NONE");
}

/* Kafka answers INVALID_REQUEST to a ListOffsets naming a partition twice (the mock does not):
 * two queries of one partition go in two requests. */
static void on_twice(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs, size_t n,
                     void *opaque) {
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "offsets:%s:%zu", kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %s/%d=%lld", offs[i].topic, offs[i].partition, (long long)offs[i].offset);
    append(t, " requests=%llu",
           (unsigned long long)kfk_mock_requests(t->mock, KFK_API_LIST_OFFSETS));
    stop(t);
}

Test(admin_groups, asks_for_one_partition_twice_in_two_requests) {
    ag_t t;
    setup(&t, 0);
    kfk_partition_offset_t q[] = {
        {"t", 0, KFK_OFFSET_BEGINNING, 0, 0, NULL, 0},
        {"t", 0, KFK_OFFSET_END, 0, 0, NULL, 0},
    };
    cr_assert_eq(kfk_admin_list_offsets(t.admin, q, 2, NULL, on_twice, &t), KFK_ERR_NONE);
    run(&t);
    cr_expect_str_eq(t.text, "offsets:NONE:2 t/0=0 t/0=0 requests=2");
}

/* ---- coordinator errors are retried ------------------------------------------------------------
 */

static void on_fetch_retried(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                             size_t n, void *opaque) {
    (void)offs;
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "fetch:%s:%zu", kfk_err_name(err), n);
    stop(t);
}

Test(admin_groups, retries_coordinator_errors_until_the_coordinator_answers) {
    ag_t t;
    setup(&t, 0);
    char errstr[256];
    cr_assert_eq(kfk_mock_fault_parse(t.mock,
                                      "api=FindCoordinator,count=2,error=COORDINATOR_NOT_AVAILABLE",
                                      errstr, sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    cr_assert_eq(kfk_mock_fault_parse(t.mock, "api=OffsetFetch,count=2,error=NOT_COORDINATOR",
                                      errstr, sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    cr_assert_eq(kfk_admin_list_group_offsets(t.admin, "e", NULL, on_fetch_retried, &t),
                 KFK_ERR_NONE);
    run(&t);
    cr_expect_str_eq(t.text, "fetch:NONE:0");
    cr_expect_str_eq(t.errstr, "");
}

/* ---- deadlines and close ----------------------------------------------------------------------
 */

static void on_describe_failed(kfk_admin_t *a, kfk_err_t err, const kfk_group_description_t *gs,
                               size_t n, void *opaque) {
    (void)gs;
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "describe:%s:%zu", kfk_err_name(err), n);
    stop(t);
}

Test(admin_groups, a_call_no_broker_answers_ends_by_its_deadline_with_the_cause) {
    ag_t t;
    setup(&t, 1);
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = 500;
    const char *groups[] = {"g"};
    cr_assert_eq(kfk_admin_describe_groups(t.admin, groups, 1, &o, on_describe_failed, &t),
                 KFK_ERR_NONE);
    run(&t);
    cr_expect_str_eq(t.text, "describe:_TRANSPORT:0");
    cr_expect(strstr(t.errstr, "refused"), "errstr: %s", t.errstr);
    cr_expect_geq(t.took, 500);
    cr_expect_lt(t.took, 5000, "took %llu ms", (unsigned long long)t.took);
}

static void on_list_failed(kfk_admin_t *a, kfk_err_t err, const kfk_group_listing_t *gs, size_t n,
                           void *opaque) {
    (void)gs;
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "list:%s:%zu", kfk_err_name(err), n);
    stop(t);
}

/* ListGroups first waits for a metadata refresh: its deadline names why that has no answer. */
Test(admin_groups, a_list_no_broker_answers_ends_by_its_deadline_with_the_cause) {
    ag_t t;
    setup(&t, 1);
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = 500;
    cr_assert_eq(kfk_admin_list_groups(t.admin, NULL, 0, NULL, 0, &o, on_list_failed, &t),
                 KFK_ERR_NONE);
    run(&t);
    cr_expect_str_eq(t.text, "list:_TRANSPORT:0");
    cr_expect(strstr(t.errstr, "refused"), "errstr: %s", t.errstr);
    cr_expect_lt(t.took, 5000, "took %llu ms", (unsigned long long)t.took);
}

static void on_offsets_closed(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                              size_t n, void *opaque) {
    (void)offs;
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "offsets:%s:%zu;", kfk_err_name(err), n);
}

static void on_list_closed(kfk_admin_t *a, kfk_err_t err, const kfk_group_listing_t *gs, size_t n,
                           void *opaque) {
    (void)gs;
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "list:%s:%zu;", kfk_err_name(err), n);
}

Test(admin_groups, close_ends_pending_calls_with_destroyed_and_refuses_new_ones) {
    ag_t t;
    setup(&t, 1);
    kfk_partition_offset_t q = {"t", 0, KFK_OFFSET_END, 0, 0, NULL, 0};
    cr_assert_eq(kfk_admin_list_offsets(t.admin, &q, 1, NULL, on_offsets_closed, &t), 0);
    cr_assert_eq(kfk_admin_list_groups(t.admin, NULL, 0, NULL, 0, NULL, on_list_closed, &t), 0);
    cr_assert_eq(kfk_admin_list_group_offsets(t.admin, "", NULL, on_offsets_closed, &t),
                 KFK_ERR__INVALID_ARG);
    kfk_partition_offset_t bad = {"t", 0, -1, -1, -1, NULL, 0};
    cr_assert_eq(kfk_admin_alter_group_offsets(t.admin, "g", &bad, 1, NULL, on_offsets_closed, &t),
                 KFK_ERR__INVALID_ARG);
    stop(&t);
    cr_assert_eq(kfk_admin_list_group_offsets(t.admin, "g", NULL, on_offsets_closed, &t),
                 KFK_ERR__DESTROYED);
    run(&t);
    cr_expect_eq(t.calls, 2);
    cr_expect(strstr(t.text, "offsets:_DESTROYED:0;") && strstr(t.text, "list:_DESTROYED:0;"), "%s",
              t.text);
}

/* A close while a DescribeGroups is out (the mock answers it 2 s late): the call ends with
 * KFK_ERR__DESTROYED at once, and the request's end later frees it (ASan: no use after free). */
static void on_describe_closed(kfk_admin_t *a, kfk_err_t err, const kfk_group_description_t *gs,
                               size_t n, void *opaque) {
    (void)gs;
    ag_t *t = opaque;
    saw(t, a, err);
    append(t, "describe:%s:%zu", kfk_err_name(err), n);
}

static void on_described_yet(uv_timer_t *h) {
    ag_t *t = h->data;
    /* The DescribeGroups is out now (FindCoordinator came back long ago). */
    if (kfk_mock_requests(t->mock, KFK_API_DESCRIBE_GROUPS) == 0) {
        uv_timer_again(h);
        return;
    }
    uv_close((uv_handle_t *)h, NULL);
    stop(t);
}

Test(admin_groups, close_with_a_request_out_ends_the_call_with_destroyed) {
    ag_t t;
    setup(&t, 0);
    char errstr[256];
    cr_assert_eq(kfk_mock_fault_parse(t.mock, "api=DescribeGroups,count=all,delay=2000", errstr,
                                      sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    const char *groups[] = {"g"};
    cr_assert_eq(kfk_admin_describe_groups(t.admin, groups, 1, NULL, on_describe_closed, &t),
                 KFK_ERR_NONE);
    uv_timer_t poll;
    uv_timer_init(&t.loop, &poll);
    poll.data = &t;
    uv_timer_start(&poll, on_described_yet, 10, 10);
    run(&t);
    cr_expect_str_eq(t.text, "describe:_DESTROYED:0");
    cr_expect_lt(t.took, 1900, "took %llu ms: the close waited for the answer",
                 (unsigned long long)t.took);
}
