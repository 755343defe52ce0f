/*
 * test_records.c: RecordBatch v2: hand-written golden bytes, build/read round trips, every
 * malformation the reader must refuse (CRC, magic, lengths, counts, varints), truncation at
 * every byte, control batches. The read_committed filter is tested in test_records_txn.c, the
 * Java-written golden files in test_records_golden.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "protocol/compress.h"
#include "protocol/mem.h"
#include "protocol/records.h"
#include "codec_check.h"

#define B(s) ((kfk_bytes_t){(const uint8_t *)(s), (int32_t)(sizeof(s) - 1)})
#define NULL_BYTES ((kfk_bytes_t){NULL, -1})
/* No headers (fully braced for -Wmissing-braces). */
// clang-format off
#define NOH {{{NULL, 0}, {NULL, 0}}}
// clang-format on

static const uint8_t HAND_BATCH[] = {
    /* BaseOffset 0 */
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    /* BatchLength 71 (83 bytes - 12) */
    0x00,
    0x00,
    0x00,
    0x47,
    /* PartitionLeaderEpoch -1 */
    0xff,
    0xff,
    0xff,
    0xff,
    /* Magic 2 */
    0x02,
    /* CRC-32C of bytes 21..82 (computed independently) */
    0x3e,
    0xc0,
    0x50,
    0xfd,
    /* Attributes 0 */
    0x00,
    0x00,
    /* LastOffsetDelta 1 */
    0x00,
    0x00,
    0x00,
    0x01,
    /* BaseTimestamp 1000, MaxTimestamp 1002 */
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x03,
    0xe8,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x03,
    0xea,
    /* ProducerId -1, ProducerEpoch -1, BaseSequence -1 */
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    /* RecordsCount 2 */
    0x00,
    0x00,
    0x00,
    0x02,
    /* Record 0: Length 8, Attributes 0, TimestampDelta 0, OffsetDelta 0, Key "k", Value "v",
     * no headers */
    0x10,
    0x00,
    0x00,
    0x00,
    0x02,
    'k',
    0x02,
    'v',
    0x00,
    /* Record 1: Length 12, Attributes 0, TimestampDelta 2, OffsetDelta 1, null key, Value
     * "xy", one header "h" = "1" */
    0x18,
    0x00,
    0x04,
    0x02,
    0x01,
    0x04,
    'x',
    'y',
    0x02,
    0x02,
    'h',
    0x02,
    '1',
};

/* Recomputes the CRC of the v2 batch at p (after a test changed its bytes). */
static void recrc(uint8_t *p, size_t len) {
    uint32_t c = kfk_crc32c(0, p + 21, len - 21);
    p[17] = (uint8_t)(c >> 24);
    p[18] = (uint8_t)(c >> 16);
    p[19] = (uint8_t)(c >> 8);
    p[20] = (uint8_t)c;
}

/* Builds the two records of HAND_BATCH with the builder. */
static void build_hand_batch(kfk_wbuf_t *w) {
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, 1000), 0);
    kfk_record_header_t h = {KFK_STR("h"), B("1")};
    cr_assert_eq(kfk_record_batch_builder_append(&b, NULL_BYTES, B("xy"), &h, 1, 1002), 0);
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
}

/* Reads one batch from blob and returns its status: 1 batch, 0 end, negative the error. */
static int one_batch(const uint8_t *blob, size_t len, kfk_record_batch_t *batch) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, blob, len);
    if (kfk_record_batch_next(&r, batch))
        return 1;
    return r.err;
}

/* Iterates every record of the batch; returns the iterator's error, counts records. */
static kfk_err_t count_records(const kfk_record_batch_t *batch, int *n) {
    kfk_record_iter_t it;
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_err_t err = kfk_record_iter_init(&it, batch, &out, 1 << 20);
    kfk_record_view_t rec;
    *n = 0;
    while (!err && kfk_record_iter_next(&it, &rec)) {
        kfk_record_header_iter_t hi;
        kfk_record_header_t h;
        kfk_record_header_iter_init(&hi, &rec);
        while (kfk_record_header_iter_next(&hi, &h))
            cr_assert_geq(h.key.len, 0);
        (*n)++;
    }
    if (!err)
        err = it.err;
    kfk_wbuf_free(&out);
    return err;
}

Test(records, builder_writes_the_hand_built_golden_bytes) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    build_hand_batch(&w);
    cr_assert_eq(w.len, sizeof HAND_BATCH);
    cr_assert_arr_eq(w.data, HAND_BATCH, sizeof HAND_BATCH);
    kfk_wbuf_free(&w);
}

Test(records, reads_every_field_of_the_hand_built_batch) {
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(HAND_BATCH, sizeof HAND_BATCH, &b), 1);
    cr_assert_eq(b.base_offset, 0);
    cr_assert_eq(b.batch_length, 71);
    cr_assert_eq(b.partition_leader_epoch, -1);
    cr_assert_eq(b.magic, 2);
    cr_assert_eq(b.crc, 0x3ec050fdu);
    cr_assert_eq(b.attributes, 0);
    cr_assert_eq(b.last_offset_delta, 1);
    cr_assert_eq(b.base_timestamp, 1000);
    cr_assert_eq(b.max_timestamp, 1002);
    cr_assert_eq(b.producer_id, -1);
    cr_assert_eq(b.producer_epoch, -1);
    cr_assert_eq(b.base_sequence, -1);
    cr_assert_eq(b.records_count, 2);
    cr_assert_eq(b.codec, KFK_CODEC_NONE);
    cr_assert_not(b.is_transactional);
    cr_assert_not(b.is_control);
    cr_assert_eq(b.timestamp_type, KFK_TIMESTAMP_CREATE_TIME);
    cr_assert_eq(b.data, HAND_BATCH);
    cr_assert_eq(b.size, sizeof HAND_BATCH);
    cr_assert_eq(kfk_record_batch_next_offset(&b), 2);

    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
    kfk_record_view_t rec;
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 0);
    cr_assert_eq(rec.timestamp, 1000);
    cr_assert(cc_bytes_eq(rec.key, B("k")));
    cr_assert(cc_bytes_eq(rec.value, B("v")));
    cr_assert_eq(rec.key.ptr, HAND_BATCH + 66, "zero copy");
    cr_assert_eq(rec.header_count, 0);
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 1);
    cr_assert_eq(rec.timestamp, 1002);
    cr_assert_eq(rec.key.len, -1);
    cr_assert_null(rec.key.ptr);
    cr_assert(cc_bytes_eq(rec.value, B("xy")));
    cr_assert_eq(rec.header_count, 1);
    kfk_record_header_iter_t hi;
    kfk_record_header_t h;
    kfk_record_header_iter_init(&hi, &rec);
    cr_assert(kfk_record_header_iter_next(&hi, &h));
    cr_assert(kfk_str_eq(h.key, "h"));
    cr_assert(cc_bytes_eq(h.value, B("1")));
    cr_assert_not(kfk_record_header_iter_next(&hi, &h));
    cr_assert_not(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(it.err, 0);
}

