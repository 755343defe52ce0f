/*
 * test_legacy.c: legacy message sets (magic 0 and 1), read through the same batch reader as
 * RecordBatch v2: hand-written messages, sets written by Kafka 4.3.1's Java classes
 * (tests/golden/records/v0_*.bin, v1_*.bin), compressed wrappers (relative offsets, wrapper
 * offset 0, LogAppendTime, magic 0 LZ4 with its broken header checksum), formats mixed in one
 * blob, and every malformation the reader must refuse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "codec_check.h"

#define T0 INT64_C(1700000000000)

/* Offset 5, v0, key "k", value "hello" (CRC-32 computed independently). */
static const uint8_t V0_MSG[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,     /* Offset 5 */
    0x00, 0x00, 0x00, 0x14,                             /* MessageSize 20 */
    0xa4, 0xcd, 0xab, 0x3a,                             /* CRC-32 of Magic..end */
    0x00,                                               /* Magic 0 */
    0x00,                                               /* Attributes */
    0x00, 0x00, 0x00, 0x01, 'k',                        /* Key */
    0x00, 0x00, 0x00, 0x05, 'h',  'e',  'l',  'l',  'o' /* Value */
};

/* Offset 6, v1, timestamp 1234567890123, null key, value "world". */
static const uint8_t V1_MSG[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,     /* Offset 6 */
    0x00, 0x00, 0x00, 0x1b,                             /* MessageSize 27 */
    0x87, 0x22, 0x4e, 0xd5,                             /* CRC-32 */
    0x01,                                               /* Magic 1 */
    0x00,                                               /* Attributes: CreateTime */
    0x00, 0x00, 0x01, 0x1f, 0x71, 0xfb, 0x04, 0xcb,     /* Timestamp */
    0xff, 0xff, 0xff, 0xff,                             /* null Key */
    0x00, 0x00, 0x00, 0x05, 'w',  'o',  'r',  'l',  'd' /* Value */
};

/* tests/golden/records/<name>, which must not be empty; the caller frees it. */
static uint8_t *golden(const char *name, size_t *len) {
    uint8_t *buf = cc_golden_file("records", name, len);
    cr_assert_gt(*len, 0, "records/%s is empty", name);
    return buf;
}

/* Appends a legacy message: offset, magic, attributes, timestamp (v1), key, value. */
static void put_msg(kfk_wbuf_t *w, int64_t offset, int magic, int attributes, int64_t ts,
                    const void *key, int32_t klen, const void *value, int32_t vlen) {
    size_t start = w->len;
    kfk_wbuf_put_int64(w, offset);
    kfk_wbuf_put_int32(w, 0);
    kfk_wbuf_put_int32(w, 0);
    kfk_wbuf_put_int8(w, (int8_t)magic);
    kfk_wbuf_put_int8(w, (int8_t)attributes);
    if (magic == 1)
        kfk_wbuf_put_int64(w, ts);
    kfk_wbuf_put_int32(w, klen);
    if (klen > 0)
        kfk_wbuf_put_raw(w, key, (size_t)klen);
    kfk_wbuf_put_int32(w, vlen);
    if (vlen > 0)
        kfk_wbuf_put_raw(w, value, (size_t)vlen);
    cr_assert_eq(w->err, 0);
    uint8_t *p = w->data + start;
    size_t size = w->len - start - 12;
    cc_put32(p + 8, (uint32_t)size);
    cc_put32(p + 12, kfk_crc32(0, p + 16, size - 4));
}

/* Appends a wrapper around inner (a message set) compressed with codec. */
static void put_wrapper(kfk_wbuf_t *w, int64_t offset, int magic, int attributes, int64_t ts,
                        const kfk_wbuf_t *inner, kfk_codec_t codec) {
    kfk_wbuf_t z;
    kfk_wbuf_init(&z);
    cr_assert_eq(kfk_compress(codec, -1, inner->data, inner->len, &z), 0);
    put_msg(w, offset, magic, attributes | (int)codec, ts, NULL, -1, z.data, (int32_t)z.len);
    kfk_wbuf_free(&z);
}

static int next_batch(kfk_record_batch_reader_t *r, kfk_record_batch_t *b) {
    if (kfk_record_batch_next(r, b))
        return 1;
    return r->err;
}

