/*
 * test_records_golden.c: record batches written by Kafka 4.3.1's own Java classes
 * (tests/golden/records, made by tests/golden/tools/RecordsGolden.java): every header field
 * and record is checked, the compressed ones after kfk_decompress, and kfk's builder must
 * write the uncompressed ones byte for byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "codec_check.h"

#define T0 INT64_C(1700000000000)
#define B(s) ((kfk_bytes_t){(const uint8_t *)(s), (int32_t)(sizeof(s) - 1)})
#define NULL_BYTES ((kfk_bytes_t){NULL, -1})

/* tests/golden/records/<name>, which must not be empty; the caller frees it. */
static uint8_t *golden(const char *name, size_t *len) {
    uint8_t *buf = cc_golden_file("records", name, len);
    cr_assert_gt(*len, 0, "records/%s is empty", name);
    return buf;
}

/* The one batch of a one-batch file. */
static void only_batch(const uint8_t *blob, size_t len, kfk_record_batch_t *b) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, blob, len);
    cr_assert(kfk_record_batch_next(&r, b), "err %d", r.err);
    kfk_record_batch_t extra;
    cr_assert_not(kfk_record_batch_next(&r, &extra));
    cr_assert_eq(r.err, 0);
    cr_assert_not(r.truncated);
    cr_assert_eq(b->size, len);
    cr_assert_eq(b->batch_length, (int32_t)len - 12);
    cr_assert_eq(b->magic, 2);
    cr_assert_eq(b->partition_leader_epoch, -1);
}

static void expect_header(const kfk_record_view_t *rec, int index, const char *key,
                          const char *value) {
    kfk_record_header_iter_t hi;
    kfk_record_header_t h;
    kfk_record_header_iter_init(&hi, rec);
    for (int i = 0; i <= index; i++)
        cr_assert(kfk_record_header_iter_next(&hi, &h));
    cr_assert(kfk_str_eq(h.key, key));
    cr_assert(cc_bytes_is(h.value, value));
}

/* The 300-byte value of v2_basic's record 3. */
static void alphabet(uint8_t *v) {
    for (int i = 0; i < 300; i++)
        v[i] = (uint8_t)('a' + i % 26);
}

/* Builds v2_basic.bin's batch with kfk. */
static void build_basic(kfk_wbuf_t *w) {
    uint8_t big[300];
    alphabet(big);
    kfk_record_batch_builder_t b;
    kfk_record_header_t h1 = {KFK_STR("h1"), B("x")};
    kfk_record_header_t h2[] = {{KFK_STR("a"), NULL_BYTES}, {KFK_STR("b"), B("")}};
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k0"), B("v0"), &h1, 1, T0), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, NULL_BYTES, B("value-1"), NULL, 0, T0 + 1), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B(""), NULL_BYTES, h2, 2, T0 + 5), 0);
    cr_assert_eq(
        kfk_record_batch_builder_append(&b, B("k3"), (kfk_bytes_t){big, 300}, NULL, 0, T0 - 10), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k4"), B("v4"), NULL, 0, T0 + 100), 0);
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
}

Test(records_golden, java_basic_batch_decodes_field_by_field) {
    size_t len;
    uint8_t *blob = golden("v2_basic.bin", &len);
    kfk_record_batch_t b;
    only_batch(blob, len, &b);
    cr_assert_eq(b.base_offset, 0);
    cr_assert_eq(b.attributes, 0);
    cr_assert_eq(b.last_offset_delta, 4);
    cr_assert_eq(b.base_timestamp, T0);
    cr_assert_eq(b.max_timestamp, T0 + 100);
    cr_assert_eq(b.producer_id, -1);
    cr_assert_eq(b.producer_epoch, -1);
    cr_assert_eq(b.base_sequence, -1);
    cr_assert_eq(b.records_count, 5);
    cr_assert_eq(b.codec, KFK_CODEC_NONE);
    cr_assert_not(b.is_transactional);
    cr_assert_not(b.is_control);
    cr_assert_eq(b.timestamp_type, KFK_TIMESTAMP_CREATE_TIME);
    cr_assert_eq(kfk_record_batch_next_offset(&b), 5);

    kfk_record_iter_t it;
    kfk_record_view_t rec;
    cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 0);
    cr_assert_eq(rec.timestamp, T0);
    cr_assert(cc_bytes_is(rec.key, "k0"));
    cr_assert(cc_bytes_is(rec.value, "v0"));
    cr_assert_eq(rec.header_count, 1);
    expect_header(&rec, 0, "h1", "x");

    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 1);
    cr_assert_eq(rec.timestamp, T0 + 1);
    cr_assert(cc_bytes_is(rec.key, NULL));
    cr_assert(cc_bytes_is(rec.value, "value-1"));
    cr_assert_eq(rec.header_count, 0);

    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 2);
    cr_assert_eq(rec.timestamp, T0 + 5);
    cr_assert(cc_bytes_is(rec.key, ""));
    cr_assert(cc_bytes_is(rec.value, NULL));
    cr_assert_eq(rec.header_count, 2);
    expect_header(&rec, 0, "a", NULL);
    expect_header(&rec, 1, "b", "");

    uint8_t big[300];
    alphabet(big);
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 3);
    cr_assert_eq(rec.timestamp, T0 - 10);
    cr_assert(cc_bytes_is(rec.key, "k3"));
    cr_assert(cc_bytes_eq(rec.value, (kfk_bytes_t){big, 300}));

    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 4);
    cr_assert_eq(rec.timestamp, T0 + 100);
    cr_assert(cc_bytes_is(rec.key, "k4"));
    cr_assert(cc_bytes_is(rec.value, "v4"));
    cr_assert_not(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(it.err, 0);
    free(blob);
}

