/*
 * test_api_args.c: kfk.h given bad arguments. Accessors and setters given a NULL object. Most of
 * the API already answered NULL with KFK_ERR__INVALID_ARG, 0, -1 or NULL; these 17 dereferenced it
 * (found by calling every KFK_EXTERN function of kfk.h with zeroed arguments, each in its own
 * process). Each now gives the "nothing" answer its comment implies and touches no memory. And
 * kfk_producer_send's refusals of bad record fields, answered at once with no callback.
 */
#include <stdint.h>
#include <string.h>

#include <uv.h>

#include <criterion/criterion.h>

#include "kfk/kfk.h"

static void on_log(int level, const char *context, const char *message, void *opaque) {
    (void)level;
    (void)context;
    (void)message;
    (void)opaque;
}

Test(api_args, conf_functions_take_a_null_configuration) {
    cr_expect_null(kfk_conf_dup(NULL));
    cr_expect_null(kfk_conf_dump(NULL));
    kfk_conf_set_log_cb(NULL, on_log, NULL);
    kfk_conf_set_stats_cb(NULL, NULL, NULL);
}

Test(api_args, producer_and_consumer_accessors_answer_nothing_for_null) {
    cr_expect_eq(kfk_producer_queued(NULL), 0);
    cr_expect_eq(kfk_batch_count(NULL), 0);
    cr_expect_null(kfk_batch_message(NULL, 0));
    kfk_consumer_set_rebalance_cb(NULL, NULL, NULL);
    kfk_consumer_set_decoder(NULL, NULL, NULL, NULL);
    int64_t pos = 7, hwm = 7;
    cr_expect_eq(kfk_consumer_position(NULL, "t", 0, &pos, &hwm), KFK_ERR__INVALID_ARG);
    cr_expect_eq(pos, 7);
    kfk_topic_partition_t tp[2];
    cr_expect_eq(kfk_consumer_assignment(NULL, tp, 2), 0);
    cr_expect_eq(kfk_consumer_outstanding(NULL), 0);
    cr_expect_eq(kfk_consumer_committed(NULL, "t", 0), -1);
}

Test(api_args, a_null_message_has_no_headers) {
    kfk_record_header_iter_t it;
    memset(&it, 0xab, sizeof it);
    kfk_message_header_iter(NULL, &it);
    kfk_record_header_t h;
    cr_expect_not(kfk_record_header_iter_next(&it, &h));
    kfk_message_header_iter(NULL, NULL);
}

Test(api_args, worker_and_listener_accessors_answer_nothing_for_null) {
    cr_expect_eq(kfk_worker_fence(NULL), 0);
    cr_expect_null(kfk_worker_consumer(NULL));
    cr_expect_null(kfk_worker_lock_key(NULL));
    kfk_listener_stats_t st;
    memset(&st, 0xab, sizeof st);
    kfk_listener_stats(NULL, &st);
    kfk_listener_stats_t zero;
    memset(&zero, 0, sizeof zero);
    cr_expect_eq(memcmp(&st, &zero, sizeof st), 0);
    kfk_listener_stats(NULL, NULL);
}

/* Starts @p loop and returns a configuration whose bootstrap has nothing listening: the calls
 * below are refused before any connection matters. */
static kfk_conf_t *dead_conf(uv_loop_t *loop) {
    cr_assert_eq(uv_loop_init(loop), 0);
    kfk_conf_t *c = kfk_conf_new();
    cr_assert_not_null(c);
    char es[256];
    cr_assert_eq(kfk_conf_set(c, "bootstrap.servers", "127.0.0.1:1", es, sizeof es), 0, "%s", es);
    return c;
}

static int reports;
static void on_report(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    (void)d;
    (void)opaque;
    reports++;
}

