/*
 * test_producer_records.c: records the broker refuses and records with unusual shapes, against
 * the real broker (issue 6): batch splitting on MESSAGE_TOO_LARGE, a record the broker refuses,
 * a record over message.max.bytes; headers, null keys and values, null header values,
 * explicit partitions out of range, conflicting settings. Helpers: producer_kit.h. Part of
 * integration_producer, registered COMPAT (Kafka 4.3.1 and 3.9.x); every test ends with
 * uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "env.h"
#include "kfk/kfk.h"
#include "producer_kit.h"

/* ==== broker refusals ============================================================================
 */

Test(producer, a_batch_over_the_topic_limit_is_split_and_delivered_in_order, .timeout = 60) {
    /* max.message.bytes=4000 on the topic, batch.size 16 KiB in the producer: the broker refuses
     * the first batches with MESSAGE_TOO_LARGE and kfk splits them until they fit. */
    enum { N = 300 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "split", 1,
                    (const char *[]){"max.message.bytes", "4000", NULL});
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"linger.ms", "50", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    char val[600];
    for (int i = 0; i < N; i++) {
        int vl = snprintf(val, sizeof val, "%05d:", i);
        memset(val + vl, 'a' + i % 26, 500);
        kfk_record_t rec = {topic, 0, NULL, 0, val, (size_t)vl + 500, NULL, 0, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.ok, (size_t)N, "%s", pk_errs_str(&t, eb, sizeof eb));
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(atoi(r.v[i].val), i, "offset %d holds record %d", i, atoi(r.v[i].val));
        cr_assert_eq(r.v[i].offset, s[i].offset);
    }
    pk_rows_free(&r);
    batch_info_t bi[512];
    size_t nb = pk_fetch_batches(topic, 0, bi, 512);
    cr_assert_geq(nb, (size_t)N * 506 / 4000, "%zu batches", nb);
}

Test(producer, a_record_the_broker_refuses_fails_alone_and_the_rest_is_delivered, .timeout = 60) {
    /* A compacted topic refuses records without a key (INVALID_RECORD, not retriable). The
     * records after it, in the same partition, must still be delivered, in order. */
    char topic[96];
    pk_topic_create(topic, sizeof topic, "compact", 1,
                    (const char *[]){"cleanup.policy", "compact", NULL});
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    sent_t s[21];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 21; i++) {
        char key[16], val[16];
        int kl = snprintf(key, sizeof key, "k%d", i);
        int vl = snprintf(val, sizeof val, "%d", i);
        kfk_record_t rec = {topic, 0, i == 10 ? NULL : key, (size_t)kl, val, (size_t)vl, NULL,
                            0,     0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
        if (i == 9 || i == 10)
            pk_flush_wait(&loop, p, &t, 20000); /* the keyless record in a batch of its own */
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.reports, 21);
    cr_assert_eq(s[10].err, KFK_ERR_INVALID_RECORD, "keyless record: %s", kfk_err_name(s[10].err));
    char eb[256];
    cr_assert_eq(t.ok, 20, "%s", pk_errs_str(&t, eb, sizeof eb));
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, 20);
    for (int j = 0; j < 20; j++)
        cr_assert_eq(atoi(r.v[j].val), j < 10 ? j : j + 1);
    pk_rows_free(&r);
}

Test(producer, a_record_over_message_max_bytes_is_refused_at_once, .timeout = 30) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"message.max.bytes", "10000", NULL});
    char *big = calloc(1, 20000);
    kfk_record_t rec = {"kfk-p-too-large", KFK_PARTITION_ANY, NULL, 0, big, 20000, NULL, 0, 0};
    sent_t s = {0};
    s.t = &t;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s), KFK_ERR__MSG_SIZE_TOO_LARGE);
    kfk_header_t h = {"h", big, 15000};
    kfk_record_t hrec = {"kfk-p-too-large", KFK_PARTITION_ANY, NULL, 0, "v", 1, &h, 1, 0};
    cr_assert_eq(kfk_producer_send(p, &hrec, pk_on_delivery, &s), KFK_ERR__MSG_SIZE_TOO_LARGE,
                 "header bytes count too");
    pk_close_all(&loop, p, 0, &t);
    cr_assert_eq(s.calls, 0);

    /* A record larger than the whole queue could never be queued: too large, not QUEUE_FULL
     * (which asks the caller to retry forever). */
    char topic[96];
    pk_topic_create(topic, sizeof topic, "queue-bound", 1, NULL);
    uv_loop_init(&loop);
    tally_t t2 = {0};
    sent_t s2 = {0};
    p = pk_producer(&loop, (const char *[]){"queue.buffering.max.kbytes", "16", NULL});
    rec.topic = topic;
    rec.value_len = 17000;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s2), KFK_ERR__MSG_SIZE_TOO_LARGE);
    rec.value_len = 16000;
    s2.t = &t2;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s2), KFK_ERR_NONE, "one that fits");
    pk_flush_wait(&loop, p, &t2, 20000);
    pk_close_all(&loop, p, -1, &t2);
    cr_assert_eq(s2.calls, 1);
    cr_assert_eq(s2.err, KFK_ERR_NONE, "%s", kfk_err_name(s2.err));
    free(big);
}

