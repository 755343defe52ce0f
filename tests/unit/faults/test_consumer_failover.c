/*
 * test_consumer_failover.c: a consumer whose partition leader dies follows the partition to its
 * new leader without waiting for the dead broker to come back. Found by scripts/reliability
 * row 10 (soak): after a leader node was killed, its partitions were read again only once the
 * node restarted (16-18 s, up to 113 s when kills overlapped), although Kafka had moved the
 * leaders within about 4 s: the one metadata refresh after the failed fetch came before the
 * move, and nothing asked again while the consumer waited for the old leader.
 *
 * Here broker 1 leads the partition; once the first records are read, every connection to
 * broker 1 fails (its Fetch and its ApiVersions close the connection) while the metadata still
 * names it, as Kafka's does until the broker's session ends; 500 ms later the mock moves the
 * leadership to broker 2 and more records are written there. They must be read while broker 1
 * stays unreachable (metadata.max.age.ms is a minute: no periodic refresh helps).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "support.h"

#define FIRST 10
#define SECOND 10

typedef struct {
    uv_loop_t loop;
    uv_timer_t move, deadline;
    kfk_mock_t *mock;
    kfk_producer_t *p;
    kfk_consumer_t *c;
    char second_bootstrap[64];
    int produced, records, phase, timed_out, closing;
} fo_t;

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    fo_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void stop(fo_t *t) {
    if (t->closing)
        return;
    t->closing = 1;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    if (!uv_is_closing((uv_handle_t *)&t->move))
        uv_close((uv_handle_t *)&t->move, NULL);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_consumer_closed, t);
}

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    fo_t *t = opaque;
    cr_assert_eq(d->err, KFK_ERR_NONE, "%s: %s", kfk_err_name(d->err), d->errstr);
    if (++t->produced == FIRST || t->produced == FIRST + SECOND)
        kfk_producer_close(p, on_producer_closed, t);
}

static void produce(fo_t *t, const char *bootstrap, int n) {
    char errstr[512];
    kfk_conf_t *conf = kt_conf(bootstrap, NULL);
    cr_assert_eq(kfk_producer_new(&t->loop, conf, &t->p, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    for (int i = 0; i < n; i++) {
        kfk_record_t rec = {.topic = "t", .partition = 0, .value = "v", .value_len = 1};
        cr_assert_eq(kfk_producer_send(t->p, &rec, on_delivery, t), KFK_ERR_NONE);
    }
}

static void on_move(uv_timer_t *h) {
    fo_t *t = h->data;
    uv_close((uv_handle_t *)h, NULL);
    cr_assert_eq(kfk_mock_partition_set_leader(t->mock, "t", 0, 2), KFK_ERR_NONE);
    t->phase = 2;
    produce(t, t->second_bootstrap, SECOND); /* written at broker 2, the new leader */
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    fo_t *t = opaque;
    t->records += (int)kfk_batch_count(b);
    kfk_batch_done(b, KFK_ERR_NONE);
    if (t->phase == 0 && t->records >= FIRST) {
        /* Broker 1 becomes unreachable for this consumer, still named leader. */
        char errstr[256];
        cr_assert_eq(kfk_mock_fault_parse(t->mock,
                                          "api=Fetch,broker=1,close=before,count=all;"
                                          "api=ApiVersions,broker=1,close=before,count=all",
                                          errstr, sizeof errstr),
                     KFK_ERR_NONE, "%s", errstr);
        t->phase = 1;
        uv_timer_start(&t->move, on_move, 500, 0);
    } else if (t->records >= FIRST + SECOND) {
        stop(t);
    }
}

static void on_deadline(uv_timer_t *h) {
    fo_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

Test(consumer_failover, a_partition_whose_leader_dies_is_read_at_its_new_leader, .timeout = 40) {
    fo_t t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    t.mock = kt_mock(&t.loop, 3);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "t", 1, 3), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_partition_set_leader(t.mock, "t", 0, 1), KFK_ERR_NONE);
    /* Bootstrap through brokers 2 and 3 only: the metadata never depends on broker 1. */
    const char *bs = kfk_mock_bootstrap(t.mock);
    const char *comma = strchr(bs, ',');
    cr_assert_not_null(comma);
    snprintf(t.second_bootstrap, sizeof t.second_bootstrap, "%s", comma + 1);
    produce(&t, bs, FIRST);
    char errstr[512];
    const char *kv[] = {"metadata.max.age.ms",
                        "60000",
                        "retry.backoff.ms",
                        "100",
                        "retry.backoff.max.ms",
                        "1000",
                        "fetch.max.wait.ms",
                        "100",
                        "batch.timeout.ms",
                        "10",
                        NULL};
    kfk_conf_t *conf = kt_conf(t.second_bootstrap, kv);
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_topic_partition_t part = {"t", 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(t.c, &part, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    uv_timer_init(&t.loop, &t.move);
    t.move.data = &t;
    uv_timer_init(&t.loop, &t.deadline);
    t.deadline.data = &t;
    uv_timer_start(&t.deadline, on_deadline, 20000, 0);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");
    cr_expect_eq(t.timed_out, 0,
                 "%d of %d records read in 20 s: the consumer waited for the dead leader",
                 t.records, FIRST + SECOND);
    cr_expect_eq(t.records, FIRST + SECOND);
}
