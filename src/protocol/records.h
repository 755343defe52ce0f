/*
 * records.h: internals shared by records_build.c, records_read.c, records_txn.c and legacy.c:
 * big-endian loads and stores, bounded varint decoding on raw pointers (the record hot path
 * does not go through kfk_rbuf_t), and the legacy message set entry points.
 */
#ifndef KFK_PROTOCOL_RECORDS_H
#define KFK_PROTOCOL_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kfk/protocol.h"

/* RecordBatch v2 field offsets (DefaultRecordBatch.java). */
#define RB_BASE_OFFSET 0
#define RB_LENGTH 8
#define RB_LEADER_EPOCH 12
#define RB_MAGIC 16
#define RB_CRC 17
#define RB_ATTRIBUTES 21
#define RB_LAST_OFFSET_DELTA 23
#define RB_BASE_TIMESTAMP 27
#define RB_MAX_TIMESTAMP 35
#define RB_PRODUCER_ID 43
#define RB_PRODUCER_EPOCH 51
#define RB_BASE_SEQUENCE 53
#define RB_RECORDS_COUNT 57
#define RB_RECORDS 61

/* Offset + size before every batch or legacy entry (Kafka's LOG_OVERHEAD). */
#define RB_LOG_OVERHEAD 12
/* The smallest legacy message (v0: CRC, magic, attributes, key and value lengths). */
#define LEGACY_MIN_SIZE 14

/* The smallest v2 record: Length, Attributes, TimestampDelta, OffsetDelta, KeyLength,
 * ValueLength and header count, one byte each. */
#define KFK__RECORD_MIN_SIZE 7

/* Output cap for decompressing a control batch (a few bytes in practice). */
#define KFK__CONTROL_MAX_OUT ((size_t)1 << 20)