/* A record to build and expect back. */
typedef struct spec {
    kfk_bytes_t key;
    kfk_bytes_t value;
    kfk_record_header_t headers[3];
    size_t header_count;
    int64_t ts;
} spec_t;

/* Builds specs into one batch, reads it back, and checks each record equals its spec. */
static void round_trip(const spec_t *specs, size_t n, const kfk_record_batch_attrs_t *attrs) {
    kfk_wbuf_t w, out;
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
    for (size_t i = 0; i < n; i++) {
        size_t before = kfk_record_batch_builder_size(&b);
        size_t want = kfk_record_batch_builder_append_size(
            &b, specs[i].key, specs[i].value, specs[i].headers, specs[i].header_count, specs[i].ts);
        cr_assert_eq(kfk_record_batch_builder_append(&b, specs[i].key, specs[i].value,
                                                     specs[i].headers, specs[i].header_count,
                                                     specs[i].ts),
                     0);
        cr_assert_eq(kfk_record_batch_builder_size(&b) - before, want);
    }
    cr_assert_eq(kfk_record_batch_builder_count(&b), (int32_t)n);
    kfk_err_t ferr = kfk_record_batch_builder_finish(&b, attrs);
    if (attrs && !kfk_codec_available(attrs->codec)) {
        cr_assert_eq(ferr, KFK_ERR__UNSUPPORTED_COMPRESSION);
        kfk_wbuf_free(&w);
        return;
    }
    cr_assert_eq(ferr, 0);
    cr_assert_eq(kfk_record_batch_builder_size(&b), w.len);

    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, w.data, w.len);
    kfk_record_batch_t batch;
    cr_assert(kfk_record_batch_next(&r, &batch));
    cr_assert_eq(batch.records_count, (int32_t)n);
    cr_assert_eq(batch.last_offset_delta, (int32_t)n - 1);
    cr_assert_eq(batch.codec, attrs ? attrs->codec : KFK_CODEC_NONE);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &batch, &out, (size_t)64 << 20), 0);
    int64_t max_ts = -1;
    for (size_t i = 0; i < n; i++) {
        kfk_record_view_t rec;
        cr_assert(kfk_record_iter_next(&it, &rec), "record %zu: err %d", i, it.err);
        cr_assert_eq(rec.offset, (int64_t)i);
        cr_assert_eq(rec.timestamp, specs[i].ts);
        cr_assert(cc_bytes_eq(rec.key, specs[i].key), "key of record %zu", i);
        cr_assert(cc_bytes_eq(rec.value, specs[i].value), "value of record %zu", i);
        cr_assert_eq(rec.header_count, (int32_t)specs[i].header_count);
        kfk_record_header_iter_t hi;
        kfk_record_header_t h;
        kfk_record_header_iter_init(&hi, &rec);
        for (size_t k = 0; k < specs[i].header_count; k++) {
            cr_assert(kfk_record_header_iter_next(&hi, &h));
            cr_assert_eq(h.key.len, specs[i].headers[k].key.len);
            cr_assert(!memcmp(h.key.ptr, specs[i].headers[k].key.ptr, (size_t)h.key.len));
            cr_assert(cc_bytes_eq(h.value, specs[i].headers[k].value));
        }
        cr_assert_not(kfk_record_header_iter_next(&hi, &h));
        if (specs[i].ts > max_ts)
            max_ts = specs[i].ts;
    }
    kfk_record_view_t rec;
    cr_assert_not(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(it.err, 0);
    cr_assert_eq(batch.base_timestamp, n ? specs[0].ts : -1);
    cr_assert_eq(batch.max_timestamp, max_ts);
    cr_assert_not(kfk_record_batch_next(&r, &batch));
    cr_assert_eq(r.err, 0);
    cr_assert_not(r.truncated);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(records, round_trips_null_keys_null_values_empty_keys_and_headers) {
    spec_t s[] = {
        {NULL_BYTES, B("value"), NOH, 0, 5000},
        {B("key"), NULL_BYTES, NOH, 0, 5001},
        {B(""), B(""), NOH, 0, 4000},
        {B("k"),
         B("v"),
         {{KFK_STR("a"), B("1")}, {KFK_STR(""), NULL_BYTES}, {KFK_STR("trace-id"), B("")}},
         3,
         -5},
        {NULL_BYTES, NULL_BYTES, {{KFK_STR("only"), NULL_BYTES}}, 1, INT64_MAX / 4},
    };
    round_trip(s, sizeof s / sizeof s[0], NULL);
}

Test(records, round_trips_many_records) {
    enum { N = 20000 };
    spec_t *s = calloc(N, sizeof *s);
    char(*keys)[16] = calloc(N, 16);
    cr_assert(s && keys);
    for (int i = 0; i < N; i++) {
        int n = snprintf(keys[i], 16, "key-%d", i);
        s[i].key = (kfk_bytes_t){(const uint8_t *)keys[i], n};
        s[i].value = (kfk_bytes_t){(const uint8_t *)keys[i], i % 7 ? n : -1};
        s[i].ts = 1700000000000 + i * 3 - (i % 5) * 1000;
        if (i % 10 == 0) {
            s[i].headers[0] = (kfk_record_header_t){KFK_STR("i"), s[i].key};
            s[i].header_count = 1;
        }
    }
    round_trip(s, N, NULL);
    free(s);
    free(keys);
}

Test(records, round_trips_large_values) {
    size_t n = (size_t)3 << 20;
    uint8_t *big = malloc(n);
    cr_assert_not_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    spec_t s[] = {
        {B("big"), {big, (int32_t)n}, NOH, 0, 1},
        {B("small"), B("x"), NOH, 0, 2},
        {{big, 70000}, {big + 5, 200000}, {{KFK_STR("h"), {big, 100000}}}, 1, 3},
    };
    round_trip(s, 3, NULL);
    free(big);
}

Test(records, round_trips_an_empty_batch) {
    round_trip(NULL, 0, NULL);
}

Test(records, round_trips_compressed_batches_with_every_codec) {
    spec_t s[300];
    char text[300][40];
    for (int i = 0; i < 300; i++) {
        int n = snprintf(text[i], sizeof text[i], "compressible value number %d", i);
        s[i] = (spec_t){{(const uint8_t *)text[i], n / 2},
                        {(const uint8_t *)text[i], n},
                        {{KFK_STR("n"), {(const uint8_t *)text[i], 5}}},
                        (size_t)(i % 2),
                        1000 + i};
    }
    s[7].key = NULL_BYTES;
    s[8].value = NULL_BYTES;
    for (int c = KFK_CODEC_GZIP; c <= KFK_CODEC_ZSTD; c++) {
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.codec = (kfk_codec_t)c;
        round_trip(s, 300, &a);
    }
}

Test(records, compressed_batch_past_the_output_cap_fails_to_decompress) {
    for (int c = KFK_CODEC_GZIP; c <= KFK_CODEC_ZSTD; c++) {
        if (!kfk_codec_available((kfk_codec_t)c))
            continue;
        kfk_wbuf_t w, out;
        kfk_wbuf_init(&w);
        kfk_wbuf_init(&out);
        kfk_record_batch_builder_t b;
        static uint8_t zeros[100000];
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        cr_assert_eq(kfk_record_batch_builder_append(&b, NULL_BYTES, (kfk_bytes_t){zeros, 100000},
                                                     NULL, 0, 0),
                     0);
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.codec = (kfk_codec_t)c;
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        cr_assert_lt(w.len, 10000, "codec %d compresses zeros", c);
        kfk_record_batch_t batch;
        cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
        kfk_record_iter_t it;
        cr_assert_eq(kfk_record_iter_init(&it, &batch, &out, 50000), KFK_ERR__DECOMPRESS);
        cr_assert_leq(out.len, 50000);
        kfk_record_view_t rec;
        cr_assert_not(kfk_record_iter_next(&it, &rec));
        cr_assert_eq(kfk_record_iter_init(&it, &batch, NULL, 1 << 20), KFK_ERR__INVALID_ARG);
        out.len = 0;
        cr_assert_eq(kfk_record_iter_init(&it, &batch, &out, 1 << 20), 0);
        cr_assert(kfk_record_iter_next(&it, &rec));
        cr_assert_eq(rec.value.len, 100000);
        kfk_wbuf_free(&w);
        kfk_wbuf_free(&out);
    }
}

Test(records, codec_contexts_are_reused_across_many_small_batches) {
    kfk_codec_ctx_t *ctx;
    cr_assert_eq(kfk_codec_ctx_new(&ctx), 0);
    kfk_wbuf_t w, out;
    kfk_wbuf_init(&w);
    kfk_wbuf_init(&out);
    for (int round = 0; round < 40; round++) {
        kfk_codec_t codec = (kfk_codec_t)(1 + round % 4);
        if (!kfk_codec_available(codec))
            continue;
        w.len = 0;
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        for (int i = 0; i <= round; i++)
            cr_assert_eq(
                kfk_record_batch_builder_append(&b, B("key"), B("small value"), NULL, 0, i), 0);
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.codec = codec;
        a.codec_ctx = ctx;
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        kfk_record_batch_t batch;
        cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
        cr_assert_eq(batch.codec, codec);
        kfk_record_iter_t it;
        out.len = 0;
        cr_assert_eq(kfk_record_iter_init_ctx(&it, &batch, ctx, &out, 1 << 20), 0);
        kfk_record_view_t rec;
        int n = 0;
        while (kfk_record_iter_next(&it, &rec)) {
            cr_assert(cc_bytes_eq(rec.value, B("small value")));
            cr_assert_eq(rec.timestamp, n);
            n++;
        }
        cr_assert_eq(it.err, 0);
        cr_assert_eq(n, round + 1);
    }
    kfk_codec_ctx_free(ctx);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&out);
}