static int one_batch(const uint8_t *p, size_t len, kfk_record_batch_t *b) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, p, len);
    return next_batch(&r, b);
}

/* Reads every record of the batch into recs (at most max); returns the iterator's error. */
static kfk_err_t records_of(const kfk_record_batch_t *b, kfk_wbuf_t *out, kfk_record_view_t *recs,
                            int max, int *n) {
    kfk_record_iter_t it;
    *n = 0;
    kfk_err_t err = kfk_record_iter_init(&it, b, out, 1 << 20);
    if (err)
        return err;
    while (*n < max && kfk_record_iter_next(&it, &recs[*n]))
        (*n)++;
    kfk_record_view_t extra;
    cr_assert_not(kfk_record_iter_next(&it, &extra));
    return it.err;
}

Test(legacy, reads_a_hand_written_v0_message) {
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(V0_MSG, sizeof V0_MSG, &b), 1);
    cr_assert_eq(b.magic, 0);
    cr_assert_eq(b.base_offset, 5);
    cr_assert_eq(b.batch_length, 20);
    cr_assert_eq(b.crc, 0xa4cdab3au);
    cr_assert_eq(b.attributes, 0);
    cr_assert_eq(b.codec, KFK_CODEC_NONE);
    cr_assert_eq(b.records_count, 1);
    cr_assert_eq(b.last_offset_delta, 0);
    cr_assert_eq(b.base_timestamp, -1);
    cr_assert_eq(b.max_timestamp, -1);
    cr_assert_eq(b.partition_leader_epoch, -1);
    cr_assert_eq(b.producer_id, -1);
    cr_assert_eq(b.producer_epoch, -1);
    cr_assert_eq(b.base_sequence, -1);
    cr_assert_not(b.is_transactional);
    cr_assert_not(b.is_control);
    cr_assert_eq(b.timestamp_type, KFK_TIMESTAMP_CREATE_TIME);
    cr_assert_eq(kfk_record_batch_next_offset(&b), 6);
    kfk_record_view_t recs[2];
    int n;
    cr_assert_eq(records_of(&b, NULL, recs, 2, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(recs[0].offset, 5);
    cr_assert_eq(recs[0].timestamp, -1);
    cr_assert(cc_bytes_is(recs[0].key, "k"));
    cr_assert(cc_bytes_is(recs[0].value, "hello"));
    cr_assert_eq(recs[0].key.ptr, V0_MSG + 22, "zero copy");
    cr_assert_eq(recs[0].header_count, 0);
    kfk_record_header_iter_t hi;
    kfk_record_header_t h;
    kfk_record_header_iter_init(&hi, &recs[0]);
    cr_assert_not(kfk_record_header_iter_next(&hi, &h));
}

Test(legacy, reads_a_hand_written_v1_message) {
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(V1_MSG, sizeof V1_MSG, &b), 1);
    cr_assert_eq(b.magic, 1);
    cr_assert_eq(b.base_offset, 6);
    cr_assert_eq(b.crc, 0x87224ed5u);
    cr_assert_eq(b.base_timestamp, 1234567890123);
    cr_assert_eq(b.max_timestamp, 1234567890123);
    kfk_record_view_t recs[2];
    int n;
    cr_assert_eq(records_of(&b, NULL, recs, 2, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(recs[0].offset, 6);
    cr_assert_eq(recs[0].timestamp, 1234567890123);
    cr_assert(cc_bytes_is(recs[0].key, NULL));
    cr_assert(cc_bytes_is(recs[0].value, "world"));
}

Test(legacy, a_wrong_crc_is_an_error) {
    uint8_t buf[sizeof V1_MSG];
    for (size_t i = 16; i < sizeof buf; i++) {
        memcpy(buf, V1_MSG, sizeof buf);
        buf[i] ^= 0x04;
        kfk_record_batch_t b;
        int got = one_batch(buf, sizeof buf, &b);
        if (i == 16) /* the magic byte: 1 becomes 5 */
            cr_assert_eq(got, KFK_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);
        else if (i < 26 || i > 33) /* not the key or value length */
            cr_assert_eq(got, KFK_ERR__CRC, "byte %zu", i);
        else
            cr_assert(got == KFK_ERR__CRC || got == KFK_ERR__BAD_MSG);
    }
    memcpy(buf, V1_MSG, sizeof buf);
    buf[13] ^= 1; /* the CRC */
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(buf, sizeof buf, &b), KFK_ERR__CRC);
}

Test(legacy, sizes_and_lengths_that_do_not_fill_the_message_are_errors) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_t b;
    /* MessageSize below 14. */
    uint8_t buf[64];
    memcpy(buf, V0_MSG, sizeof V0_MSG);
    cc_put32(buf + 8, 13);
    cr_assert_eq(one_batch(buf, sizeof V0_MSG, &b), KFK_ERR__BAD_MSG);
    cc_put32(buf + 8, 0xfffffff0u);
    cr_assert_eq(one_batch(buf, sizeof V0_MSG, &b), KFK_ERR__BAD_MSG);
    /* A v1 message too short for its timestamp. */
    put_msg(&w, 0, 0, 0, 0, NULL, -1, NULL, -1);
    w.data[16] = 1;
    cc_put32(w.data + 12, kfk_crc32(0, w.data + 16, w.len - 16));
    cr_assert_eq(one_batch(w.data, w.len, &b), KFK_ERR__BAD_MSG);
    /* Key length -2, key past the end, value shorter than the message. */
    static const int32_t klens[] = {-2, 100, 0};
    for (int i = 0; i < 3; i++) {
        w.len = 0;
        put_msg(&w, 0, 0, 0, 0, "abc", 3, "xyz", 3);
        cc_put32(w.data + 18, (uint32_t)klens[i]);
        cc_put32(w.data + 12, kfk_crc32(0, w.data + 16, w.len - 16));
        cr_assert_eq(one_batch(w.data, w.len, &b), KFK_ERR__BAD_MSG, "key length %d", klens[i]);
    }
    kfk_wbuf_free(&w);
}