static inline uint16_t kfk__rd16(const uint8_t *p) {
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t kfk__rd32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t kfk__rd64(const uint8_t *p) {
    return ((uint64_t)kfk__rd32(p) << 32) | kfk__rd32(p + 4);
}
static inline void kfk__wr16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void kfk__wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void kfk__wr64(uint8_t *p, uint64_t v) {
    kfk__wr32(p, (uint32_t)(v >> 32));
    kfk__wr32(p + 4, (uint32_t)v);
}

/*
 * Decodes a zig-zag varint (at most 5 bytes, no bits past 32) at p, not reading at or past end.
 * Returns the position after it, or NULL when it is truncated or too long.
 */
static inline const uint8_t *kfk__varint_get(const uint8_t *p, const uint8_t *end, int32_t *out) {
    uint32_t u;
    if (p < end && p[0] < 0x80) {
        u = p[0];
        p++;
    } else {
        u = 0;
        for (int i = 0;; i++) {
            if (p >= end)
                return NULL;
            uint8_t b = *p++;
            if (i == 4 && (b & 0xf0))
                return NULL;
            u |= (uint32_t)(b & 0x7f) << (7 * i);
            if (!(b & 0x80))
                break;
        }
    }
    *out = (int32_t)((u >> 1) ^ (~(u & 1) + 1));
    return p;
}

/* As kfk__varint_get for a zig-zag varlong (at most 10 bytes, no bits past 64). */
static inline const uint8_t *kfk__varlong_get(const uint8_t *p, const uint8_t *end, int64_t *out) {
    uint64_t u;
    if (p < end && p[0] < 0x80) {
        u = p[0];
        p++;
    } else {
        u = 0;
        for (int i = 0;; i++) {
            if (p >= end)
                return NULL;
            uint8_t b = *p++;
            if (i == 9 && (b & 0xfe))
                return NULL;
            u |= (uint64_t)(b & 0x7f) << (7 * i);
            if (!(b & 0x80))
                break;
        }
    }
    *out = (int64_t)((u >> 1) ^ (~(u & 1) + 1));
    return p;
}

/* Writes an unsigned varint at p (room for 5 bytes is the caller's duty); returns the end. */
static inline uint8_t *kfk__uvarint_put(uint8_t *p, uint32_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}
static inline uint8_t *kfk__varint_put(uint8_t *p, int32_t v) {
    return kfk__uvarint_put(p, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}
static inline uint8_t *kfk__varlong_put(uint8_t *p, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        *p++ = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    *p++ = (uint8_t)u;
    return p;
}

/* The sizes of those encodings, branch-free (kfk_varint_size and friends in buf.c say the same
 * for the public API; these inline into the record builder's per-record arithmetic). */
static inline size_t kfk__uvarint_len(uint32_t v) {
    return 1 + (size_t)(31 - __builtin_clz(v | 1)) / 7;
}
static inline size_t kfk__varint_len(int32_t v) {
    return kfk__uvarint_len(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}
static inline size_t kfk__varlong_len(int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    return 1 + (size_t)(63 - __builtin_clzll(u | 1)) / 7;
}

/* a + b on int64 with two's complement wrap-around (hostile input must not be UB). */
static inline int64_t kfk__add64(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/*
 * Decodes one v2 record at [p, end) (the record's Length varint first) into rec, with offset
 * and timestamp still relative (offset delta and timestamp delta). Returns the position after
 * the record, or NULL when it is malformed.
 */
const uint8_t *kfk__record_parse(const uint8_t *p, const uint8_t *end, kfk_record_view_t *rec);

/*
 * Fills batch from the legacy entry (LOG_OVERHEAD + MessageSize bytes at p; size checked by
 * the caller) and verifies its CRC-32. 0, KFK_ERR__CRC or KFK_ERR__BAD_MSG.
 */
kfk_err_t kfk__legacy_batch_parse(const uint8_t *p, size_t size, kfk_record_batch_t *batch);

/* The offset after the v2 batch whose header starts at @p at (@p left bytes from there), read
 * from the header alone (it may be corrupt: the sum wraps), or -1 without a whole v2 header. */
static inline int64_t kfk__batch_header_next_offset(const uint8_t *at, size_t left) {
    if (left < RB_RECORDS || at[RB_MAGIC] != 2)
        return -1;
    return kfk__add64(kfk__add64((int64_t)kfk__rd64(at + RB_BASE_OFFSET),
                                 (int32_t)kfk__rd32(at + RB_LAST_OFFSET_DELTA)),
                      1);
}

/*
 * kfk_record_batch_next without the CRC-32C check of v2 batches (legacy entries are checked as
 * before): for a pass that only needs the batches' offsets and lengths, when another pass reads
 * the records with the check (the consumer's fetcher finds where the next fetch starts; the
 * delivery pass checks each batch before its records are read, joining the CRC from the block
 * registers the frame got as it arrived, kfk__record_batch_next_blocks).
 */
bool kfk__record_batch_next_unchecked(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch);

/* The memory a reader's bytes lie in (from base on) and the CRC-32C registers of its whole
 * KFK__CRC_BLOCK-byte blocks (kfk__crc32c_blocks): nblocks of them, or blocks NULL. */
typedef struct kfk__crc_blocks {
    const uint8_t *base;
    const uint32_t *blocks;
    size_t nblocks;
} kfk__crc_blocks_t;

/* kfk_record_batch_next, with each v2 batch's CRC joined from @p bl's block registers where
 * the batch covers whole blocks (kfk__crc32c_span): the same result, reading only the partial
 * blocks at the batch's ends. @p bl may be NULL or have no blocks (then as
 * kfk_record_batch_next). */
bool kfk__record_batch_next_blocks(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch,
                                   const kfk__crc_blocks_t *bl);

/*
 * Why a records blob is unusable, in one line for an error message (records_why.c); each
 * writes a NUL-terminated line of at most @p n bytes to @p buf.
 *
 * kfk__record_batch_why: kfk_record_batch_next failed (or set truncated) on the batch at @p p,
 * with @p left bytes from there to the end of the blob: which header field is wrong (length,
 * magic, CRC, record count) or how much of the batch is missing.
 * kfk__record_iter_why: kfk_record_iter_init / _next of a v2 batch set it->err to
 * KFK_ERR__BAD_MSG: the record that does not parse and which of its fields is wrong, or how the
 * record count disagrees with the bytes.
 */
void kfk__record_batch_why(const uint8_t *p, size_t left, char *buf, size_t n);
void kfk__record_iter_why(const kfk_record_iter_t *it, char *buf, size_t n);

/* kfk_record_iter_init / _next for magic 0 and 1. */
kfk_err_t kfk__legacy_iter_init(kfk_record_iter_t *it, const kfk_record_batch_t *batch,
                                kfk_codec_ctx_t *ctx, kfk_wbuf_t *out, size_t max_out);
bool kfk__legacy_iter_next(kfk_record_iter_t *it, kfk_record_view_t *rec);

#endif