Test(records, several_batches_in_one_buffer_read_in_order) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    for (int i = 0; i < 5; i++) {
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        for (int k = 0; k <= i; k++)
            cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, k), 0);
        cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
        /* A broker would assign offsets; do it by hand (not covered by the CRC). */
        cc_put64(w.data + b.start, (uint64_t)(i * 10));
    }
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, w.data, w.len);
    kfk_record_batch_t batch;
    for (int i = 0; i < 5; i++) {
        cr_assert(kfk_record_batch_next(&r, &batch));
        cr_assert_eq(batch.base_offset, i * 10);
        cr_assert_eq(batch.records_count, i + 1);
        cr_assert_eq(kfk_record_batch_next_offset(&batch), i * 10 + i + 1);
        int n;
        cr_assert_eq(count_records(&batch, &n), 0);
        cr_assert_eq(n, i + 1);
    }
    cr_assert_not(kfk_record_batch_next(&r, &batch));
    cr_assert_eq(r.err, 0);
    kfk_wbuf_free(&w);
}

Test(records, truncation_at_every_byte_ends_cleanly_or_fails_never_crashes) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    size_t bounds[8];
    int nb = 0;
    bounds[nb++] = 0;
    for (int i = 0; i < 4; i++) {
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        kfk_record_header_t h = {KFK_STR("hk"), B("hv")};
        for (int k = 0; k < 3; k++)
            cr_assert_eq(kfk_record_batch_builder_append(&b, B("key"), B("value"), &h, 1, k), 0);
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        if (i == 2 && kfk_codec_available(KFK_CODEC_GZIP))
            a.codec = KFK_CODEC_GZIP;
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        bounds[nb++] = w.len;
    }
    for (size_t cut = 0; cut <= w.len; cut++) {
        /* A copy of exactly cut bytes, so that ASan sees any read past it. */
        uint8_t *blob = malloc(cut ? cut : 1);
        memcpy(blob, w.data, cut);
        kfk_record_batch_reader_t r;
        kfk_record_batch_reader_init(&r, blob, cut);
        kfk_record_batch_t batch;
        int batches = 0;
        while (kfk_record_batch_next(&r, &batch)) {
            int n;
            cr_assert_eq(count_records(&batch, &n), 0);
            cr_assert_eq(n, 3);
            batches++;
        }
        cr_assert_eq(r.err, 0, "cut at %zu", cut);
        int whole = 0, at_bound = 0;
        for (int i = 0; i < nb; i++) {
            if (bounds[i] <= cut && i > 0)
                whole = i;
            if (bounds[i] == cut)
                at_bound = 1;
        }
        cr_assert_eq(batches, whole, "cut at %zu", cut);
        cr_assert_eq(r.truncated, !at_bound, "cut at %zu", cut);
        free(blob);
    }
    kfk_wbuf_free(&w);
}