/* Checks the three messages of RecordsGolden.legacySet at offsets base..base+2. */
static void expect_legacy_set(const kfk_record_view_t *recs, int n, int64_t base, int magic,
                              int64_t log_append_time) {
    cr_assert_eq(n, 3);
    static const char *keys[] = {"lk0", NULL, "lk2"};
    static const char *values[] = {"lv0", "lv1", NULL};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(recs[i].offset, base + i);
        int64_t ts = magic == 0 ? -1 : log_append_time >= 0 ? log_append_time : T0 + i;
        cr_assert_eq(recs[i].timestamp, ts, "record %d", i);
        cr_assert(cc_bytes_is(recs[i].key, keys[i]), "key %d", i);
        cr_assert(cc_bytes_is(recs[i].value, values[i]), "value %d", i);
        cr_assert_eq(recs[i].header_count, 0);
    }
}

static void check_plain_file(const char *name, int magic) {
    size_t len;
    uint8_t *blob = golden(name, &len);
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, blob, len);
    kfk_record_view_t recs[3];
    for (int i = 0; i < 3; i++) {
        kfk_record_batch_t b;
        cr_assert_eq(next_batch(&r, &b), 1);
        cr_assert_eq(b.magic, magic);
        cr_assert_eq(b.base_offset, i);
        cr_assert_eq(b.codec, KFK_CODEC_NONE);
        cr_assert_eq(b.records_count, 1);
        cr_assert_eq(b.base_timestamp, magic ? T0 + i : -1);
        cr_assert_eq(kfk_record_batch_next_offset(&b), i + 1);
        int n;
        cr_assert_eq(records_of(&b, NULL, &recs[i], 1, &n), 0);
        cr_assert_eq(n, 1);
    }
    kfk_record_batch_t b;
    cr_assert_eq(next_batch(&r, &b), 0);
    cr_assert_not(r.truncated);
    expect_legacy_set(recs, 3, 0, magic, -1);
    free(blob);
}

Test(legacy, java_v0_plain_set_decodes) {
    check_plain_file("v0_plain.bin", 0);
}

Test(legacy, java_v1_plain_set_decodes) {
    check_plain_file("v1_plain.bin", 1);
}

