/*
 * mock_records.h: records placed straight into the in-process mock's log, for the unit_faults
 * tests that consume (no producer, no Produce request): kt_mock_fill appends one v2 batch of
 * @p n records (kt_batch_build: values "r0".."r<n-1>", no keys, timestamps 1000 + i) to @p topic
 * / @p part as a Produce would append it (checked first). Each returns only on success.
 */
#ifndef KFK_TESTS_FAULTS_MOCK_RECORDS_H
#define KFK_TESTS_FAULTS_MOCK_RECORDS_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "kfk/mock.h"
#include "mock/mock_int.h"
#include "protocol/records.h"

/* Appends to @p w a finished v2 batch of @p n records "r0".."r<n-1>" (no keys, timestamps
 * 1000 + i). */
static inline void kt_batch_build(kfk_wbuf_t *w, int n) {
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), KFK_ERR_NONE);
    for (int i = 0; i < n; i++) {
        char v[16];
        int len = snprintf(v, sizeof v, "r%d", i);
        kfk_bytes_t key = {NULL, -1}, val = {(const uint8_t *)v, len};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, val, NULL, 0, 1000 + i),
                     KFK_ERR_NONE);
    }
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), KFK_ERR_NONE);
}

static inline void kt_mock_fill(kfk_mock_t *m, const char *topic, int32_t part, int n) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kt_batch_build(&w, n);
    kfk__mtopic_t *tp = kfk__mock_topic(m, topic, 1);
    cr_assert_not_null(tp, "no topic %s in the mock", topic);
    kfk_record_batch_t rb;
    cr_assert_eq(kfk__mlog_check(w.data, w.len, &rb), KFK_ERR_NONE);
    int64_t base;
    cr_assert_eq(kfk__mlog_append(&tp->parts[part].log, &rb, tp->parts[part].leader_epoch, &base),
                 KFK_ERR_NONE);
    kfk_wbuf_free(&w);
}

#endif