Test(records, a_flipped_bit_fails_the_crc) {
    uint8_t buf[sizeof HAND_BATCH];
    for (size_t i = 21; i < sizeof buf; i++) {
        memcpy(buf, HAND_BATCH, sizeof buf);
        buf[i] ^= 0x10;
        kfk_record_batch_t b;
        cr_assert_eq(one_batch(buf, sizeof buf, &b), KFK_ERR__CRC, "byte %zu", i);
    }
    /* The CRC itself. */
    memcpy(buf, HAND_BATCH, sizeof buf);
    buf[18] ^= 1;
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(buf, sizeof buf, &b), KFK_ERR__CRC);
    /* BaseOffset and PartitionLeaderEpoch are outside the CRC: brokers rewrite them. */
    memcpy(buf, HAND_BATCH, sizeof buf);
    buf[7] = 9;
    buf[12] = 0;
    cr_assert_eq(one_batch(buf, sizeof buf, &b), 1);
    cr_assert_eq(b.base_offset, 9);
}

/* The records of an uncompressed batch are checksummed while appended, in runs of 8 KiB, and
 * joined to the header's CRC at finish: the CRC written must be that of the bytes, and the
 * values read back whole, for records small and large (one record of 20 KiB, many of 1..300
 * bytes, 3-9 KiB ones), whatever the run boundaries. */
Test(records, a_large_batch_checksummed_while_built_has_the_crc_of_its_bytes) {
    static uint8_t val[20000];
    for (size_t i = 0; i < sizeof val; i++)
        val[i] = (uint8_t)(i * 131 + 7);
    for (int shape = 0; shape < 4; shape++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        kfk_wbuf_put_int32(&w, 12345); /* the batch does not start at the buffer's start */
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        for (int i = 0; i < 400; i++) {
            size_t n = shape == 0   ? (size_t)(1 + (i * 37) % 300)
                       : shape == 1 ? (i % 50 == 0 ? sizeof val : 100)
                       : shape == 2 ? 8191 + (size_t)(i % 3)
                                    : 3070 + (size_t)(i % 7) * 1021 + (size_t)(i % 3);
            kfk_bytes_t key = {NULL, -1}, v = {val, (int32_t)n};
            cr_assert_eq(kfk_record_batch_builder_append(&b, key, v, NULL, 0, 1000 + i), 0);
        }
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.producer_id = 77;
        a.producer_epoch = 3;
        a.base_sequence = 10;
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        const uint8_t *batch = w.data + 4;
        size_t len = w.len - 4;
        cr_assert_eq(kfk__rd32(batch + 17), kfk_crc32c(0, batch + 21, len - 21), "shape %d", shape);
        kfk_record_batch_t rb;
        cr_assert_eq(one_batch(batch, len, &rb), 1, "shape %d", shape);
        cr_assert_eq(rb.records_count, 400);
        kfk_record_iter_t it;
        cr_assert_eq(kfk_record_iter_init(&it, &rb, NULL, 0), 0);
        kfk_record_view_t r;
        for (int i = 0; kfk_record_iter_next(&it, &r); i++) {
            cr_assert_geq(r.value.len, 1);
            cr_assert_eq(memcmp(r.value.ptr, val, (size_t)r.value.len), 0, "shape %d record %d",
                         shape, i);
        }
        cr_assert_eq(it.err, 0);
        kfk_wbuf_free(&w);
    }
}

/* A batch declared compressed keeps no running CRC; whatever finish is then asked for, the CRC
 * written is that of the finished bytes and the records read back whole. */
