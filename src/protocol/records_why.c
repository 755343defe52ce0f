/*
 * records_why.c: the cause, in words, of a records blob that records_read.c refused. The
 * readers stay fast and say only KFK_ERR__BAD_MSG / KFK_ERR__CRC; when an application must be
 * told why (the consumer's error event: "record length 900 past the batch end (77 bytes
 * left)"), these functions walk the same bytes again, on the error path only, and name the
 * first field that is wrong. They follow the checks of kfk_record_batch_next,
 * kfk__record_parse and kfk_record_iter_init / _next (RecordBatch v2, DefaultRecord.java) and
 * read nothing past the end they are given.
 */
#include <inttypes.h>
#include <stdio.h>

#include "kfk/protocol.h"
#include "protocol/records.h"

/* A varint at [p, end): 0 and *out, or -1 cut short, -2 longer than @p max bytes. */
static int varint_why(const uint8_t **pp, const uint8_t *end, int max, int64_t *out) {
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int i = 0; i < max; i++) {
        if (p >= end)
            return -1;
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *pp = p;
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return -2;
}

/* Reads the varint @p what, or writes why it cannot be read; 0 on success. */
static int field_varint(const uint8_t **p, const uint8_t *end, int max, const char *what,
                        int64_t *v, char *buf, size_t n) {
    int r = varint_why(p, end, max, v);
    if (r == -1)
        snprintf(buf, n, "%s varint cut by the record end", what);
    else if (r == -2)
        snprintf(buf, n, "%s varint longer than %d bytes", what, max);
    else if (max == 5 && (*v < INT32_MIN || *v > INT32_MAX))
        snprintf(buf, n, "%s varint %" PRId64 " out of the int32 range", what, *v);
    return r != 0 || (max == 5 && (*v < INT32_MIN || *v > INT32_MAX));
}

/* A length-prefixed field (key, value, header key or value); 0 on success. */
static int field_bytes(const uint8_t **p, const uint8_t *end, int nullable, const char *what,
                       char *buf, size_t n) {
    int64_t len;
    char name[48];
    snprintf(name, sizeof name, "%s length", what);
    if (field_varint(p, end, 5, name, &len, buf, n))
        return 1;
    if (len < 0) {
        if (len == -1 && nullable)
            return 0;
        snprintf(buf, n, "%s length %" PRId64 "%s", what, len,
                 nullable ? " (only -1, null, may be negative)" : " (may not be null)");
        return 1;
    }
    if ((uint64_t)len > (size_t)(end - *p)) {
        snprintf(buf, n, "%s length %" PRId64 " past the record end (%zu bytes left)", what, len,
                 (size_t)(end - *p));
        return 1;
    }
    *p += len;
    return 0;
}

/* Why the record at [p, end) does not parse; "" when it does. */
static void record_why(const uint8_t *p, const uint8_t *end, char *buf, size_t n) {
    int64_t len, v;
    buf[0] = '\0';
    if (field_varint(&p, end, 5, "record length", &len, buf, n))
        return;
    if (len < 0) {
        snprintf(buf, n, "negative record length %" PRId64, len);
        return;
    }
    if ((uint64_t)len > (size_t)(end - p)) {
        snprintf(buf, n, "record length %" PRId64 " past the batch end (%zu bytes left)", len,
                 (size_t)(end - p));
        return;
    }
    const uint8_t *rend = p + len;
    if (p >= rend) {
        snprintf(buf, n, "record length 0 (no attributes byte)");
        return;
    }
    p++; /* attributes */
    if (field_varint(&p, rend, 10, "timestamp delta", &v, buf, n) ||
        field_varint(&p, rend, 5, "offset delta", &v, buf, n) ||
        field_bytes(&p, rend, 1, "key", buf, n) || field_bytes(&p, rend, 1, "value", buf, n) ||
        field_varint(&p, rend, 5, "header count", &v, buf, n))
        return;
    if (v < 0 || (uint64_t)v > (size_t)(rend - p) / 2) {
        snprintf(buf, n, "header count %" PRId64 " (%zu bytes left in the record)", v,
                 (size_t)(rend - p));
        return;
    }
    for (int64_t i = 0; i < v; i++)
        if (field_bytes(&p, rend, 0, "header key", buf, n) ||
            field_bytes(&p, rend, 1, "header value", buf, n))
            return;
    if (p != rend)
        snprintf(buf, n, "record length %" PRId64 " but its fields take %zu bytes", len,
                 (size_t)(p - (rend - len)));
}