/* ==== headers, nulls, timestamps, explicit partitions ============================================
 */

Test(producer, headers_null_keys_and_null_values_round_trip, .timeout = 60) {
    char topic[96];
    pk_topic_create(topic, sizeof topic, "nulls", 2, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    kfk_header_t h4[] = {
        {"h-a", "alpha", 5}, {"h-empty", "", 0}, {"h-dup", "x", 1}, {"h-dup", "y", 1}};
    kfk_header_t h5[] = {{"only", "one", 3}};
    struct {
        const char *key;
        size_t klen;
        const char *val;
        size_t vlen;
        const kfk_header_t *h;
        size_t nh;
        int64_t ts;
        const char *want_hdrs;
    } cases[] = {
        {NULL, 0, "v0", 2, NULL, 0, 0, ""},
        {"k1", 2, NULL, 0, NULL, 0, 0, ""},
        {"", 0, "", 0, NULL, 0, 0, ""},
        {NULL, 0, NULL, 0, NULL, 0, 0, ""},
        {"k4", 2, "v4", 2, h4, 4, 0, "h-a=alpha,h-empty=,h-dup=x,h-dup=y"},
        {"k5", 2, "v5", 2, h5, 1, 1600000000123LL, "only=one"},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    sent_t s[NC];
    memset(s, 0, sizeof s);
    for (int i = 0; i < NC; i++) {
        /* Explicit partition 1 for all, keyed or not, so that kcat's order is the send order. */
        kfk_record_t rec = {topic,         1,          cases[i].key, cases[i].klen, cases[i].val,
                            cases[i].vlen, cases[i].h, cases[i].nh,  cases[i].ts};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    pk_flush_wait(&loop, p, &t, 20000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, NC);
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, NC);
    for (int i = 0; i < NC; i++) {
        row_t *w = &r.v[i];
        cr_assert_eq(w->partition, 1);
        cr_assert_eq(w->offset, (int64_t)i);
        cr_assert_eq(w->offset, s[i].offset);
        if (cases[i].key) {
            cr_assert_eq(w->klen, (int32_t)cases[i].klen, "case %d: key length %d", i, w->klen);
            cr_assert_str_eq(w->key, cases[i].key);
        } else {
            cr_assert_eq(w->klen, -1, "case %d: a null key read back with length %d", i, w->klen);
        }
        if (cases[i].val) {
            cr_assert_eq(w->vlen, (int32_t)cases[i].vlen, "case %d: value length %d", i, w->vlen);
            cr_assert_str_eq(w->val, cases[i].val);
        } else {
            cr_assert_eq(w->vlen, -1, "case %d: a null value read back with length %d", i, w->vlen);
        }
        cr_assert_str_eq(w->hdrs, cases[i].want_hdrs, "case %d", i);
        if (cases[i].ts)
            cr_assert_eq(w->ts, cases[i].ts, "case %d: timestamp %lld", i, (long long)w->ts);
    }
    pk_rows_free(&r);
}

typedef struct hdr_check {
    int records, headers;
    int32_t null_len;
} hdr_check_t;

static void check_null_header(const kfk_record_batch_t *b, void *arg) {
    hdr_check_t *hc = arg;
    kfk_wbuf_t scratch;
    kfk_wbuf_init(&scratch);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, b, &scratch, 1 << 20), 0);
    kfk_record_view_t v;
    while (kfk_record_iter_next(&it, &v)) {
        hc->records++;
        kfk_record_header_iter_t hi;
        kfk_record_header_iter_init(&hi, &v);
        kfk_record_header_t h;
        while (kfk_record_header_iter_next(&hi, &h)) {
            hc->headers++;
            if (h.key.len == 3 && !memcmp(h.key.ptr, "nul", 3))
                hc->null_len = h.value.len;
        }
    }
    cr_assert_eq(it.err, 0);
    kfk_wbuf_free(&scratch);
}