Test(records, a_batch_declared_compressed_has_the_crc_of_its_bytes_with_or_without_a_codec) {
    static uint8_t val[20000];
    for (size_t i = 0; i < sizeof val; i++)
        val[i] = (uint8_t)(i * 131 + 7);
    kfk_record_batch_builder_t idle;
    memset(&idle, 0, sizeof idle);
    cr_assert_eq(kfk_record_batch_builder_will_compress(&idle), KFK_ERR__STATE);
    cr_assert_eq(kfk_record_batch_builder_will_compress(NULL), KFK_ERR__STATE);
    kfk_codec_t codecs[] = {KFK_CODEC_NONE, KFK_CODEC_GZIP, KFK_CODEC_SNAPPY, KFK_CODEC_LZ4,
                            KFK_CODEC_ZSTD};
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        if (!kfk_codec_available(codecs[c]))
            continue;
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        kfk_wbuf_put_int32(&w, 12345); /* the batch does not start at the buffer's start */
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        cr_assert_eq(kfk_record_batch_builder_will_compress(&b), 0);
        for (int i = 0; i < 100; i++) {
            kfk_bytes_t key = {NULL, -1}, v = {val, (int32_t)(i % 10 == 0 ? sizeof val : 300)};
            cr_assert_eq(kfk_record_batch_builder_append(&b, key, v, NULL, 0, 1000 + i), 0);
        }
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.codec = codecs[c];
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        const uint8_t *batch = w.data + 4;
        size_t len = w.len - 4;
        cr_assert_eq(kfk__rd32(batch + 17), kfk_crc32c(0, batch + 21, len - 21), "codec %d",
                     (int)codecs[c]);
        kfk_record_batch_t rb;
        cr_assert_eq(one_batch(batch, len, &rb), 1, "codec %d", (int)codecs[c]);
        cr_assert_eq(rb.records_count, 100);
        kfk_wbuf_free(&w);
    }
}

/* Builds a batch of @p n records (values of @p vlen bytes) with @p codec and @p ctx into @p w. */
static void build_compressed(kfk_wbuf_t *w, kfk_codec_t codec, kfk_codec_ctx_t *ctx, int n,
                             size_t vlen) {
    static uint8_t val[20000 + 7]; /* values start at val + 0..6 */
    for (size_t i = 0; i < sizeof val; i++)
        val[i] = (uint8_t)(i * 131 + 7);
    cr_assert_leq(vlen + 7, sizeof val);
    kfk_wbuf_init(w);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), 0);
    cr_assert_eq(kfk_record_batch_builder_will_compress(&b), 0);
    for (int i = 0; i < n; i++) {
        kfk_bytes_t key = {NULL, -1}, v = {val + i % 7, (int32_t)vlen};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, v, NULL, 0, 1000 + i), 0);
    }
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.codec = codec;
    a.codec_ctx = ctx;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
}

/* A batch that is all of its buffer (a producer's) and a codec context trade buffers at finish:
 * the compressed records are written once, after a copy of the header, not copied back over the
 * records (kfk produce at 16 KiB lz4: 1.1 % of its CPU). A batch after others in one buffer keeps
 * its buffer. Both decode to the same records. */
Test(records, a_compressed_batch_that_is_all_of_its_buffer_trades_it_with_the_context) {
    kfk_codec_t codecs[] = {KFK_CODEC_GZIP, KFK_CODEC_SNAPPY, KFK_CODEC_LZ4, KFK_CODEC_ZSTD};
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        if (!kfk_codec_available(codecs[c]))
            continue;
        kfk_codec_ctx_t *ctx;
        cr_assert_eq(kfk_codec_ctx_new(&ctx), 0);
        for (int round = 0; round < 3; round++) {
            kfk_wbuf_t w;
            build_compressed(&w, codecs[c], ctx, 100, 1000);
            /* The context now holds the buffer the records were built in; the next batch's
             * compressed records go into it. */
            uint8_t *kept = ctx->batch_out.data;
            cr_assert_not_null(kept);
            kfk_wbuf_t next;
            build_compressed(&next, codecs[c], ctx, 100, 1000);
            cr_assert_eq(next.data, kept, "codec %d: the compressed batch was copied back",
                         (int)codecs[c]);
            cr_assert_eq(next.len, w.len);
            cr_assert_eq(memcmp(next.data, w.data, w.len), 0);
            kfk_record_batch_t rb;
            cr_assert_eq(one_batch(next.data, next.len, &rb), 1);
            cr_assert_eq(rb.records_count, 100);
            kfk_wbuf_free(&w);
            kfk_wbuf_free(&next);
        }
        /* A second batch in the same buffer (start > 0) keeps its buffer. */
        kfk_wbuf_t two;
        build_compressed(&two, codecs[c], ctx, 10, 100);
        uint8_t *before = two.data;
        size_t first_len = two.len;
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &two), 0);
        cr_assert_eq(kfk_record_batch_builder_will_compress(&b), 0);
        cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, 1), 0);
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.codec = codecs[c];
        a.codec_ctx = ctx;
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        cr_assert_eq(two.data, before);
        kfk_record_batch_t rb;
        cr_assert_eq(one_batch(two.data + first_len, two.len - first_len, &rb), 1);
        cr_assert_eq(rb.records_count, 1);
        kfk_wbuf_free(&two);
        kfk_codec_ctx_free(ctx);
    }
}

Test(records, batches_finished_with_one_codec_context_match_batches_finished_without) {
    kfk_codec_t codecs[] = {KFK_CODEC_GZIP, KFK_CODEC_SNAPPY, KFK_CODEC_LZ4, KFK_CODEC_ZSTD};
    /* A large batch, then smaller ones in the buffer it left, then after a trim. */
    struct {
        int n;
        size_t vlen;
    } shapes[] = {{200, 5000}, {3, 10}, {50, 300}, {1, 0}, {20, 20000}};
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        if (!kfk_codec_available(codecs[c]))
            continue;
        kfk_codec_ctx_t *ctx;
        cr_assert_eq(kfk_codec_ctx_new(&ctx), 0);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            if (s == 3)
                kfk__codec_ctx_trim(ctx);
            kfk_wbuf_t plain, reused;
            build_compressed(&plain, codecs[c], NULL, shapes[s].n, shapes[s].vlen);
            build_compressed(&reused, codecs[c], ctx, shapes[s].n, shapes[s].vlen);
            cr_assert_eq(reused.len, plain.len, "codec %d shape %zu", (int)codecs[c], s);
            cr_assert_eq(memcmp(reused.data, plain.data, plain.len), 0, "codec %d shape %zu",
                         (int)codecs[c], s);
            kfk_record_batch_t rb;
            cr_assert_eq(one_batch(reused.data, reused.len, &rb), 1);
            cr_assert_eq(rb.records_count, shapes[s].n);
            cr_assert_eq(ctx->batch_out.len, 0, "the kept buffer holds nothing between batches");
            kfk_wbuf_free(&plain);
            kfk_wbuf_free(&reused);
        }
        kfk_codec_ctx_free(ctx);
    }
}

