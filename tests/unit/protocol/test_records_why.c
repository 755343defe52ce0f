/*
 * test_records_why.c: records_why.c names what is wrong with a records blob the readers
 * refused, in the words the consumer's error events use: the record and the field (a length
 * past the end with the bytes left, a varint too long, a negative key length), a record count
 * the bytes cannot hold (refused before any record is handed out), bytes left after the count,
 * and for a batch header a CRC mismatch with both values, a length below the minimum, an
 * unsupported magic or a partial batch.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "protocol/records.h"

/* A finished batch of @p n records with values "v0".."v<n-1>" and null keys, in @p w. */
static void batch_of(kfk_wbuf_t *w, int n) {
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    for (int i = 0; i < n; i++) {
        uint8_t v[2] = {'v', (uint8_t)('0' + i)};
        kfk_bytes_t key = {NULL, -1}, val = {v, 2};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, val, NULL, 0, 1000), 0);
    }
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
}

static void recrc(uint8_t *p, size_t len) {
    kfk__wr32(p + RB_CRC, kfk_crc32c(0, p + RB_ATTRIBUTES, len - RB_ATTRIBUTES));
}

/* Iterates the one batch in @p w until the iterator fails; returns its cause and how many
 * records came before. */
static int why_of(const kfk_wbuf_t *w, char *why, size_t n) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_t b;
    kfk_record_batch_reader_init(&r, w->data, w->len);
    cr_assert(kfk_record_batch_next(&r, &b), "the header itself failed: %s", kfk_err_name(r.err));
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
    kfk_record_view_t v;
    int got = 0;
    while (kfk_record_iter_next(&it, &v))
        got++;
    cr_assert_eq(it.err, KFK_ERR__BAD_MSG);
    kfk__record_iter_why(&it, why, n);
    return got;
}

/* Offset of record @p i's length varint (records of one-byte lengths). */
static size_t record_at(const kfk_wbuf_t *w, int i) {
    size_t at = RB_RECORDS;
    for (int k = 0; k < i; k++)
        at += 1 + (w->data[at] >> 1);
    return at;
}

Test(records_why, names_a_record_length_past_the_end_with_the_bytes_left) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    batch_of(&w, 3);
    size_t at = record_at(&w, 2);
    size_t left = w.len - at - 1;
    w.data[at] = 126; /* 63 */
    recrc(w.data, w.len);
    char why[256], want[128];
    cr_expect_eq(why_of(&w, why, sizeof why), 2, "the records before the bad one are read");
    snprintf(want, sizeof want,
             "record 2 of 3: record length 63 past the batch end (%zu bytes left)", left);
    cr_expect_str_eq(why, want);
    kfk_wbuf_free(&w);
}

Test(records_why, names_a_field_inside_the_record) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    batch_of(&w, 1);
    /* Record: length, attributes, timestamp delta, offset delta, key length (-1 = 0x01). */
    size_t key = RB_RECORDS + 4;
    cr_assert_eq(w.data[key], 0x01);
    w.data[key] = 0x03; /* -2 */
    recrc(w.data, w.len);
    char why[256];
    why_of(&w, why, sizeof why);
    cr_expect(strstr(why, "key length -2") != NULL, "%s", why);
    kfk_wbuf_free(&w);

    /* A timestamp delta varint longer than 10 bytes: the record's bytes all 0xff after its
     * attributes (the length stays, the fields inside it run out). */
    kfk_wbuf_init(&w);
    batch_of(&w, 1);
    size_t len = w.data[RB_RECORDS] >> 1;
    memset(w.data + RB_RECORDS + 2, 0xff, len - 1);
    recrc(w.data, w.len);
    why_of(&w, why, sizeof why);
    cr_expect(strstr(why, "timestamp delta varint") != NULL, "%s", why);
    kfk_wbuf_free(&w);
}

Test(records_why, a_record_count_the_bytes_cannot_hold_is_refused_before_any_record) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    batch_of(&w, 3);
    kfk__wr32(w.data + RB_RECORDS_COUNT, 1000000);
    kfk__wr32(w.data + RB_LAST_OFFSET_DELTA, 999999);
    recrc(w.data, w.len);
    char why[256];
    cr_expect_eq(why_of(&w, why, sizeof why), 0, "records of a batch whose count lies");
    cr_expect(strstr(why, "record count 1000000 but") != NULL, "%s", why);
    kfk_wbuf_free(&w);

    /* A count of 2 over 3 records: the third record's bytes are left over. */
    kfk_wbuf_init(&w);
    batch_of(&w, 3);
    kfk__wr32(w.data + RB_RECORDS_COUNT, 2);
    recrc(w.data, w.len);
    cr_expect_eq(why_of(&w, why, sizeof why), 2);
    cr_expect(strstr(why, "bytes left after the batch's 2 records") != NULL, "%s", why);
    kfk_wbuf_free(&w);
}

Test(records_why, names_what_is_wrong_with_a_batch_header) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    batch_of(&w, 2);
    char why[256];
    /* A CRC that does not match. */
    w.data[w.len - 1] ^= 1;
    kfk__record_batch_why(w.data, w.len, why, sizeof why);
    cr_expect(strncmp(why, "CRC-32C mismatch (the batch says ", 33) == 0, "%s", why);
    w.data[w.len - 1] ^= 1;
    /* Cut short: a partial batch. */
    kfk__record_batch_why(w.data, w.len - 5, why, sizeof why);
    cr_expect(strstr(why, "only a partial batch") != NULL, "%s", why);
    kfk__record_batch_why(w.data, 10, why, sizeof why);
    cr_expect(strstr(why, "not even a batch header") != NULL, "%s", why);
    /* A length below the smallest batch, and a magic no reader knows. */
    uint8_t copy[256];
    cr_assert_leq(w.len, sizeof copy);
    memcpy(copy, w.data, w.len);
    kfk__wr32(copy + RB_LENGTH, (uint32_t)-1);
    kfk__record_batch_why(copy, w.len, why, sizeof why);
    cr_expect_str_eq(why, "batch length -1 below the smallest batch (14)");
    memcpy(copy, w.data, w.len);
    copy[RB_MAGIC] = 7;
    kfk__record_batch_why(copy, w.len, why, sizeof why);
    cr_expect_str_eq(why, "unsupported magic 7");
    kfk_wbuf_free(&w);
}