Test(producer, a_header_with_a_null_value_round_trips, .timeout = 60) {
    char topic[96];
    pk_topic_create(topic, sizeof topic, "nullhdr", 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    kfk_header_t h[] = {{"before", "b", 1}, {"nul", NULL, 0}, {"after", "a", 1}};
    kfk_record_t rec = {topic, 0, "k", 1, "v", 1, h, 3, 0};
    sent_t s = {0};
    s.t = &t;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s), 0);
    pk_flush_wait(&loop, p, &t, 20000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, 1);
    /* kcat does not tell a null header value from an empty one; the raw batch does. */
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, 1);
    cr_assert(!strncmp(r.v[0].hdrs, "before=b,nul", 12) && strstr(r.v[0].hdrs, "after=a"), "%s",
              r.v[0].hdrs);
    pk_rows_free(&r);
    hdr_check_t hc = {0};
    batch_info_t bi[4];
    cr_assert_eq(pk_fetch_batches_visit(topic, 0, bi, 4, check_null_header, &hc), 1);
    cr_assert_eq(hc.records, 1);
    cr_assert_eq(hc.headers, 3);
    cr_assert_eq(hc.null_len, -1, "header \"nul\" read back with length %d", hc.null_len);
}

Test(producer, an_explicit_partition_out_of_range_is_refused, .timeout = 60) {
    char topic[96];
    pk_topic_create(topic, sizeof topic, "range", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    sent_t s[8];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 8; i++)
        s[i].t = &t;
    kfk_record_t rec = {topic, 0, "k", 1, "v", 1, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[0]), 0);
    pk_flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(t.ok, 1);
    /* The partition count is known now: refused at once, no callback. */
    rec.partition = 3;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[1]), KFK_ERR__UNKNOWN_PARTITION);
    rec.partition = 1000;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[2]), KFK_ERR__UNKNOWN_PARTITION);
    rec.partition = -2;
    kfk_err_t e = kfk_producer_send(p, &rec, pk_on_delivery, &s[3]);
    cr_assert(e == KFK_ERR__UNKNOWN_PARTITION || e == KFK_ERR__INVALID_ARG, "partition -2: %s",
              kfk_err_name(e));
    rec.partition = 2;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[4]), 0);
    pk_flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(s[4].partition, 2);
    for (int i = 1; i <= 3; i++)
        cr_assert_eq(s[i].calls, 0, "a refused record got a callback");
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, 2);
    cr_assert_eq(t.failed, 0);
}

Test(producer, an_out_of_range_partition_sent_before_metadata_is_refused_once, .timeout = 60) {
    char topic[96];
    pk_topic_create(topic, sizeof topic, "range0", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    /* The first sends, before the partition count is known: the error is either returned or
     * reported once by the delivery callback; a negative partition other than
     * KFK_PARTITION_ANY is never taken for "any". */
    int32_t parts[] = {3, 7, -2, 1};
    sent_t s[4];
    memset(s, 0, sizeof s);
    kfk_err_t ret[4];
    for (int i = 0; i < 4; i++) {
        kfk_record_t rec = {topic, parts[i], "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        ret[i] = kfk_producer_send(p, &rec, pk_on_delivery, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 20000);
    pk_close_all(&loop, p, -1, &t);
    for (int i = 0; i < 3; i++) {
        if (ret[i]) {
            cr_assert(ret[i] == KFK_ERR__UNKNOWN_PARTITION || ret[i] == KFK_ERR__INVALID_ARG,
                      "partition %d: returned %s", parts[i], kfk_err_name(ret[i]));
            cr_assert_eq(s[i].calls, 0);
        } else {
            cr_assert_eq(s[i].calls, 1);
            cr_assert(s[i].err == KFK_ERR__UNKNOWN_PARTITION || s[i].err == KFK_ERR__INVALID_ARG,
                      "partition %d: accepted and reported %s (partition %d)", parts[i],
                      kfk_err_name(s[i].err), s[i].partition);
        }
    }
    cr_assert_eq(ret[3], 0);
    cr_assert_eq(s[3].err, 0);
    cr_assert_eq(s[3].partition, 1);
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, 1, "only the record for partition 1 may be written (%zu were)", r.n);
    pk_rows_free(&r);
}

Test(producer, conflicting_settings_are_refused_by_producer_new) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *bad[][4] = {
        {"enable.idempotence", "true", "acks", "1"},
        {"enable.idempotence", "true", "max.in.flight.requests.per.connection", "6"},
    };
    for (int i = 0; i < 2; i++) {
        kfk_conf_t *c = kfk_conf_new();
        pk_conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
        pk_conf_set(c, bad[i][0], bad[i][1]);
        pk_conf_set(c, bad[i][2], bad[i][3]);
        kfk_producer_t *p = NULL;
        char err[256] = "";
        cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), KFK_ERR__INVALID_CONF,
                     "%s=%s with %s=%s", bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
        cr_assert(strstr(err, bad[i][2]), "errstr names the setting: %s", err);
        kfk_conf_free(c);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