Test(records, an_error_sticks_and_stops_the_reader) {
    uint8_t buf[2 * sizeof HAND_BATCH];
    memcpy(buf, HAND_BATCH, sizeof HAND_BATCH);
    memcpy(buf + sizeof HAND_BATCH, HAND_BATCH, sizeof HAND_BATCH);
    buf[sizeof HAND_BATCH + 70] ^= 1;
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, buf, sizeof buf);
    kfk_record_batch_t b;
    cr_assert(kfk_record_batch_next(&r, &b));
    cr_assert_not(kfk_record_batch_next(&r, &b));
    cr_assert_eq(r.err, KFK_ERR__CRC);
    cr_assert_not(kfk_record_batch_next(&r, &b));
    cr_assert_eq(r.err, KFK_ERR__CRC);
}

Test(records, unknown_magic_is_a_clear_error) {
    uint8_t buf[sizeof HAND_BATCH];
    int8_t magics[] = {3, 4, 127, -1, -128};
    for (size_t i = 0; i < sizeof magics; i++) {
        memcpy(buf, HAND_BATCH, sizeof buf);
        buf[16] = (uint8_t)magics[i];
        kfk_record_batch_t b;
        cr_assert_eq(one_batch(buf, sizeof buf, &b), KFK_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);
    }
    /* Even when the batch itself is cut short: the magic byte is there. */
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(buf, 17, &b), KFK_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);
}

Test(records, batch_lengths_below_the_minimum_are_errors) {
    uint8_t buf[sizeof HAND_BATCH];
    uint32_t lengths[] = {0xffffffffu, 0x80000000u, 0, 13, 48};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        memcpy(buf, HAND_BATCH, sizeof buf);
        cc_put32(buf + 8, lengths[i]);
        kfk_record_batch_t b;
        cr_assert_eq(one_batch(buf, sizeof buf, &b), KFK_ERR__BAD_MSG, "length %u", lengths[i]);
    }
    /* A length past the end of the blob is a truncated batch, not an error. */
    memcpy(buf, HAND_BATCH, sizeof buf);
    cc_put32(buf + 8, 0x7fffffff);
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, buf, sizeof buf);
    kfk_record_batch_t b;
    cr_assert_not(kfk_record_batch_next(&r, &b));
    cr_assert_eq(r.err, 0);
    cr_assert(r.truncated);
}

Test(records, negative_record_count_is_an_error) {
    uint8_t buf[sizeof HAND_BATCH];
    memcpy(buf, HAND_BATCH, sizeof buf);
    cc_put32(buf + 57, 0xffffffffu);
    recrc(buf, sizeof buf);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(buf, sizeof buf, &b), KFK_ERR__BAD_MSG);
}

/* Replaces the batch's RecordsCount, re-CRCs, and iterates. */
static kfk_err_t iterate_with_count(uint32_t count, int *n) {
    uint8_t buf[sizeof HAND_BATCH];
    memcpy(buf, HAND_BATCH, sizeof buf);
    cc_put32(buf + 57, count);
    recrc(buf, sizeof buf);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(buf, sizeof buf, &b), 1);
    return count_records(&b, n);
}

Test(records, record_count_must_match_the_records) {
    int n;
    cr_assert_eq(iterate_with_count(2, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(iterate_with_count(3, &n), KFK_ERR__BAD_MSG);
    cr_assert_eq(n, 2);
    cr_assert_eq(iterate_with_count(1, &n), KFK_ERR__BAD_MSG);
    cr_assert_eq(n, 1);
    cr_assert_eq(iterate_with_count(0, &n), KFK_ERR__BAD_MSG);
    cr_assert_eq(iterate_with_count(0x7fffffff, &n), KFK_ERR__BAD_MSG);
}

/*
 * Builds a one-record batch whose records region is exactly rec (rec_len bytes) into buf and
 * returns the batch size.
 */
static size_t batch_with_record(uint8_t *buf, const uint8_t *rec, size_t rec_len) {
    memcpy(buf, HAND_BATCH, 61);
    memcpy(buf + 61, rec, rec_len);
    cc_put32(buf + 8, (uint32_t)(61 + rec_len - 12));
    cc_put32(buf + 23, 0);
    cc_put32(buf + 57, 1);
    recrc(buf, 61 + rec_len);
    return 61 + rec_len;
}

static kfk_err_t iterate_record(const uint8_t *rec, size_t rec_len, kfk_record_view_t *out) {
    static uint8_t buf[256]; /* static: *out points into it */
    size_t n = batch_with_record(buf, rec, rec_len);
    kfk_record_batch_t b;
    cr_assert_eq(one_batch(buf, n, &b), 1);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &b, NULL, 0), 0);
    kfk_record_view_t rec_view;
    bool got = kfk_record_iter_next(&it, &rec_view);
    if (got && out)
        *out = rec_view;
    cr_assert_eq(got, it.err == 0);
    return it.err;
}

Test(records, a_record_length_that_disagrees_with_its_content_is_an_error) {
    /* Record 0 of HAND_BATCH has Length 8 (0x10). */
    uint8_t rec[] = {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00};
    cr_assert_eq(iterate_record(rec, sizeof rec, NULL), 0);
    rec[0] = 0x12; /* 9: one byte more than the fields */
    cr_assert_eq(iterate_record(rec, sizeof rec, NULL), KFK_ERR__BAD_MSG);
    uint8_t longer[] = {0x12, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00, 0x00};
    cr_assert_eq(iterate_record(longer, sizeof longer, NULL), KFK_ERR__BAD_MSG);
    rec[0] = 0x0e; /* 7: one byte less */
    cr_assert_eq(iterate_record(rec, sizeof rec, NULL), KFK_ERR__BAD_MSG);
    rec[0] = 0x01; /* -1 */
    cr_assert_eq(iterate_record(rec, sizeof rec, NULL), KFK_ERR__BAD_MSG);
    rec[0] = 0x00; /* 0: not even the attributes */
    cr_assert_eq(iterate_record(rec, 1, NULL), KFK_ERR__BAD_MSG);
}