Test(records_golden, kfk_builds_the_java_basic_batch_byte_for_byte) {
    size_t len;
    uint8_t *blob = golden("v2_basic.bin", &len);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    build_basic(&w);
    cr_assert_eq(w.len, len);
    cr_assert_arr_eq(w.data, blob, len);
    kfk_wbuf_free(&w);
    free(blob);
}

/* Builds v2_idempotent.bin's records (without producer fields unless attrs says). */
static void build_idempotent(kfk_wbuf_t *w, const kfk_record_batch_attrs_t *attrs) {
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    for (int i = 0; i < 3; i++) {
        char k[16], v[16];
        int kn = snprintf(k, sizeof k, "id-%d", i);
        int vn = snprintf(v, sizeof v, "payload-%d", i);
        cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){(uint8_t *)k, kn},
                                                     (kfk_bytes_t){(uint8_t *)v, vn}, NULL, 0,
                                                     T0 + i),
                     0);
    }
    cr_assert_eq(kfk_record_batch_builder_finish(&b, attrs), 0);
    cc_put64(w->data + b.start, 500);
}

Test(records_golden, java_idempotent_batch_matches_and_set_producer_reproduces_it) {
    size_t len;
    uint8_t *blob = golden("v2_idempotent.bin", &len);
    kfk_record_batch_t b;
    only_batch(blob, len, &b);
    cr_assert_eq(b.base_offset, 500);
    cr_assert_eq(b.producer_id, 4242);
    cr_assert_eq(b.producer_epoch, 7);
    cr_assert_eq(b.base_sequence, 100);
    cr_assert_eq(b.records_count, 3);
    cr_assert_eq(b.last_offset_delta, 2);
    cr_assert_eq(kfk_record_batch_next_offset(&b), 503);
    kfk_record_iter_t it;
    kfk_record_view_t rec;
    cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
    for (int i = 0; i < 3; i++) {
        char k[16], v[16];
        snprintf(k, sizeof k, "id-%d", i);
        snprintf(v, sizeof v, "payload-%d", i);
        cr_assert(kfk_record_iter_next(&it, &rec));
        cr_assert_eq(rec.offset, 500 + i);
        cr_assert_eq(rec.timestamp, T0 + i);
        cr_assert(cc_bytes_is(rec.key, k));
        cr_assert(cc_bytes_is(rec.value, v));
    }
    cr_assert_not(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(it.err, 0);

    /* Built with the producer fields from the start. */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.producer_id = 4242;
    a.producer_epoch = 7;
    a.base_sequence = 100;
    build_idempotent(&w, &a);
    cr_assert_eq(w.len, len);
    cr_assert_arr_eq(w.data, blob, len);
    kfk_wbuf_free(&w);

    /* Built without, then stamped (a producer that got its id late). */
    kfk_wbuf_init(&w);
    build_idempotent(&w, NULL);
    cr_assert_eq(kfk_record_batch_set_producer(w.data, w.len, 4242, 7, 100), 0);
    cr_assert_eq(w.len, len);
    cr_assert_arr_eq(w.data, blob, len);
    kfk_wbuf_free(&w);
    free(blob);
}

Test(records_golden, java_log_append_time_batch_gives_every_record_the_broker_time) {
    size_t len;
    uint8_t *blob = golden("v2_log_append.bin", &len);
    kfk_record_batch_t b;
    only_batch(blob, len, &b);
    cr_assert_eq(b.base_offset, 7);
    cr_assert_eq(b.attributes, KFK_RECORD_BATCH_ATTR_LOG_APPEND_TIME);
    cr_assert_eq(b.timestamp_type, KFK_TIMESTAMP_LOG_APPEND_TIME);
    cr_assert_eq(b.base_timestamp, T0);
    cr_assert_eq(b.max_timestamp, T0 + 9999);
    kfk_record_iter_t it;
    kfk_record_view_t rec;
    cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 7);
    cr_assert_eq(rec.timestamp, T0 + 9999);
    cr_assert(cc_bytes_is(rec.key, "a") && cc_bytes_is(rec.value, "1"));
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 8);
    cr_assert_eq(rec.timestamp, T0 + 9999);
    cr_assert(cc_bytes_is(rec.key, "b") && cc_bytes_is(rec.value, "2"));
    cr_assert_not(kfk_record_iter_next(&it, &rec));

    /* kfk as a broker would write it. */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_builder_t bb;
    cr_assert_eq(kfk_record_batch_builder_begin(&bb, &w), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&bb, B("a"), B("1"), NULL, 0, T0), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&bb, B("b"), B("2"), NULL, 0, T0 + 3), 0);
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.timestamp_type = KFK_TIMESTAMP_LOG_APPEND_TIME;
    a.log_append_time = T0 + 9999;
    cr_assert_eq(kfk_record_batch_builder_finish(&bb, &a), 0);
    cc_put64(w.data, 7);
    cr_assert_eq(w.len, len);
    cr_assert_arr_eq(w.data, blob, len);
    kfk_wbuf_free(&w);
    free(blob);
}

