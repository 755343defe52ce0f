/*
 * test_batch_settings.c: what kfk_producer_new and kfk_consumer_new make of batch.size and
 * max.poll.records (issue 21, "settings that mean one thing"), with no broker: nothing connects
 * before a send or a subscribe. A producer refuses a batch.size below the batch of one record
 * (68 bytes, checked against the RecordBatch builder's own size), warns about an explicit one
 * below 1 KiB, and a consumer takes its records per batch from max.poll.records alone, with a
 * notice when a configuration sets batch.size without it. Every test ends with
 * uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "client/consumer/parts.h"
#include "client/producer/producer_int.h"
#include "kfk/kfk.h"

/* Log lines seen (the callback's opaque). */
typedef struct {
    int n;
    int level[8];
    char msg[8][512];
} logs_t;

static void on_log(int level, const char *ctx, const char *msg, void *opaque) {
    (void)ctx;
    logs_t *l = opaque;
    if (l->n < 8) {
        l->level[l->n] = level;
        snprintf(l->msg[l->n], sizeof l->msg[l->n], "%s", msg);
    }
    l->n++;
}

/* A configuration (nothing listens at the bootstrap address; nothing connects here) with the
 * NULL-terminated name, value, ... pairs of @p kv, logging into @p logs. */
static kfk_conf_t *conf_with(const char *const *kv, logs_t *logs) {
    kfk_conf_t *c = kfk_conf_new();
    char err[256];
    cr_assert_not_null(c);
    cr_assert_eq(kfk_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), 0);
    for (size_t i = 0; kv && kv[i]; i += 2)
        cr_assert_eq(kfk_conf_set(c, kv[i], kv[i + 1], err, sizeof err), 0, "%s=%s: %s", kv[i],
                     kv[i + 1], err);
    kfk_conf_set_log_cb(c, on_log, logs);
    return c;
}

/* The first logged line containing @p needle, or NULL. */
static const char *logged(const logs_t *l, const char *needle) {
    for (int i = 0; i < l->n && i < 8; i++)
        if (strstr(l->msg[i], needle))
            return l->msg[i];
    return NULL;
}

static void finish(uv_loop_t *loop) {
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(loop), 0);
}

/* ---- the producer ---------------------------------------------------------------------------- */

Test(batch_settings, the_smallest_batch_size_is_the_batch_of_the_smallest_record) {
    /* 61 header bytes and a record with a null key, a null value and no headers. */
    kfk_wbuf_t buf;
    kfk_wbuf_init(&buf);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &buf), KFK_ERR_NONE);
    cr_assert_eq(kfk_record_batch_builder_size(&b), (size_t)KFK_RECORD_BATCH_HEADER_SIZE);
    kfk_bytes_t none = {NULL, -1};
    cr_assert_eq(kfk_record_batch_builder_append(&b, none, none, NULL, 0, 1764000000000), 0);
    cr_assert_eq(kfk_record_batch_builder_size(&b), (size_t)KFK__PRODUCER_BATCH_SIZE_MIN);
    cr_assert_eq(KFK__PRODUCER_BATCH_SIZE_MIN, 68);
    /* Any other record is larger. */
    kfk_bytes_t empty = {(const uint8_t *)"", 0};
    cr_assert_geq(kfk_record_batch_builder_append_size(&b, empty, empty, NULL, 0, 1764000000000),
                  (size_t)KFK__PRODUCER_BATCH_SIZE_MIN - KFK_RECORD_BATCH_HEADER_SIZE);
    kfk_record_batch_builder_abort(&b);
    kfk_wbuf_free(&buf);
}

