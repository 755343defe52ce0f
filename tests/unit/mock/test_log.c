/*
 * test_log.c: a mock partition's log (src/mock/log.c) without a loop or a socket: batches
 * checked as a broker checks a producer's (legacy, CRC, several batches, counts, control),
 * offsets assigned and written into the stored bytes with the CRC still valid, reads of whole
 * batches under a byte limit (and the first alone when it passes it), the byte cap dropping the
 * oldest batches and moving log_start, and the ListOffsets lookups (earliest, latest, by
 * timestamp to the record, the largest timestamp), inside a compressed batch too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"
#include "protocol/records.h"

/* A batch built with the protocol layer's builder, in its own buffer. */
typedef struct {
    kfk_wbuf_t buf;
    kfk_record_batch_t batch; /* as kfk__mlog_check found it */
} tbatch_t;

/* @p n records with timestamps ts0, ts0 + step, ..., values of @p vsize bytes. */
static void build(tbatch_t *t, int n, int64_t ts0, int64_t step, size_t vsize, kfk_codec_t codec) {
    memset(t, 0, sizeof *t);
    kfk_wbuf_init(&t->buf);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &t->buf), KFK_ERR_NONE);
    uint8_t *v = kfk__calloc(1, vsize + 1);
    cr_assert_not_null(v);
    for (int i = 0; i < n; i++) {
        memset(v, 'a' + i % 26, vsize);
        kfk_bytes_t key = {(const uint8_t *)"k", 1};
        kfk_bytes_t value = {v, (int32_t)vsize};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, value, NULL, 0, ts0 + i * step),
                     KFK_ERR_NONE);
    }
    kfk__free(v);
    kfk_record_batch_attrs_t attrs = KFK_RECORD_BATCH_ATTRS_INIT;
    attrs.codec = codec;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &attrs), KFK_ERR_NONE);
    cr_assert_eq(kfk__mlog_check(t->buf.data, t->buf.len, &t->batch), KFK_ERR_NONE);
}

static void tfree(tbatch_t *t) {
    kfk_wbuf_free(&t->buf);
}

/* Recomputes the CRC-32C of a v2 batch after a test changed its header. */
static void recrc(uint8_t *p, size_t len) {
    kfk__wr32(p + RB_CRC, kfk_crc32c(0, p + RB_ATTRIBUTES, len - RB_ATTRIBUTES));
}

/* The batches of a records blob: their base offsets and the count. */
static int walk(kfk_bytes_t blob, int64_t *bases, int max) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_t b;
    kfk_record_batch_reader_init(&r, blob.ptr, (size_t)blob.len);
    int n = 0;
    while (kfk_record_batch_next(&r, &b)) {
        cr_assert_lt(n, max);
        bases[n++] = b.base_offset;
    }
    cr_assert_eq(r.err, KFK_ERR_NONE, "%s", kfk_err_name(r.err));
    cr_assert(!r.truncated);
    return n;
}

