/*
 * mock_test.c: an application's test with no JVM and no broker to install. The "application"
 * is a small order publisher (orders_open, orders_publish) and a billing consumer in a group;
 * the test starts a 3-broker mock Kafka cluster in-process on the same libuv loop (kfk/mock.h),
 * makes the first 3 Produce answers for partition 0 say NOT_LEADER_OR_FOLLOWER, and checks
 * that the application's retry settings hold: every order is reported delivered without an
 * error, and the billing group reads each order exactly once (no duplicate written by a retry).
 *
 *   example_mock_test [ORDERS]      (default 30; exits 0 when every check passes)
 *
 * Build against kfk and libkfk_mock (the CMake target kfk::mock_static).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#define TOPIC "orders"
#define PARTITIONS 3
#define MAX_ORDERS 1000

/* ---- the application under test ----------------------------------------------------------- */

/* The application's producer settings: what this test is about. A leader change is retried
 * (retries, a short backoff) and idempotence keeps a retried batch from landing twice. */
static kfk_err_t orders_open(uv_loop_t *loop, const char *bootstrap, kfk_producer_t **out,
                             char *errstr, size_t errstr_size) {
    kfk_conf_t *conf = kfk_conf_new();
    kfk_err_t err;
    if (!conf)
        return KFK_ERR__NOMEM;
    if ((err = kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "enable.idempotence", "true", errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "acks", "all", errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "retries", "10", errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "retry.backoff.ms", "20", errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "delivery.timeout.ms", "15000", errstr, errstr_size)) ||
        (err = kfk_conf_set(conf, "linger.ms", "5", errstr, errstr_size)))
        goto out;
    err = kfk_producer_new(loop, conf, out, errstr, errstr_size);
out:
    kfk_conf_free(conf);
    return err;
}

/* Publishes order @p id on partition id % PARTITIONS, keyed by the order id. */
static kfk_err_t orders_publish(kfk_producer_t *p, int id, kfk_delivery_cb cb, void *opaque) {
    char key[32], value[64];
    int kn = snprintf(key, sizeof(key), "order-%d", id);
    int vn = snprintf(value, sizeof(value), "{\"order\":%d,\"amount\":%d}", id, 100 + id);
    kfk_record_t rec = {.topic = TOPIC,
                        .partition = id % PARTITIONS,
                        .key = key,
                        .key_len = (size_t)kn,
                        .value = value,
                        .value_len = (size_t)vn};
    return kfk_producer_send(p, &rec, cb, opaque);
}

/* ---- the test ----------------------------------------------------------------------------- */

typedef struct {
    uv_loop_t loop;
    uv_timer_t deadline;
    kfk_mock_t *mock;
    kfk_producer_t *producer;
    kfk_consumer_t *consumer;
    int orders, delivered, delivery_errors, consumed, duplicates, stopping, failed;
    int per_partition[PARTITIONS]; /* orders reported written to each partition */
    int seen[MAX_ORDERS];
    int open; /* producer, consumer and timer not closed yet */
} test_t;

static void check(test_t *t, int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        t->failed = 1;
}

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

/* Closes the mock once everything talking to it has closed. */
static void one_closed(test_t *t) {
    if (--t->open == 0)
        kfk_mock_close(t->mock, on_mock_closed, t);
}

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    one_closed(opaque);
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    one_closed(opaque);
}

static void on_timer_closed(uv_handle_t *h) {
    one_closed(h->data);
}

static void stop(test_t *t) {
    if (t->stopping)
        return;
    t->stopping = 1;
    uv_close((uv_handle_t *)&t->deadline, on_timer_closed);
    kfk_producer_set_close_timeout(t->producer, 2000);
    kfk_producer_close(t->producer, on_producer_closed, t);
    if (t->consumer) {
        kfk_consumer_set_close_timeout(t->consumer, 2000);
        kfk_consumer_close(t->consumer, on_consumer_closed, t);
    } else {
        one_closed(t);
    }
}

static void on_deadline(uv_timer_t *timer) {
    test_t *t = timer->data;
    check(t, 0, "finished within 30 s");
    stop(t);
}

/* Done when every partition's records are read and its high watermark says no more were
 * written than were sent (a duplicate from a retry would show up as one more). */
static int all_read(test_t *t) {
    for (int p = 0; p < PARTITIONS; p++) {
        int64_t pos = -1, hwm = -1;
        if (kfk_consumer_position(t->consumer, TOPIC, p, &pos, &hwm) != KFK_ERR_NONE)
            return 0;
        if (pos < t->per_partition[p] || hwm < 0)
            return 0;
    }
    return 1;
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque) {
    test_t *t = opaque;
    (void)c;
    for (size_t i = 0; i < kfk_batch_count(batch); i++) {
        const kfk_message_t *msg = kfk_batch_message(batch, i);
        int id = -1;
        if (msg->key && msg->key_len > 6 && msg->key_len < 20) {
            char key[20];
            memcpy(key, msg->key, (size_t)msg->key_len);
            key[msg->key_len] = '\0';
            id = (int)strtol(key + 6, NULL, 10);
        }
        if (id < 0 || id >= t->orders) {
            check(t, 0, "every record read is an order sent");
            continue;
        }
        if (t->seen[id]++)
            t->duplicates++;
        t->consumed++;
    }
    kfk_batch_done(batch, KFK_ERR_NONE);
    if (!t->stopping && all_read(t)) {
        for (int p = 0; p < PARTITIONS; p++) {
            int64_t pos = -1, hwm = -1;
            kfk_consumer_position(t->consumer, TOPIC, p, &pos, &hwm);
            if (hwm != t->per_partition[p]) {
                printf("     partition %d: %" PRId64 " records written for %d orders\n", p, hwm,
                       t->per_partition[p]);
                check(t, 0, "no order written twice");
            }
        }
        check(t, t->consumed == t->delivered - t->delivery_errors && t->duplicates == 0,
              "the billing group read each order exactly once");
        stop(t);
    }
}