Test(batch_settings, a_producer_refuses_a_batch_size_too_small_for_one_record) {
    static const char *const sizes[] = {"1", "10", "67"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        logs_t logs = {0};
        kfk_conf_t *c = conf_with((const char *[]){"batch.size", sizes[i], NULL}, &logs);
        kfk_producer_t *p = NULL;
        char err[512] = "";
        cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), KFK_ERR__INVALID_CONF,
                     "batch.size=%s", sizes[i]);
        cr_assert_null(p);
        char want[128];
        snprintf(want, sizeof want,
                 "batch.size=%s is below 68 bytes, the smallest batch that holds one record (a "
                 "61-byte batch header and a 7-byte record)",
                 sizes[i]);
        cr_assert(!strncmp(err, want, strlen(want)), "errstr: %s", err);
        cr_assert(strstr(err, "max.poll.records"), "errstr points at max.poll.records: %s", err);
        kfk_conf_free(c);
        finish(&loop);
    }
}

Test(batch_settings,
     a_producer_accepts_68_bytes_and_warns_about_an_explicit_batch_size_below_1024) {
    static const struct {
        const char *size; /* NULL: the default */
        int warned;
    } cases[] = {{"68", 1}, {"100", 1}, {"1023", 1}, {"1024", 0}, {NULL, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        logs_t logs = {0};
        kfk_conf_t *c = conf_with(
            cases[i].size ? (const char *[]){"batch.size", cases[i].size, NULL} : NULL, &logs);
        kfk_producer_t *p = NULL;
        char err[512] = "";
        cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), KFK_ERR_NONE, "%s: %s",
                     cases[i].size, err);
        kfk_conf_free(c);
        const char *w = logged(&logs, "batch.size=");
        if (cases[i].warned) {
            cr_assert_not_null(w, "batch.size=%s: no warning", cases[i].size);
            cr_assert_eq(logs.level[0], 4, "a warning: level %d", logs.level[0]);
            cr_assert(strstr(w, "max.poll.records"), "%s", w);
        } else {
            cr_assert_null(w, "batch.size=%s: %s", cases[i].size, w);
        }
        kfk_producer_close(p, NULL, NULL);
        finish(&loop);
    }
}

/* ---- the consumer ---------------------------------------------------------------------------- */

/* A consumer from @p kv: its records per batch; the notice it logged goes to @p notice. */
static int consumer_records(const char *const *kv, char *notice, size_t cap) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    logs_t logs = {0};
    kfk_conf_t *c = conf_with(kv, &logs);
    kfk_consumer_t *k = NULL;
    char err[512] = "";
    cr_assert_eq(kfk_consumer_new(&loop, c, &k, err, sizeof err), KFK_ERR_NONE, "%s", err);
    kfk_conf_free(c);
    int records = k->max_records;
    const char *n = logged(&logs, "batch.size");
    snprintf(notice, cap, "%s", n ? n : "");
    if (n)
        cr_assert_eq(logs.level[0], 5, "a notice: level %d", logs.level[0]);
    kfk_consumer_close(k, NULL, NULL);
    finish(&loop);
    return records;
}

Test(batch_settings, a_consumer_takes_its_records_per_batch_from_max_poll_records) {
    char notice[512];
    cr_assert_eq(consumer_records(NULL, notice, sizeof notice), 100);
    cr_assert_str_empty(notice);
    cr_assert_eq(
        consumer_records((const char *[]){"max.poll.records", "10", NULL}, notice, sizeof notice),
        10);
    cr_assert_str_empty(notice);
    /* Shared with a producer: both set, no notice. */
    cr_assert_eq(
        consumer_records((const char *[]){"max.poll.records", "10", "batch.size", "65536", NULL},
                         notice, sizeof notice),
        10);
    cr_assert_str_empty(notice);
}

Test(batch_settings, a_consumer_ignores_batch_size_and_says_max_poll_records_is_the_setting) {
    char notice[512];
    cr_assert_eq(
        consumer_records((const char *[]){"batch.size", "10", NULL}, notice, sizeof notice), 100);
    cr_assert_str_eq(notice,
                     "batch.size=10 is the producer's batch in bytes and does not set the "
                     "consumer's batch; set max.poll.records for records per batch (now 100)");
}