void kfk__record_iter_why(const kfk_record_iter_t *it, char *buf, size_t n) {
    if (!buf || n == 0)
        return;
    buf[0] = '\0';
    if (it->magic < 2 || !it->p || !it->end) {
        snprintf(buf, n, "%s", kfk_err_str(it->err ? it->err : KFK_ERR__BAD_MSG));
        return;
    }
    size_t left = (size_t)(it->end - it->p);
    if (it->index == 0 && (uint64_t)it->count > left / KFK__RECORD_MIN_SIZE) {
        snprintf(buf, n, "record count %" PRId32 " but %zu bytes hold at most %zu records",
                 it->count, left, left / KFK__RECORD_MIN_SIZE);
        return;
    }
    if (it->index >= it->count) {
        snprintf(buf, n, "%zu bytes left after the batch's %" PRId32 " records", left, it->count);
        return;
    }
    if (left == 0) {
        snprintf(buf, n, "record count %" PRId32 " but the batch ends after %" PRId32 " records",
                 it->count, it->index);
        return;
    }
    char why[160];
    record_why(it->p, it->end, why, sizeof why);
    snprintf(buf, n, "record %" PRId32 " of %" PRId32 ": %s", it->index, it->count,
             why[0] ? why : "malformed");
}

void kfk__record_batch_why(const uint8_t *p, size_t left, char *buf, size_t n) {
    if (!buf || n == 0)
        return;
    if (!p || left < RB_MAGIC + 1) {
        snprintf(buf, n, "only a partial batch: %zu bytes, not even a batch header", left);
        return;
    }
    int32_t length = (int32_t)kfk__rd32(p + RB_LENGTH);
    int8_t magic = (int8_t)p[RB_MAGIC];
    if (length < LEGACY_MIN_SIZE) {
        snprintf(buf, n, "batch length %" PRId32 " below the smallest batch (%d)", length,
                 LEGACY_MIN_SIZE);
        return;
    }
    if (magic < 0 || magic > 2) {
        snprintf(buf, n, "unsupported magic %d", magic);
        return;
    }
    if ((uint64_t)length + RB_LOG_OVERHEAD > left) {
        snprintf(buf, n, "only a partial batch: batch length %" PRId32 " but %zu bytes left",
                 length, left - RB_LOG_OVERHEAD < left ? left - RB_LOG_OVERHEAD : 0);
        return;
    }
    size_t size = (size_t)length + RB_LOG_OVERHEAD;
    if (magic < 2) {
        snprintf(buf, n, "malformed or corrupt legacy message (magic %d)", magic);
        return;
    }
    if (size < RB_RECORDS) {
        snprintf(buf, n, "batch length %" PRId32 " shorter than a v2 batch header", length);
        return;
    }
    int32_t count = (int32_t)kfk__rd32(p + RB_RECORDS_COUNT);
    if (count < 0) {
        snprintf(buf, n, "negative record count %" PRId32, count);
        return;
    }
    uint32_t want = kfk__rd32(p + RB_CRC);
    uint32_t got = kfk_crc32c(0, p + RB_ATTRIBUTES, size - RB_ATTRIBUTES);
    if (want != got) {
        snprintf(buf, n,
                 "CRC-32C mismatch (the batch says %08" PRIx32 ", its bytes give %08" PRIx32 ")",
                 want, got);
        return;
    }
    snprintf(buf, n, "malformed batch header");
}