static void check_wrapper_file(const char *name, int magic, kfk_codec_t codec, int64_t base,
                               int64_t log_append_time) {
    size_t len;
    uint8_t *blob = golden(name, &len);
    kfk_record_batch_t b;
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, blob, len);
    cr_assert_eq(next_batch(&r, &b), 1);
    cr_assert_eq(b.magic, magic);
    cr_assert_eq(b.codec, codec);
    cr_assert_eq(b.records_count, -1);
    cr_assert_eq(b.base_offset, base + 2, "the wrapper carries the last offset");
    cr_assert_eq(kfk_record_batch_next_offset(&b), base + 3);
    if (log_append_time >= 0) {
        cr_assert_eq(b.timestamp_type, KFK_TIMESTAMP_LOG_APPEND_TIME);
        cr_assert_eq(b.max_timestamp, log_append_time);
    }
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_view_t recs[4];
    int n;
    kfk_err_t err = records_of(&b, &out, recs, 4, &n);
    if (!kfk_codec_available(codec)) {
        cr_assert_eq(err, KFK_ERR__UNSUPPORTED_COMPRESSION);
    } else {
        cr_assert_eq(err, 0, "%s: %s", name, kfk_err_name(err));
        expect_legacy_set(recs, n, base, magic, log_append_time);
    }
    cr_assert_eq(next_batch(&r, &b), 0);
    kfk_wbuf_free(&out);
    free(blob);
}

Test(legacy, java_v0_compressed_wrappers_decode) {
    check_wrapper_file("v0_gzip.bin", 0, KFK_CODEC_GZIP, 100, -1);
    check_wrapper_file("v0_snappy.bin", 0, KFK_CODEC_SNAPPY, 100, -1);
    /* Magic 0 LZ4: Kafka wrote a wrong frame header checksum; kfk must accept it. */
    check_wrapper_file("v0_lz4.bin", 0, KFK_CODEC_LZ4, 100, -1);
}

Test(legacy, java_v1_compressed_wrappers_use_relative_inner_offsets) {
    check_wrapper_file("v1_gzip.bin", 1, KFK_CODEC_GZIP, 100, -1);
    check_wrapper_file("v1_snappy.bin", 1, KFK_CODEC_SNAPPY, 100, -1);
    check_wrapper_file("v1_lz4.bin", 1, KFK_CODEC_LZ4, 100, -1);
}

Test(legacy, java_v1_log_append_time_wrapper_stamps_its_time_on_every_record) {
    check_wrapper_file("v1_gzip_log_append.bin", 1, KFK_CODEC_GZIP, 200, T0 + 777);
}

Test(legacy, v0_v1_and_v2_mixed_in_one_blob_are_all_read) {
    static const char *names[] = {"v0_plain.bin", "v1_gzip.bin", "v2_basic.bin", "v1_plain.bin",
                                  "v2_zstd.bin"};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    for (int i = 0; i < 5; i++) {
        size_t len;
        uint8_t *blob = golden(names[i], &len);
        kfk_wbuf_put_raw(&w, blob, len);
        free(blob);
    }
    static const int magics[] = {0, 0, 0, 1, 2, 1, 1, 1, 2};
    static const int counts[] = {1, 1, 1, 3, 5, 1, 1, 1, 50};
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, w.data, w.len);
    kfk_record_batch_t b;
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    for (int i = 0; i < 9; i++) {
        cr_assert_eq(next_batch(&r, &b), 1, "batch %d", i);
        cr_assert_eq(b.magic, magics[i], "batch %d", i);
        kfk_record_iter_t it;
        kfk_record_view_t rec;
        out.len = 0;
        cr_assert_eq(kfk_record_iter_init(&it, &b, &out, 1 << 20), 0);
        int n = 0;
        while (kfk_record_iter_next(&it, &rec))
            n++;
        cr_assert_eq(it.err, 0);
        cr_assert_eq(n, counts[i], "batch %d", i);
    }
    cr_assert_eq(next_batch(&r, &b), 0);
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&w);
}