Test(mock_log, starts_empty_at_offset_zero) {
    kfk__mlog_t l;
    kfk__mlog_init(&l, 1 << 20);
    cr_assert_eq(l.log_start, 0);
    cr_assert_eq(l.hwm, 0);
    kfk_arena_t a = {0};
    kfk_bytes_t out;
    cr_assert_eq(kfk__mlog_read(&l, 0, 1000, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 0);
    cr_assert_not_null(out.ptr);
    cr_assert_eq(kfk__mlog_read(&l, 1, 1000, 1, &a, &out), KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(kfk__mlog_read(&l, -1, 1000, 1, &a, &out), KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(kfk__mlog_bytes_after(&l, 0), 0);
    kfk_arena_free(&a);
    kfk__mlog_free(&l);
    kfk__mlog_free(&l); /* a freed log is empty and may be freed again */
}

Test(mock_log, append_assigns_offsets_and_rewrites_the_base_offset_keeping_the_crc) {
    kfk__mlog_t l;
    kfk__mlog_init(&l, 1 << 20);
    tbatch_t b1, b2;
    build(&b1, 3, 1000, 1, 10, KFK_CODEC_NONE);
    build(&b2, 2, 2000, 1, 10, KFK_CODEC_NONE);
    int64_t base = -7;
    cr_assert_eq(kfk__mlog_append(&l, &b1.batch, 5, &base), KFK_ERR_NONE);
    cr_assert_eq(base, 0);
    cr_assert_eq(kfk__mlog_append(&l, &b2.batch, 6, &base), KFK_ERR_NONE);
    cr_assert_eq(base, 3);
    cr_assert_eq(l.hwm, 5);
    cr_assert_eq(l.log_start, 0);
    cr_assert_eq(l.bytes, b1.buf.len + b2.buf.len);
    cr_assert_eq(l.batches[l.first + 1].last_offset, 4);
    cr_assert_eq(l.batches[l.first + 1].max_timestamp, 2001);

    /* The stored copy reads back: CRC verified, offsets and leader epoch rewritten, the rest
     * byte for byte what the producer sent. */
    kfk_arena_t a = {0};
    kfk_bytes_t out;
    cr_assert_eq(kfk__mlog_read(&l, 0, 1 << 20, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_eq((size_t)out.len, b1.buf.len + b2.buf.len);
    kfk_record_batch_reader_t r;
    kfk_record_batch_t got;
    kfk_record_batch_reader_init(&r, out.ptr, (size_t)out.len);
    cr_assert(kfk_record_batch_next(&r, &got));
    cr_assert_eq(got.base_offset, 0);
    cr_assert_eq(got.partition_leader_epoch, 5);
    cr_assert_eq(memcmp(got.data + RB_MAGIC, b1.buf.data + RB_MAGIC, b1.buf.len - RB_MAGIC), 0);
    cr_assert(kfk_record_batch_next(&r, &got));
    cr_assert_eq(got.base_offset, 3);
    cr_assert_eq(got.partition_leader_epoch, 6);
    cr_assert_eq(kfk_record_batch_next_offset(&got), 5);
    kfk_record_iter_t it;
    kfk_record_view_t rec;
    cr_assert_eq(kfk_record_iter_init(&it, &got, NULL, 0), KFK_ERR_NONE);
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 3);
    cr_assert(kfk_record_iter_next(&it, &rec));
    cr_assert_eq(rec.offset, 4);
    cr_assert(!kfk_record_batch_next(&r, &got));
    cr_assert_eq(r.err, KFK_ERR_NONE);
    /* The producer's buffer is untouched (the log keeps a copy). */
    cr_assert_eq(kfk__rd32(b2.buf.data + RB_LEADER_EPOCH), 0xffffffffu);
    kfk_arena_free(&a);
    tfree(&b1);
    tfree(&b2);
    kfk__mlog_free(&l);
}

Test(mock_log, reads_whole_batches_from_the_one_holding_the_offset) {
    kfk__mlog_t l;
    kfk__mlog_init(&l, 1 << 20);
    tbatch_t b[3];
    for (int i = 0; i < 3; i++) {
        build(&b[i], 4, 100 * i, 1, 50, KFK_CODEC_NONE);
        cr_assert_eq(kfk__mlog_append(&l, &b[i].batch, 0, NULL), KFK_ERR_NONE);
    }
    size_t one = b[0].buf.len; /* the three have the same size */
    kfk_arena_t a = {0};
    kfk_bytes_t out;
    int64_t bases[8];

    /* Offset 5 is inside the second batch: the answer starts at its base offset 4. */
    cr_assert_eq(kfk__mlog_read(&l, 5, 1 << 20, 0, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(walk(out, bases, 8), 2);
    cr_assert_eq(bases[0], 4);
    cr_assert_eq(bases[1], 8);
    cr_assert_eq(kfk__mlog_bytes_after(&l, 5), 2 * one);
    cr_assert_eq(kfk__mlog_bytes_after(&l, 11), one);
    cr_assert_eq(kfk__mlog_bytes_after(&l, 12), 0);

    /* The limit counts whole batches: two and a half fit two. */
    cr_assert_eq(kfk__mlog_read(&l, 0, 2 * one + one / 2, 0, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(walk(out, bases, 8), 2);
    cr_assert_eq(kfk__mlog_read(&l, 0, 3 * one, 0, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(walk(out, bases, 8), 3);

    /* A first batch larger than the limit: itself with min_one, nothing without. */
    cr_assert_eq(kfk__mlog_read(&l, 0, 10, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(walk(out, bases, 8), 1);
    cr_assert_eq((size_t)out.len, one);
    cr_assert_eq(kfk__mlog_read(&l, 0, 10, 0, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(kfk__mlog_read(&l, 0, 0, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(walk(out, bases, 8), 1);

    /* At the end: empty; past it: out of range. */
    cr_assert_eq(kfk__mlog_read(&l, 12, 1 << 20, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(kfk__mlog_read(&l, 13, 1 << 20, 1, &a, &out), KFK_ERR_OFFSET_OUT_OF_RANGE);

    /* The answer is a copy: the log may drop its batches while the answer is still out. */
    cr_assert_eq(kfk__mlog_read(&l, 0, 1 << 20, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_neq(out.ptr, l.batches[l.first].data);
    kfk__mlog_free(&l);
    cr_assert_eq(walk(out, bases, 8), 3);

    /* An arena that refuses: NOMEM, nothing returned. */
    kfk__mlog_init(&l, 1 << 20);
    cr_assert_eq(kfk__mlog_append(&l, &b[0].batch, 0, NULL), KFK_ERR_NONE);
    kfk_arena_t small = {0};
    small.limit = 16;
    cr_assert_eq(kfk__mlog_read(&l, 0, 1 << 20, 1, &small, &out), KFK_ERR__NOMEM);
    cr_assert_eq(out.len, 0);
    kfk_arena_free(&small);

    kfk_arena_free(&a);
    for (int i = 0; i < 3; i++)
        tfree(&b[i]);
    kfk__mlog_free(&l);
}

Test(mock_log, check_refuses_what_a_broker_refuses) {
    tbatch_t t;
    build(&t, 2, 1000, 1, 8, KFK_CODEC_NONE);
    kfk_record_batch_t got;
    uint8_t *p = kfk__malloc(2 * t.buf.len);
    cr_assert_not_null(p);
    size_t len = t.buf.len;

    /* Nothing at all. */
    cr_assert_eq(kfk__mlog_check(NULL, 0, &got), KFK_ERR_INVALID_RECORD);
    cr_assert_eq(kfk__mlog_check(t.buf.data, 0, &got), KFK_ERR_INVALID_RECORD);

    /* A flipped bit after Attributes: the CRC fails. */
    memcpy(p, t.buf.data, len);
    p[len - 1] ^= 1;
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_CORRUPT_MESSAGE);

    /* Cut short, at every length. */
    for (size_t n = 1; n < len; n++)
        cr_assert_eq(kfk__mlog_check(t.buf.data, n, &got), KFK_ERR_CORRUPT_MESSAGE, "at %zu", n);

    /* Two batches in one partition's records. */
    memcpy(p, t.buf.data, len);
    memcpy(p + len, t.buf.data, len);
    cr_assert_eq(kfk__mlog_check(p, 2 * len, &got), KFK_ERR_INVALID_RECORD);

    /* A count that disagrees with LastOffsetDelta (CRC recomputed, so only the count is off). */
    memcpy(p, t.buf.data, len);
    kfk__wr32(p + RB_RECORDS_COUNT, 3);
    recrc(p, len);
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_INVALID_RECORD);
    kfk__wr32(p + RB_RECORDS_COUNT, 0);
    kfk__wr32(p + RB_LAST_OFFSET_DELTA, (uint32_t)-1);
    recrc(p, len);
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_INVALID_RECORD);

    /* A control batch: clients may not write transaction markers. */
    memcpy(p, t.buf.data, len);
    kfk__wr16(p + RB_ATTRIBUTES, KFK_RECORD_BATCH_ATTR_CONTROL);
    recrc(p, len);
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_INVALID_RECORD);

    /* A producer id with no sequence. */
    memcpy(p, t.buf.data, len);
    cr_assert_eq(kfk_record_batch_set_producer(p, len, 42, 0, -1), KFK_ERR_NONE);
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_INVALID_RECORD);
    cr_assert_eq(kfk_record_batch_set_producer(p, len, 42, 0, 0), KFK_ERR_NONE);
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_NONE);
    cr_assert_eq(got.producer_id, 42);

    /* Magic 3: not a format anyone writes. */
    memcpy(p, t.buf.data, len);
    p[RB_MAGIC] = 3;
    cr_assert_eq(kfk__mlog_check(p, len, &got), KFK_ERR_CORRUPT_MESSAGE);

    kfk__free(p);
    tfree(&t);
}

Test(mock_log, check_refuses_legacy_message_sets_with_corrupt_message) {
    /* A well-formed magic 1 message (offset, size, CRC-32, magic, attributes, timestamp, null
     * key, 3-byte value), as a pre-0.11 producer sends it. */
    uint8_t m[8 + 4 + 4 + 1 + 1 + 8 + 4 + 4 + 3];
    memset(m, 0, sizeof m);
    kfk__wr32(m + 8, (uint32_t)(sizeof m - 12));
    m[16] = 1;
    kfk__wr64(m + 18, 1000);
    kfk__wr32(m + 26, (uint32_t)-1);
    kfk__wr32(m + 30, 3);
    memcpy(m + 34, "abc", 3);
    kfk__wr32(m + 12, kfk_crc32(0, m + 16, sizeof m - 16));
    kfk_record_batch_reader_t r;
    kfk_record_batch_t b;
    kfk_record_batch_reader_init(&r, m, sizeof m);
    cr_assert(kfk_record_batch_next(&r, &b), "the reader itself takes it: %s", kfk_err_name(r.err));
    cr_assert_eq(b.magic, 1);
    cr_assert_eq(kfk__mlog_check(m, sizeof m, &b), KFK_ERR_CORRUPT_MESSAGE);
    m[16] = 0;
    cr_assert_eq(kfk__mlog_check(m, sizeof m, &b), KFK_ERR_CORRUPT_MESSAGE);
}

Test(mock_log, the_cap_drops_the_oldest_batches_and_moves_log_start) {
    tbatch_t t;
    build(&t, 10, 1000, 1, 100, KFK_CODEC_NONE);
    size_t one = t.buf.len;
    kfk__mlog_t l;
    kfk__mlog_init(&l, (int64_t)(3 * one + one / 2));
    for (int i = 0; i < 3; i++)
        cr_assert_eq(kfk__mlog_append(&l, &t.batch, 0, NULL), KFK_ERR_NONE);
    cr_assert_eq(l.log_start, 0);
    cr_assert_eq(l.bytes, 3 * one);
    /* The fourth passes the cap: the first goes, log_start moves to 10. */
    cr_assert_eq(kfk__mlog_append(&l, &t.batch, 0, NULL), KFK_ERR_NONE);
    cr_assert_eq(l.log_start, 10);
    cr_assert_eq(l.hwm, 40);
    cr_assert_eq(l.bytes, 3 * one);
    kfk_arena_t a = {0};
    kfk_bytes_t out;
    cr_assert_eq(kfk__mlog_read(&l, 9, 1 << 20, 1, &a, &out), KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(kfk__mlog_read(&l, 10, 1 << 20, 1, &a, &out), KFK_ERR_NONE);
    cr_assert_eq((size_t)out.len, 3 * one);
    int64_t off, ts;
    int32_t epoch;
    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_EARLIEST, &off, &ts, &epoch),
                 KFK_ERR_NONE);
    cr_assert_eq(off, 10);

    /* Many more: the array is reused (compacted), offsets keep counting, the bytes stay
     * under the cap. */
    for (int i = 0; i < 1000; i++) {
        int64_t base;
        cr_assert_eq(kfk__mlog_append(&l, &t.batch, 0, &base), KFK_ERR_NONE);
        cr_assert_eq(base, 40 + 10 * i);
        cr_assert_leq(l.bytes, 3 * one + one / 2);
        cr_assert_eq(l.log_start, l.hwm - 30);
    }
    cr_assert_leq(l.cap, 16);
    cr_assert_eq(kfk__mlog_read(&l, l.hwm - 15, 1 << 20, 1, &a, &out), KFK_ERR_NONE);
    int64_t bases[4];
    cr_assert_eq(walk(out, bases, 4), 2);
    cr_assert_eq(bases[0], l.hwm - 20);

    /* A batch larger than the cap alone is refused; the log is unchanged. */
    kfk__mlog_t small;
    kfk__mlog_init(&small, (int64_t)one - 1);
    cr_assert_eq(kfk__mlog_append(&small, &t.batch, 0, NULL), KFK_ERR_MESSAGE_TOO_LARGE);
    cr_assert_eq(small.hwm, 0);
    cr_assert_eq(small.bytes, 0);
    kfk__mlog_free(&small);

    /* A cap of exactly one batch keeps the newest alone. */
    kfk__mlog_init(&small, (int64_t)one);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(kfk__mlog_append(&small, &t.batch, 0, NULL), KFK_ERR_NONE);
    cr_assert_eq(small.log_start, 20);
    cr_assert_eq(small.bytes, one);
    kfk__mlog_free(&small);

    kfk_arena_free(&a);
    kfk__mlog_free(&l);
    tfree(&t);
}

Test(mock_log, list_offsets_earliest_latest_and_by_timestamp) {
    kfk__mlog_t l;
    kfk__mlog_init(&l, 1 << 20);
    int64_t off, ts;
    int32_t epoch;
    /* Empty: earliest = latest = 0; no timestamp found. */
    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_LATEST, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 0);
    cr_assert_eq(ts, -1);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 0, &off, &ts, &epoch), 0);
    cr_assert_eq(off, -1);
    cr_assert_eq(ts, -1);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_MAX_TIMESTAMP, &off, &ts, &epoch), 0);
    cr_assert_eq(off, -1);

    /* Offsets 0-4 at 1000, 1010, ..., 1040; 5-9 at 2000, ..., 2040 (gzip when built in, so
     * the lookup reads inside a compressed batch); 10-12 at 1500, 1400, 1300 (out of order). */
    tbatch_t b1, b2, b3;
    build(&b1, 5, 1000, 10, 20, KFK_CODEC_NONE);
    build(&b2, 5, 2000, 10, 20,
          kfk_codec_available(KFK_CODEC_GZIP) ? KFK_CODEC_GZIP : KFK_CODEC_NONE);
    build(&b3, 3, 1500, -100, 20, KFK_CODEC_NONE);
    cr_assert_eq(kfk__mlog_append(&l, &b1.batch, 3, NULL), 0);
    cr_assert_eq(kfk__mlog_append(&l, &b2.batch, 4, NULL), 0);
    cr_assert_eq(kfk__mlog_append(&l, &b3.batch, 4, NULL), 0);

    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_EARLIEST, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 0);
    cr_assert_eq(ts, -1);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_LATEST, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 13);
    cr_assert_eq(ts, -1);

    /* The first record at or after the time, to the record. */
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 0, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 0);
    cr_assert_eq(ts, 1000);
    cr_assert_eq(epoch, 3);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 1015, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 2);
    cr_assert_eq(ts, 1020);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 1041, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 5);
    cr_assert_eq(ts, 2000);
    cr_assert_eq(epoch, 4);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 2025, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 8);
    cr_assert_eq(ts, 2030);
    /* After every record: not found. */
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 2041, &off, &ts, &epoch), 0);
    cr_assert_eq(off, -1);
    cr_assert_eq(ts, -1);
    cr_assert_eq(epoch, -1);

    /* The largest timestamp (KIP-734): offset 9 at 2040. */
    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_MAX_TIMESTAMP, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 9);
    cr_assert_eq(ts, 2040);

    /* Another negative value is not a query. */
    cr_assert_eq(kfk__mlog_offset_for_time(&l, -7, &off, &ts, &epoch), KFK_ERR_INVALID_REQUEST);

    /* Once the cap dropped the first batch, earliest follows. */
    kfk__mlog_free(&l);
    kfk__mlog_init(&l, (int64_t)(b1.buf.len + b3.buf.len));
    cr_assert_eq(kfk__mlog_append(&l, &b1.batch, 0, NULL), 0);
    cr_assert_eq(kfk__mlog_append(&l, &b3.batch, 0, NULL), 0);
    cr_assert_eq(kfk__mlog_append(&l, &b3.batch, 0, NULL), 0);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, KFK__MLOG_EARLIEST, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 5);
    cr_assert_eq(kfk__mlog_offset_for_time(&l, 0, &off, &ts, &epoch), 0);
    cr_assert_eq(off, 5);
    cr_assert_eq(ts, 1500);

    tfree(&b1);
    tfree(&b2);
    tfree(&b3);
    kfk__mlog_free(&l);
}