/* RecordsGolden.bigValue(i). */
static int big_value(int i, char *out) {
    char piece[32];
    int pn = snprintf(piece, sizeof piece, "value-%d-", i);
    int n = 0;
    while (n < 100) {
        int take = pn < 100 - n ? pn : 100 - n;
        memcpy(out + n, piece, (size_t)take);
        n += take;
    }
    return 100;
}

/* The uncompressed records region of the 50-record codec batches, built by kfk. */
static void build_codec_records(kfk_wbuf_t *w) {
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    for (int i = 0; i < 50; i++) {
        char k[16], v[100], idx[8];
        int kn = snprintf(k, sizeof k, "key-%d", i);
        int in = snprintf(idx, sizeof idx, "%d", i);
        big_value(i, v);
        kfk_record_header_t h = {KFK_STR("idx"), {(uint8_t *)idx, in}};
        cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){(uint8_t *)k, kn},
                                                     (kfk_bytes_t){(uint8_t *)v, 100}, &h, 1,
                                                     T0 + i),
                     0);
    }
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
}

static void check_codec_file(const char *name, kfk_codec_t codec) {
    size_t len;
    uint8_t *blob = golden(name, &len);
    kfk_record_batch_t b;
    only_batch(blob, len, &b);
    cr_assert_eq(b.base_offset, 1000);
    cr_assert_eq(b.codec, codec);
    cr_assert_eq(b.attributes, (int16_t)codec);
    cr_assert_eq(b.records_count, 50);
    cr_assert_eq(b.last_offset_delta, 49);
    cr_assert_eq(b.base_timestamp, T0);
    cr_assert_eq(b.max_timestamp, T0 + 49);
    cr_assert_eq(b.producer_id, -1);
    cr_assert_eq(kfk_record_batch_next_offset(&b), 1050);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_iter_t it;
    kfk_err_t err = kfk_record_iter_init(&it, &b, &out, 1 << 20);
    if (!kfk_codec_available(codec)) {
        cr_assert_eq(err, KFK_ERR__UNSUPPORTED_COMPRESSION);
        cr_log_warn("%s: codec %s not built in; decoding not checked", name, kfk_codec_name(codec));
        free(blob);
        return;
    }
    cr_assert_eq(err, 0, "%s: %s", name, kfk_err_name(err));
    for (int i = 0; i < 50; i++) {
        char k[16], v[100], idx[8];
        snprintf(k, sizeof k, "key-%d", i);
        snprintf(idx, sizeof idx, "%d", i);
        big_value(i, v);
        kfk_record_view_t rec;
        cr_assert(kfk_record_iter_next(&it, &rec), "%s record %d: %d", name, i, it.err);
        cr_assert_eq(rec.offset, 1000 + i);
        cr_assert_eq(rec.timestamp, T0 + i);
        cr_assert(cc_bytes_is(rec.key, k));
        cr_assert(cc_bytes_eq(rec.value, (kfk_bytes_t){(uint8_t *)v, 100}));
        cr_assert_eq(rec.header_count, 1);
        expect_header(&rec, 0, "idx", idx);
        cr_assert_geq(rec.value.ptr, out.data, "points into the decompression buffer");
        cr_assert_lt(rec.value.ptr, out.data + out.len);
    }
    kfk_record_view_t rec;
    cr_assert_not(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(it.err, 0);
    /* Java's records, decompressed, are exactly what kfk's builder writes uncompressed. */
    kfk_wbuf_t mine;
    kfk_wbuf_init(&mine);
    build_codec_records(&mine);
    cr_assert_eq(out.len, mine.len - 61);
    cr_assert_arr_eq(out.data, mine.data + 61, out.len);
    kfk_wbuf_free(&mine);
    kfk_wbuf_free(&out);
    free(blob);
}

Test(records_golden, java_gzip_batch_decodes) {
    check_codec_file("v2_gzip.bin", KFK_CODEC_GZIP);
}

Test(records_golden, java_snappy_batch_decodes) {
    check_codec_file("v2_snappy.bin", KFK_CODEC_SNAPPY);
}

Test(records_golden, java_lz4_batch_decodes) {
    check_codec_file("v2_lz4.bin", KFK_CODEC_LZ4);
}

Test(records_golden, java_zstd_batch_decodes) {
    check_codec_file("v2_zstd.bin", KFK_CODEC_ZSTD);
}

Test(records_golden, java_transactions_and_markers_decode_and_filter) {
    size_t len;
    uint8_t *blob = golden("v2_txn.bin", &len);
    static const struct {
        int64_t base;
        int64_t pid;
        int32_t seq;
        int32_t count;
        int control; /* -1 data, else the marker type */
        const char *tag;
    } want[] = {
        {0, 11, 0, 2, -1, "p11a"},
        {2, 22, 0, 2, -1, "p22a"},
        {4, 11, 2, 1, -1, "p11b"},
        {5, 11, -1, 1, KFK_CONTROL_ABORT, NULL},
        {6, 22, -1, 1, KFK_CONTROL_COMMIT, NULL},
        {7, 11, 3, 2, -1, "p11c"},
        {9, 11, -1, 1, KFK_CONTROL_COMMIT, NULL},
    };
    kfk_aborted_txn_t aborted[] = {{11, 0}};
    kfk_txn_filter_t f;
    cr_assert_eq(kfk_txn_filter_init(&f, aborted, 1, sizeof aborted[0]), 0);
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, blob, len);
    kfk_record_batch_t b;
    char skips[8] = {0};
    const char *delivered[8];
    int nd = 0;
    for (int i = 0; i < 7; i++) {
        cr_assert(kfk_record_batch_next(&r, &b), "batch %d: %d", i, r.err);
        cr_assert_eq(b.base_offset, want[i].base);
        cr_assert_eq(b.producer_id, want[i].pid);
        cr_assert_eq(b.producer_epoch, 1);
        cr_assert_eq(b.records_count, want[i].count);
        cr_assert_eq(b.last_offset_delta, want[i].count - 1);
        cr_assert(b.is_transactional);
        cr_assert_eq(b.is_control, want[i].control >= 0);
        cr_assert_eq(kfk_record_batch_next_offset(&b), want[i].base + want[i].count);
        if (want[i].control < 0)
            cr_assert_eq(b.base_sequence, want[i].seq);
        if (want[i].control >= 0) {
            kfk_control_record_t ctl;
            cr_assert_eq(kfk_record_batch_control(&b, &ctl), 0);
            cr_assert_eq(ctl.version, 0);
            cr_assert_eq(ctl.type, want[i].control);
            cr_assert_eq(ctl.coordinator_epoch, 5);
            cr_assert_eq(ctl.offset, want[i].base);
            cr_assert_eq(ctl.timestamp, T0 + want[i].base);
        }
        bool skip;
        cr_assert_eq(kfk_txn_filter_check(&f, &b, &skip), 0);
        skips[i] = skip ? '1' : '0';
        kfk_record_iter_t it;
        kfk_record_view_t rec;
        cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
        int n = 0;
        while (kfk_record_iter_next(&it, &rec)) {
            char v[16];
            snprintf(v, sizeof v, "%s-%d", want[i].tag, n);
            cr_assert(cc_bytes_is(rec.key, want[i].tag));
            cr_assert(cc_bytes_is(rec.value, v));
            cr_assert_eq(rec.offset, want[i].base + n);
            cr_assert_eq(rec.timestamp, T0 + want[i].base + n);
            if (!skip)
                delivered[nd++] = want[i].tag;
            n++;
        }
        cr_assert_eq(it.err, 0);
        cr_assert_eq(n, want[i].control >= 0 ? 0 : want[i].count);
    }
    cr_assert_not(kfk_record_batch_next(&r, &b));
    cr_assert_eq(r.err, 0);
    cr_assert_str_eq(skips, "1011101");
    cr_assert_eq(nd, 4);
    cr_assert_str_eq(delivered[0], "p22a");
    cr_assert_str_eq(delivered[1], "p22a");
    cr_assert_str_eq(delivered[2], "p11c");
    cr_assert_str_eq(delivered[3], "p11c");
    kfk_txn_filter_free(&f);
    free(blob);
}

Test(records_golden, every_golden_file_survives_truncation_at_every_byte) {
    static const char *names[] = {"v2_basic.bin", "v2_idempotent.bin", "v2_log_append.bin",
                                  "v2_gzip.bin",  "v2_snappy.bin",     "v2_lz4.bin",
                                  "v2_zstd.bin",  "v2_txn.bin"};
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        size_t len;
        uint8_t *blob = golden(names[f], &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, blob, cut);
            kfk_record_batch_reader_t r;
            kfk_record_batch_reader_init(&r, copy, cut);
            kfk_record_batch_t b;
            while (kfk_record_batch_next(&r, &b)) {
                kfk_wbuf_t out;
                kfk_wbuf_init(&out);
                kfk_record_iter_t it;
                kfk_record_view_t rec;
                if (!kfk_record_iter_init(&it, &b, &out, 1 << 20))
                    while (kfk_record_iter_next(&it, &rec))
                        ;
                kfk_wbuf_free(&out);
            }
            cr_assert_eq(r.err, 0, "%s cut at %zu", names[f], cut);
            free(copy);
        }
        free(blob);
    }
}