Test(legacy, a_v1_wrapper_with_offset_zero_keeps_the_inner_offsets) {
    kfk_wbuf_t inner, w, out;
    kfk_wbuf_init(&inner);
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    for (int i = 0; i < 3; i++)
        put_msg(&inner, i, 1, 0, 1000 + i, "k", 1, "v", 1);
    put_wrapper(&w, 0, 1, 0, 1002, &inner, KFK_CODEC_GZIP);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    kfk_record_view_t recs[3];
    int n;
    cr_assert_eq(records_of(&b, &out, recs, 3, &n), 0);
    cr_assert_eq(n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(recs[i].offset, i);
        cr_assert_eq(recs[i].timestamp, 1000 + i);
    }
    /* With offset 50 the inner offsets 0..2 become 48..50. */
    w.len = 0;
    put_wrapper(&w, 50, 1, 0, 1002, &inner, KFK_CODEC_GZIP);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    out.len = 0;
    cr_assert_eq(records_of(&b, &out, recs, 3, &n), 0);
    cr_assert_eq(recs[0].offset, 48);
    cr_assert_eq(recs[2].offset, 50);
    /* A wrapper offset below the last inner offset (and not 0) is an error. */
    w.len = 0;
    put_wrapper(&w, 1, 1, 0, 1002, &inner, KFK_CODEC_GZIP);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    out.len = 0;
    cr_assert_eq(records_of(&b, &out, recs, 3, &n), KFK_ERR__BAD_MSG);
    kfk_wbuf_free(&inner);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(legacy, a_v0_wrapper_keeps_its_absolute_inner_offsets) {
    kfk_wbuf_t inner, w, out;
    kfk_wbuf_init(&inner);
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    for (int i = 0; i < 3; i++)
        put_msg(&inner, 70 + i, 0, 0, 0, NULL, -1, "value", 5);
    put_wrapper(&w, 72, 0, 0, 0, &inner, KFK_CODEC_SNAPPY);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    kfk_record_view_t recs[3];
    int n;
    cr_assert_eq(records_of(&b, &out, recs, 3, &n), 0);
    cr_assert_eq(n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(recs[i].offset, 70 + i);
        cr_assert_eq(recs[i].timestamp, -1);
        cr_assert(cc_bytes_is(recs[i].value, "value"));
    }
    kfk_wbuf_free(&inner);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(legacy, wrappers_nested_empty_null_or_zstd_are_refused) {
    kfk_wbuf_t inner, nested, w, out;
    kfk_wbuf_init(&inner);
    kfk_wbuf_init(&nested);
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    kfk_record_batch_t b;
    kfk_record_view_t recs[4];
    int n;
    /* A compressed message inside a compressed message. */
    put_msg(&inner, 0, 1, 0, 5, "k", 1, "v", 1);
    put_wrapper(&nested, 0, 1, 0, 5, &inner, KFK_CODEC_GZIP);
    put_wrapper(&w, 0, 1, 0, 5, &nested, KFK_CODEC_GZIP);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    cr_assert_eq(records_of(&b, &out, recs, 4, &n), KFK_ERR__BAD_MSG);
    /* No inner messages at all. */
    kfk_wbuf_t empty;
    kfk_wbuf_init(&empty);
    w.len = 0;
    put_wrapper(&w, 0, 1, 0, 5, &empty, KFK_CODEC_GZIP);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    out.len = 0;
    cr_assert_eq(records_of(&b, &out, recs, 4, &n), KFK_ERR__BAD_MSG);
    /* A null wrapper value. */
    w.len = 0;
    put_msg(&w, 0, 1, KFK_CODEC_GZIP, 5, NULL, -1, NULL, -1);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    cr_assert_eq(records_of(&b, &out, recs, 4, &n), KFK_ERR__BAD_MSG);
    /* zstd never existed for magic 0/1; codecs 5-7 are not codecs. */
    w.len = 0;
    put_msg(&w, 0, 1, KFK_CODEC_ZSTD, 5, NULL, -1, "x", 1);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    cr_assert_eq(records_of(&b, &out, recs, 4, &n), KFK_ERR__BAD_MSG);
    w.len = 0;
    put_msg(&w, 0, 1, 6, 5, NULL, -1, "x", 1);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    cr_assert_eq(records_of(&b, &out, recs, 4, &n), KFK_ERR__UNSUPPORTED_COMPRESSION);
    /* Compressed and no output buffer. */
    w.len = 0;
    put_wrapper(&w, 0, 1, 0, 5, &inner, KFK_CODEC_GZIP);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    cr_assert_eq(records_of(&b, NULL, recs, 4, &n), KFK_ERR__INVALID_ARG);
    /* A corrupt inner message (its CRC). */
    inner.data[20] ^= 1;
    w.len = 0;
    put_wrapper(&w, 0, 1, 0, 5, &inner, KFK_CODEC_GZIP);
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    out.len = 0;
    cr_assert_eq(records_of(&b, &out, recs, 4, &n), KFK_ERR__CRC);
    kfk_wbuf_free(&inner);
    kfk_wbuf_free(&nested);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(legacy, a_truncated_last_inner_message_ends_the_inner_set) {
    kfk_wbuf_t inner, w, out;
    kfk_wbuf_init(&inner);
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    put_msg(&inner, 0, 1, 0, 1, "a", 1, "1", 1);
    put_msg(&inner, 1, 1, 0, 2, "b", 1, "2", 1);
    inner.len -= 3;
    put_wrapper(&w, 9, 1, 0, 2, &inner, KFK_CODEC_GZIP);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    kfk_record_view_t recs[2];
    int n;
    cr_assert_eq(records_of(&b, &out, recs, 2, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(recs[0].offset, 9);
    kfk_wbuf_free(&inner);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(legacy, the_decompression_cap_applies_to_wrappers) {
    kfk_wbuf_t inner, w, out;
    kfk_wbuf_init(&inner);
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    static uint8_t zeros[200000];
    put_msg(&inner, 0, 1, 0, 1, NULL, -1, zeros, (int32_t)sizeof zeros);
    put_wrapper(&w, 0, 1, 0, 1, &inner, KFK_CODEC_GZIP);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(w.data, w.len, &b), 1);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &b, &out, 100000), KFK_ERR__DECOMPRESS);
    cr_assert_leq(out.len, 100000);
    kfk_wbuf_free(&inner);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(legacy, truncation_at_every_byte_of_every_legacy_file_never_fails) {
    static const char *names[] = {"v0_plain.bin",  "v0_gzip.bin",  "v0_snappy.bin",
                                  "v0_lz4.bin",    "v1_plain.bin", "v1_gzip.bin",
                                  "v1_snappy.bin", "v1_lz4.bin",   "v1_gzip_log_append.bin"};
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        size_t len;
        uint8_t *blob = golden(names[f], &len);
        /* Where the entries end. */
        size_t bounds[8];
        int nb = 0;
        kfk_record_batch_reader_t r;
        kfk_record_batch_t b;
        kfk_record_batch_reader_init(&r, blob, len);
        bounds[nb++] = 0;
        while (nb < 8 && kfk_record_batch_next(&r, &b))
            bounds[nb++] = (size_t)(b.data + b.size - blob);
        cr_assert_eq(bounds[nb - 1], len);
        for (size_t cut = 0; cut <= len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, blob, cut);
            kfk_record_batch_reader_init(&r, copy, cut);
            int batches = 0;
            while (kfk_record_batch_next(&r, &b)) {
                kfk_wbuf_t out;
                kfk_wbuf_init(&out);
                kfk_record_view_t recs[4];
                int n;
                cr_assert_eq(records_of(&b, &out, recs, 4, &n), 0);
                kfk_wbuf_free(&out);
                batches++;
            }
            cr_assert_eq(r.err, 0, "%s cut at %zu", names[f], cut);
            int at_bound = 0, whole = 0;
            for (int i = 0; i < nb; i++) {
                if (bounds[i] == cut)
                    at_bound = 1;
                if (bounds[i] <= cut)
                    whole = i;
            }
            cr_assert_eq(r.truncated, !at_bound, "%s cut at %zu", names[f], cut);
            cr_assert_eq(batches, whole, "%s cut at %zu", names[f], cut);
            free(copy);
        }
        free(blob);
    }
}

Test(legacy, the_txn_filter_never_skips_legacy_batches) {
    kfk_aborted_txn_t aborted[] = {{-1, 0}};
    kfk_txn_filter_t f;
    cr_assert_eq(kfk_txn_filter_init(&f, aborted, 1, sizeof aborted[0]), 0);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(V0_MSG, sizeof V0_MSG, &b), 1);
    bool skip = true;
    cr_assert_eq(kfk_txn_filter_check(&f, &b, &skip), 0);
    cr_assert_not(skip);
    kfk_txn_filter_free(&f);
}