Test(records, negative_lengths_inside_a_record_are_errors) {
    /* Key length -2. */
    uint8_t key[] = {0x10, 0x00, 0x00, 0x00, 0x03, 'k', 0x02, 'v', 0x00};
    cr_assert_eq(iterate_record(key, sizeof key, NULL), KFK_ERR__BAD_MSG);
    /* Value length -2. */
    uint8_t value[] = {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x03, 'v', 0x00};
    cr_assert_eq(iterate_record(value, sizeof value, NULL), KFK_ERR__BAD_MSG);
    /* Header count -1. */
    uint8_t count[] = {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x01};
    cr_assert_eq(iterate_record(count, sizeof count, NULL), KFK_ERR__BAD_MSG);
    /* A null header key (-1). */
    uint8_t hkey[] = {0x12, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x02, 'x'};
    cr_assert_eq(iterate_record(hkey, sizeof hkey, NULL), KFK_ERR__BAD_MSG);
    /* Header value -2. */
    uint8_t hval[] = {0x12, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x02, 'h', 0x03};
    cr_assert_eq(iterate_record(hval, sizeof hval, NULL), KFK_ERR__BAD_MSG);
    /* The same with a null header value is fine. */
    hval[9] = 0x01;
    kfk_record_view_t rec;
    cr_assert_eq(iterate_record(hval, sizeof hval, &rec), 0);
    cr_assert_eq(rec.header_count, 1);
    /* A key length past the record. */
    uint8_t past[] = {0x10, 0x00, 0x00, 0x00, 0x0e, 'k', 0x02, 'v', 0x00};
    cr_assert_eq(iterate_record(past, sizeof past, NULL), KFK_ERR__BAD_MSG);
    /* More headers than bytes could hold. */
    uint8_t many[] = {0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x7e};
    cr_assert_eq(iterate_record(many, sizeof many, NULL), KFK_ERR__BAD_MSG);
}

Test(records, six_byte_varints_are_errors_and_long_but_valid_ones_are_not) {
    /* Key length 1 written in five bytes (not minimal, but a valid varint). */
    uint8_t five[] = {0x18, 0x00, 0x00, 0x00, 0x82, 0x80, 0x80, 0x80, 0x00, 'k', 0x02, 'v', 0x00};
    kfk_record_view_t rec;
    cr_assert_eq(iterate_record(five, sizeof five, &rec), 0);
    cr_assert(cc_bytes_eq(rec.key, B("k")));
    /* The same key length in six bytes. */
    uint8_t six[] = {0x1a, 0x00, 0x00, 0x00, 0x82, 0x80, 0x80,
                     0x80, 0x80, 0x00, 'k',  0x02, 'v',  0x00};
    cr_assert_eq(iterate_record(six, sizeof six, NULL), KFK_ERR__BAD_MSG);
    /* A record Length varint of six bytes. */
    uint8_t len6[] = {0x90, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00,
                      0x00, 0x00, 0x02, 'k',  0x02, 'v',  0x00};
    cr_assert_eq(iterate_record(len6, sizeof len6, NULL), KFK_ERR__BAD_MSG);
    /* A fifth byte carrying bits past 32. */
    uint8_t big5[] = {0x18, 0x00, 0x00, 0x00, 0x82, 0x80, 0x80, 0x80, 0x10, 'k', 0x02, 'v', 0x00};
    cr_assert_eq(iterate_record(big5, sizeof big5, NULL), KFK_ERR__BAD_MSG);
    /* A timestamp delta varlong of eleven bytes. */
    uint8_t ts11[] = {0x20, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                      0x80, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00};
    cr_assert_eq(iterate_record(ts11, sizeof ts11, NULL), KFK_ERR__BAD_MSG);
    /* A ten-byte varlong is fine: delta INT64_MIN wraps, without undefined behaviour. */
    uint8_t ts10[] = {0x1e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    cr_assert_eq(iterate_record(ts10, sizeof ts10, &rec), 0);
    cr_assert_eq(rec.timestamp, (int64_t)((uint64_t)1000 + (uint64_t)INT64_MIN));
}

Test(records, control_batches_expose_their_marker_and_yield_no_data_records) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
    static const uint8_t key[] = {0, 0, 0, 1};               /* version 0, COMMIT */
    static const uint8_t value[] = {0, 0, 0, 0, 0x01, 0x02}; /* version 0, epoch 258 */
    cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){key, 4}, (kfk_bytes_t){value, 6},
                                                 NULL, 0, 77),
                 0);
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.control = true;
    a.transactional = true;
    a.producer_id = 9;
    a.producer_epoch = 2;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
    cc_put64(w.data, 41);
    kfk_record_batch_t batch;
    cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
    cr_assert(batch.is_control);
    cr_assert(batch.is_transactional);
    cr_assert_eq(batch.attributes, 0x30);
    cr_assert_eq(kfk_record_batch_next_offset(&batch), 42);
    kfk_control_record_t ctl;
    cr_assert_eq(kfk_record_batch_control(&batch, &ctl), 0);
    cr_assert_eq(ctl.version, 0);
    cr_assert_eq(ctl.type, KFK_CONTROL_COMMIT);
    cr_assert_eq(ctl.coordinator_epoch, 258);
    cr_assert_eq(ctl.offset, 41);
    cr_assert_eq(ctl.timestamp, 77);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &batch, NULL, 0), 0);
    kfk_record_view_t rec;
    cr_assert_not(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(it.err, 0);
    /* A data batch is not a control batch. */
    cr_assert_eq(one_batch(HAND_BATCH, sizeof HAND_BATCH, &batch), 1);
    cr_assert_eq(kfk_record_batch_control(&batch, &ctl), KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&w);
}