static void start_billing(test_t *t) {
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    const char *topics[] = {TOPIC};
    kfk_err_t err;
    if ((err = kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr,
                            sizeof(errstr))) ||
        (err = kfk_conf_set(conf, "group.id", "billing", errstr, sizeof(errstr))) ||
        (err = kfk_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof(errstr))) ||
        (err = kfk_conf_set(conf, "batch.timeout.ms", "20", errstr, sizeof(errstr))) ||
        (err = kfk_consumer_new(&t->loop, conf, &t->consumer, errstr, sizeof(errstr)))) {
        fprintf(stderr, "consumer: %s\n", errstr);
        kfk_conf_free(conf);
        check(t, 0, "the billing consumer starts");
        stop(t);
        return;
    }
    kfk_conf_free(conf);
    if (kfk_consumer_subscribe(t->consumer, topics, 1) != KFK_ERR_NONE ||
        kfk_consumer_start(t->consumer, on_batch, t) != KFK_ERR_NONE) {
        check(t, 0, "the billing consumer subscribes");
        stop(t);
    }
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    test_t *t = opaque;
    (void)p;
    if (d->err) {
        t->delivery_errors++;
        fprintf(stderr, "delivery to %s [%d]: %s\n", d->topic, (int)d->partition,
                kfk_err_name(d->err));
    } else if (d->partition >= 0 && d->partition < PARTITIONS) {
        t->per_partition[d->partition]++;
    }
    if (++t->delivered < t->orders || t->stopping)
        return;
    check(t, t->delivery_errors == 0, "every order reported delivered, none failed");
    /* The first three Produce answers for partition 0 were errors: the producer sent again. */
    printf("     %" PRIu64 " Produce requests for %d orders\n",
           kfk_mock_requests(t->mock, KFK_API_PRODUCE), t->orders);
    check(t, kfk_mock_requests(t->mock, KFK_API_PRODUCE) >= 4,
          "the producer retried after NOT_LEADER_OR_FOLLOWER");
    if (t->failed)
        stop(t); /* orders were lost: there is nothing to read back */
    else
        start_billing(t);
}

int main(int argc, char **argv) {
    static test_t t;
    kfk_mock_opts_t opts = KFK_MOCK_OPTS_INIT;
    char errstr[512];
    int rc;

    t.orders = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 30;
    if (t.orders < PARTITIONS || t.orders > MAX_ORDERS) {
        fprintf(stderr, "usage: %s [ORDERS] (%d..%d)\n", argv[0], PARTITIONS, MAX_ORDERS);
        return 2;
    }
    uv_loop_init(&t.loop);

    /* A 3-broker cluster on free ports, the topic, and the fault under test. */
    opts.brokers = 3;
    if (kfk_mock_new(&t.loop, &opts, &t.mock, errstr, sizeof(errstr)) != KFK_ERR_NONE) {
        fprintf(stderr, "mock: %s\n", errstr);
        return 1;
    }
    if (kfk_mock_topic_create(t.mock, TOPIC, PARTITIONS, 3) != KFK_ERR_NONE ||
        kfk_mock_fault_parse(
            t.mock, "api=Produce,topic=" TOPIC ",partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER",
            errstr, sizeof(errstr)) != KFK_ERR_NONE) {
        fprintf(stderr, "mock setup: %s\n", errstr);
        return 1;
    }
    printf("mock cluster at %s\n", kfk_mock_bootstrap(t.mock));

    if (orders_open(&t.loop, kfk_mock_bootstrap(t.mock), &t.producer, errstr, sizeof(errstr))) {
        fprintf(stderr, "producer: %s\n", errstr);
        return 1;
    }
    t.open = 3;
    uv_timer_init(&t.loop, &t.deadline);
    t.deadline.data = &t;
    uv_timer_start(&t.deadline, on_deadline, 30000, 0);
    for (int id = 0; id < t.orders; id++) {
        if (orders_publish(t.producer, id, on_delivery, &t) != KFK_ERR_NONE) {
            check(&t, 0, "every order accepted by the producer");
            stop(&t);
            break;
        }
    }

    uv_run(&t.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&t.loop);
    check(&t, rc == 0, "nothing left on the loop (uv_loop_close == 0)");
    printf("%s\n", t.failed ? "FAILED" : "PASSED");
    return t.failed ? 1 : 0;
}