Test(api_args, producer_send_refuses_bad_record_fields_at_once) {
    uv_loop_t loop;
    kfk_conf_t *c = dead_conf(&loop);
    char es[256];
    kfk_producer_t *p = NULL;
    cr_assert_eq(kfk_producer_new(&loop, c, &p, es, sizeof es), 0, "%s", es);
    kfk_header_t hs[65];
    for (int i = 0; i < 65; i++)
        hs[i] = (kfk_header_t){"h", "v", 1};
    kfk_header_t unnamed = {NULL, "v", 1};
    struct {
        const char *what;
        kfk_record_t r;
        kfk_err_t want;
    } cases[] = {
        {"no topic", {NULL, KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0}, KFK_ERR__INVALID_ARG},
        {"empty topic", {"", KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0}, KFK_ERR__INVALID_ARG},
        {"timestamp -2",
         {"t", KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, -2},
         KFK_ERR__INVALID_ARG},
        {"timestamp INT64_MIN",
         {"t", KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, INT64_MIN},
         KFK_ERR__INVALID_ARG},
        {"65 headers", {"t", KFK_PARTITION_ANY, NULL, 0, "v", 1, hs, 65, 0}, KFK_ERR__INVALID_ARG},
        {"headers NULL, 3 of them",
         {"t", KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 3, 0},
         KFK_ERR__INVALID_ARG},
        {"a header without a name",
         {"t", KFK_PARTITION_ANY, NULL, 0, "v", 1, &unnamed, 1, 0},
         KFK_ERR__INVALID_ARG},
        {"partition -7", {"t", -7, NULL, 0, "v", 1, NULL, 0, 0}, KFK_ERR__UNKNOWN_PARTITION},
        {"value_len SIZE_MAX",
         {"t", KFK_PARTITION_ANY, NULL, 0, "v", SIZE_MAX, NULL, 0, 0},
         KFK_ERR__MSG_SIZE_TOO_LARGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(kfk_producer_send(p, &cases[i].r, on_report, NULL), cases[i].want, "%s: %s",
                     cases[i].what,
                     kfk_err_name(kfk_producer_send(p, &cases[i].r, on_report, NULL)));
    cr_expect_eq(kfk_producer_queued(p), 0);
    kfk_producer_set_close_timeout(p, 0);
    kfk_producer_close(p, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(reports, 0, "a refused record got a delivery report");
    cr_expect_eq(uv_loop_close(&loop), 0);
    kfk_conf_free(c);
}

Test(api_args, consumer_assign_and_seek_refuse_bad_entries_and_change_nothing) {
    uv_loop_t loop;
    kfk_conf_t *c = dead_conf(&loop);
    char es[256];
    kfk_consumer_t *co = NULL;
    cr_assert_eq(kfk_consumer_new(&loop, c, &co, es, sizeof es), 0, "%s", es);
    kfk_topic_partition_t first[] = {{"a", 0, 5}};
    cr_assert_eq(kfk_consumer_assign(co, first, 1), 0);
    /* The last entry of each is bad: before, the old assignment was gone and the good entries
     * in; an offset of -100 (or kfk's own -101 marker) was taken. */
    kfk_topic_partition_t bad[][2] = {
        {{"b", 0, 0}, {"b", 1, -100}}, {{"b", 0, 0}, {"b", 1, -101}}, {{"b", 0, 0}, {"b", -1, 0}},
        {{"b", 0, 0}, {NULL, 1, 0}},   {{"b", 0, 0}, {"", 1, 0}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(kfk_consumer_assign(co, bad[i], 2), KFK_ERR__INVALID_ARG, "case %zu", i);
        kfk_topic_partition_t now[4];
        cr_assert_eq(kfk_consumer_assignment(co, now, 4), 1, "case %zu", i);
        cr_expect_str_eq(now[0].topic, "a");
        cr_expect_eq(now[0].partition, 0);
    }
    cr_expect_eq(kfk_consumer_assign(co, NULL, 3), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_consumer_seek(co, "a", 0, -100), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_consumer_seek(co, NULL, 0, 0), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_consumer_seek(co, "a", 0, KFK_OFFSET_BEGINNING), KFK_ERR_NONE);
    cr_expect_eq(kfk_consumer_seek(co, "a", 1, 0), KFK_ERR__UNKNOWN_PARTITION);
    kfk_consumer_set_close_timeout(co, 0);
    kfk_consumer_close(co, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0);
    kfk_conf_free(c);
}

static int admin_calls;
static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    (void)err;
    (void)md;
    (void)opaque;
    admin_calls++;
}
static void on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                      void *opaque) {
    (void)a;
    (void)err;
    (void)res;
    (void)n;
    (void)opaque;
    admin_calls++;
}

Test(api_args, admin_topic_calls_refuse_missing_names_with_no_callback) {
    uv_loop_t loop;
    kfk_conf_t *c = dead_conf(&loop);
    char es[256];
    kfk_admin_t *a = NULL;
    cr_assert_eq(kfk_admin_new(&loop, c, &a, es, sizeof es), 0, "%s", es);
    const char *some[] = {"t", NULL};
    /* A NULL list of 3 names was read (a crash); NULL names went out as "". */
    cr_expect_eq(kfk_admin_metadata(a, NULL, 3, on_md, NULL), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_metadata(a, some, 2, on_md, NULL), KFK_ERR__INVALID_ARG);
    cr_expect_eq(kfk_admin_delete_topics(a, some, 2, 1000, on_topics, NULL), KFK_ERR__INVALID_ARG);
    const char *cfg_unnamed[] = {NULL, "1"};
    kfk_new_topic_t bad[] = {
        {NULL, 1, 1, NULL, 0},              /* no name */
        {"t", 1, 1, NULL, 2},               /* 2 configs, no array */
        {"t", 1, 1, cfg_unnamed, 1},        /* a config without a name */
        {"t", 1, 1, cfg_unnamed, SIZE_MAX}, /* a count no array can hold */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(kfk_admin_create_topics(a, &bad[i], 1, 1000, on_topics, NULL),
                     KFK_ERR__INVALID_ARG, "case %zu", i);
    kfk_admin_close(a, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(admin_calls, 0, "a refused call got a callback");
    cr_expect_eq(uv_loop_close(&loop), 0);
    kfk_conf_free(c);
}

static void on_worker_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    (void)opaque;
    kfk_batch_done(b, KFK_ERR_NONE);
}

Test(api_args, worker_new_refuses_an_empty_topic) {
    /* It was taken, and the lock key became "kfk:lock:<group>::0". */
    uv_loop_t loop;
    kfk_conf_t *c = dead_conf(&loop);
    char es[256];
    cr_assert_eq(kfk_conf_set(c, "group.id", "g", es, sizeof es), 0);
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    lo.redis = "127.0.0.1:1";
    kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
    wo.topic = "";
    wo.partition = 0;
    wo.lock = &lo;
    kfk_worker_t *w = NULL;
    cr_expect_eq(kfk_worker_new(&loop, c, &wo, on_worker_batch, NULL, NULL, &w, es, sizeof es),
                 KFK_ERR__INVALID_ARG);
    cr_expect_str_eq(es, "kfk_worker_new: topic, partition and lock are needed");
    cr_expect_null(w);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0);
    kfk_conf_free(c);
}