Test(records, a_control_key_shorter_than_four_bytes_or_a_negative_version_is_an_error) {
    static const uint8_t keys[][4] = {{0, 0, 0, 0}, {0xff, 0xff, 0, 0}};
    for (int k = -1; k < 2; k++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        kfk_record_batch_builder_t b;
        cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
        kfk_bytes_t key = k < 0 ? (kfk_bytes_t){keys[0], 3} : (kfk_bytes_t){keys[k], 4};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, NULL_BYTES, NULL, 0, 0), 0);
        kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
        a.control = true;
        cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), 0);
        kfk_record_batch_t batch;
        cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
        kfk_control_record_t ctl;
        cr_assert_eq(kfk_record_batch_control(&batch, &ctl), k == 0 ? 0 : KFK_ERR__BAD_MSG);
        if (k == 0) {
            cr_assert_eq(ctl.type, KFK_CONTROL_ABORT);
            cr_assert_eq(ctl.coordinator_epoch, -1);
        }
        kfk_wbuf_free(&w);
    }
}

Test(records, next_offset_counts_empty_and_compacted_batches) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
    cr_assert_eq(w.len, 61);
    /* Compaction removed every record of a batch that had offsets 100-104. */
    cc_put64(w.data, 100);
    cc_put32(w.data + 23, 4);
    recrc(w.data, w.len);
    kfk_record_batch_t batch;
    cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
    cr_assert_eq(batch.records_count, 0);
    cr_assert_eq(kfk_record_batch_next_offset(&batch), 105);
    int n;
    cr_assert_eq(count_records(&batch, &n), 0);
    cr_assert_eq(n, 0);
    /* Hostile offsets wrap instead of overflowing. */
    cc_put64(w.data, (uint64_t)INT64_MAX);
    cc_put32(w.data + 23, 0x7fffffff);
    recrc(w.data, w.len);
    cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
    (void)kfk_record_batch_next_offset(&batch);
    kfk_wbuf_free(&w);
}

Test(records, set_producer_restamps_a_finished_batch_and_keeps_it_valid) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    build_hand_batch(&w);
    cr_assert_eq(kfk_record_batch_set_producer(w.data, w.len, 123456789012, 3, 40), 0);
    kfk_record_batch_t batch;
    cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
    cr_assert_eq(batch.producer_id, 123456789012);
    cr_assert_eq(batch.producer_epoch, 3);
    cr_assert_eq(batch.base_sequence, 40);
    int n;
    cr_assert_eq(count_records(&batch, &n), 0);
    cr_assert_eq(n, 2);
    /* Back to no producer: the original bytes again. */
    cr_assert_eq(kfk_record_batch_set_producer(w.data, w.len, -1, -1, -1), 0);
    cr_assert_arr_eq(w.data, HAND_BATCH, sizeof HAND_BATCH);
    cr_assert_eq(kfk_record_batch_set_producer(w.data, w.len - 1, 1, 1, 1), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_record_batch_set_producer(w.data, 20, 1, 1, 1), KFK_ERR__INVALID_ARG);
    w.data[16] = 1;
    cr_assert_eq(kfk_record_batch_set_producer(w.data, w.len, 1, 1, 1), KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&w);
}

Test(records, builder_refuses_misuse_and_bad_records) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_builder_t b;
    memset(&b, 0, sizeof b);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, 0), KFK_ERR__STATE);
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), KFK_ERR__STATE);
    cr_assert_eq(kfk_record_batch_builder_begin(&b, NULL), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){NULL, -2}, B("v"), NULL, 0, 0),
                 KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){NULL, 3}, B("v"), NULL, 0, 0),
                 KFK_ERR__INVALID_ARG);
    kfk_record_header_t nullkey = {{NULL, -1}, B("v")};
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), &nullkey, 1, 0),
                 KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 2, 0),
                 KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_record_batch_builder_size(&b), 61, "nothing appended on error");
    cr_assert_eq(kfk_record_batch_builder_count(&b), 0);
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.codec = (kfk_codec_t)5;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &a), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), 0);
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), KFK_ERR__STATE);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, 0), KFK_ERR__STATE);
    kfk_wbuf_free(&w);
}

Test(records, abort_drops_the_open_batch) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_wbuf_put_raw(&w, "prefix", 6);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, 0), 0);
    kfk_record_batch_builder_abort(&b);
    cr_assert_eq(w.len, 6);
    cr_assert_eq(kfk_record_batch_builder_append(&b, B("k"), B("v"), NULL, 0, 0), KFK_ERR__STATE);
    kfk_wbuf_free(&w);
}

Test(records, builder_reports_allocation_failure_at_every_step) {
    for (long fail = 0; fail < 40; fail++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        kfk__mem_fail_after(fail);
        kfk_record_batch_builder_t b;
        kfk_err_t err = kfk_record_batch_builder_begin(&b, &w);
        static uint8_t v[3000];
        for (int i = 0; !err && i < 20; i++)
            err = kfk_record_batch_builder_append(&b, B("key"), (kfk_bytes_t){v, 3000}, NULL, 0, i);
        if (!err)
            err = kfk_record_batch_builder_finish(&b, NULL);
        kfk__mem_fail_after(-1);
        cr_assert(err == 0 || err == KFK_ERR__NOMEM, "fail after %ld: %d", fail, err);
        if (!err) {
            kfk_record_batch_t batch;
            cr_assert_eq(one_batch(w.data, w.len, &batch), 1);
        }
        kfk_wbuf_free(&w);
    }
}

Test(records, reading_uncompressed_batches_allocates_nothing) {
    kfk__mem_fail_after(0);
    kfk_record_batch_t batch;
    cr_assert_eq(one_batch(HAND_BATCH, sizeof HAND_BATCH, &batch), 1);
    int n;
    cr_assert_eq(count_records(&batch, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(kfk__mem_fail_after(-1), 0);
}
