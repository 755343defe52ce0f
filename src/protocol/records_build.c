/*
 * records_build.c: building RecordBatch v2 (magic 2, Kafka 0.11+) straight into a caller's
 * kfk_wbuf_t, and re-stamping the producer fields of a finished batch.
 *
 * A record is written once, in its final wire form, at the end of the buffer: its size is
 * computed first (varint sizes are cheap), then one kfk_wbuf_extend reserves exactly that and
 * the fields are stored through a plain pointer. The 61-byte header is a placeholder until
 * finish, which knows the counts and timestamps. Compression reads the records region where
 * it lies; the compressed bytes replace it.
 *
 * CRC: the batch's CRC-32C covers the header from its attributes on, then the records. The
 * records of an uncompressed batch are checksummed as they are appended, once CRC_STEP bytes
 * wait (while they are still in the cache: a 1 MB batch checksummed at finish is read back from
 * memory, at a third of the speed), and finish joins the header's CRC to theirs
 * (kfk__crc32c_combine). Layout: DefaultRecordBatch.java and
 * DefaultRecord.java (apache/kafka); see also shared/reference/kafka-protocol.md section 3.
 */
#include <limits.h>
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/compress.h"
#include "protocol/crc32c.h"
#include "protocol/records.h"

/* Bytes appended before the running CRC of the records catches up (small records are
 * checksummed in runs, not one call each). */
#define CRC_STEP 8192

enum { B_IDLE = 0, B_OPEN = 1, B_DONE = 2 };

kfk_err_t kfk_record_batch_builder_begin(kfk_record_batch_builder_t *b, kfk_wbuf_t *buf) {
    if (!b || !buf)
        return KFK_ERR__INVALID_ARG;
    memset(b, 0, sizeof *b);
    if (buf->err)
        return buf->err;
    size_t start = buf->len;
    uint8_t *p = kfk_wbuf_extend(buf, RB_RECORDS);
    if (!p)
        return buf->err ? buf->err : KFK_ERR__NOMEM;
    memset(p, 0, RB_RECORDS);
    kfk__wr32(p + RB_LEADER_EPOCH, UINT32_MAX); /* -1 */
    p[RB_MAGIC] = 2;
    b->buf = buf;
    b->start = start;
    b->base_timestamp = -1;
    b->max_timestamp = -1;
    b->state = B_OPEN;
    b->records_crc = 0;
    b->records_crc_end = start + RB_RECORDS;
    return KFK_ERR_NONE;
}

/* Checks a record's arguments and computes the size of its body (after the Length varint). */
static kfk_err_t record_body_size(const kfk_record_batch_builder_t *b, kfk_bytes_t key,
                                  kfk_bytes_t value, const kfk_record_header_t *headers,
                                  size_t header_count, int64_t ts_delta, uint64_t *body) {
    if (key.len < -1 || value.len < -1 || (key.len > 0 && !key.ptr) ||
        (value.len > 0 && !value.ptr) || header_count > INT32_MAX || (header_count && !headers))
        return KFK_ERR__INVALID_ARG;
    uint64_t n = 1 + kfk__varlong_len(ts_delta) + kfk__varint_len(b->count) +
                 kfk__varint_len(key.len) + (key.len > 0 ? (uint64_t)key.len : 0) +
                 kfk__varint_len(value.len) + (value.len > 0 ? (uint64_t)value.len : 0) +
                 kfk__varint_len((int32_t)header_count);
    for (size_t i = 0; i < header_count; i++) {
        const kfk_record_header_t *h = &headers[i];
        if (h->key.len < 0 || h->value.len < -1 || (h->key.len > 0 && !h->key.ptr) ||
            (h->value.len > 0 && !h->value.ptr))
            return KFK_ERR__INVALID_ARG;
        n += kfk__varint_len(h->key.len) + (uint64_t)h->key.len + kfk__varint_len(h->value.len) +
             (h->value.len > 0 ? (uint64_t)h->value.len : 0);
        if (n > INT32_MAX)
            return KFK_ERR__MSG_SIZE_TOO_LARGE;
    }
    if (n > INT32_MAX)
        return KFK_ERR__MSG_SIZE_TOO_LARGE;
    *body = n;
    return KFK_ERR_NONE;
}

static inline int64_t ts_delta_of(const kfk_record_batch_builder_t *b, int64_t timestamp) {
    return b->count ? (int64_t)((uint64_t)timestamp - (uint64_t)b->base_timestamp) : 0;
}

size_t kfk_record_batch_builder_append_size(const kfk_record_batch_builder_t *b, kfk_bytes_t key,
                                            kfk_bytes_t value, const kfk_record_header_t *headers,
                                            size_t header_count, int64_t timestamp) {
    uint64_t body;
    if (record_body_size(b, key, value, headers, header_count, ts_delta_of(b, timestamp), &body))
        return SIZE_MAX;
    return (size_t)body + kfk__varint_len((int32_t)body);
}

static inline uint8_t *put_raw(uint8_t *p, const void *src, int32_t len) {
    if (len > 0) {
        memcpy(p, src, (size_t)len);
        p += len;
    }
    return p;
}

kfk_err_t kfk_record_batch_builder_append(kfk_record_batch_builder_t *b, kfk_bytes_t key,
                                          kfk_bytes_t value, const kfk_record_header_t *headers,
                                          size_t header_count, int64_t timestamp) {
    if (!b || b->state != B_OPEN)
        return KFK_ERR__STATE;
    if (b->count == INT32_MAX)
        return KFK_ERR__INVALID_ARG;
    int64_t ts_delta = ts_delta_of(b, timestamp);
    uint64_t body;
    kfk_err_t err = record_body_size(b, key, value, headers, header_count, ts_delta, &body);
    if (err)
        return err;
    size_t total = (size_t)body + kfk__varint_len((int32_t)body);
    kfk_wbuf_t *w = b->buf;
    /* BatchLength (an int32) counts everything after its own field. */
    if ((uint64_t)(w->len - b->start) + total - RB_LOG_OVERHEAD > INT32_MAX)
        return KFK_ERR__MSG_SIZE_TOO_LARGE;
    uint8_t *p = kfk_wbuf_extend(w, total);
    if (!p)
        return w->err ? w->err : KFK_ERR__NOMEM;
    p = kfk__varint_put(p, (int32_t)body);
    *p++ = 0; /* record attributes: unused */
    p = kfk__varlong_put(p, ts_delta);
    p = kfk__varint_put(p, b->count);
    p = kfk__varint_put(p, key.len);
    p = put_raw(p, key.ptr, key.len);
    p = kfk__varint_put(p, value.len);
    p = put_raw(p, value.ptr, value.len);
    p = kfk__varint_put(p, (int32_t)header_count);
    for (size_t i = 0; i < header_count; i++) {
        p = kfk__varint_put(p, headers[i].key.len);
        p = put_raw(p, headers[i].key.ptr, headers[i].key.len);
        p = kfk__varint_put(p, headers[i].value.len);
        p = put_raw(p, headers[i].value.ptr, headers[i].value.len);
    }
    if (b->count == 0)
        b->base_timestamp = timestamp;
    if (timestamp > b->max_timestamp)
        b->max_timestamp = timestamp;
    b->count++;
    if (b->records_crc_end != SIZE_MAX && w->len - b->records_crc_end >= CRC_STEP) {
        b->records_crc =
            kfk_crc32c(b->records_crc, w->data + b->records_crc_end, w->len - b->records_crc_end);
        b->records_crc_end = w->len;
    }
    return KFK_ERR_NONE;
}

kfk_err_t kfk_record_batch_builder_will_compress(kfk_record_batch_builder_t *b) {
    if (!b || b->state != B_OPEN)
        return KFK_ERR__STATE;
    b->records_crc_end = SIZE_MAX; /* finish's whole-batch CRC, never the running one */
    return KFK_ERR_NONE;
}

size_t kfk_record_batch_builder_size(const kfk_record_batch_builder_t *b) {
    if (!b || b->state == B_IDLE || !b->buf || b->buf->len < b->start)
        return 0;
    return b->buf->len - b->start;
}

int32_t kfk_record_batch_builder_count(const kfk_record_batch_builder_t *b) {
    return b ? b->count : 0;
}

void kfk_record_batch_builder_abort(kfk_record_batch_builder_t *b) {
    if (!b || b->state != B_OPEN)
        return;
    if (b->buf->len > b->start)
        b->buf->len = b->start;
    b->state = B_IDLE;
}

/* Replaces the records region of the open batch by its compressed form. */
static kfk_err_t compress_records(kfk_record_batch_builder_t *b,
                                  const kfk_record_batch_attrs_t *attrs) {
    kfk_wbuf_t *w = b->buf;
    size_t rec_off = b->start + RB_RECORDS;
    size_t rec_len = w->len - rec_off;
    /* With a context, its buffer of the last batch takes the output (no allocation per batch). */
    kfk_wbuf_t own;
    kfk_wbuf_init(&own);
    kfk_wbuf_t *tmp = attrs->codec_ctx ? &attrs->codec_ctx->batch_out : &own;
    /* A batch that is all of its buffer (a producer's) trades buffers with the context: the
     * compressed records land after room for the header, which is copied over (61 bytes), and
     * the records are not copied back. */
    int trade = tmp != &own && b->start == 0 && !w->nsegs && !tmp->nsegs;
    tmp->len = 0;
    tmp->err = KFK_ERR_NONE;
    if (trade && kfk_wbuf_grow(tmp, rec_off) == KFK_ERR_NONE)
        tmp->len = rec_off; /* the header's room, filled below */
    else
        trade = 0;
    tmp->err = KFK_ERR_NONE;
    kfk_err_t err = kfk_codec_ctx_compress(attrs->codec_ctx, attrs->codec, attrs->compression_level,
                                           w->data + rec_off, rec_len, tmp);
    if (!err && tmp->err)
        err = tmp->err;
    size_t out_len = tmp->len - (trade ? rec_off : 0);
    if (!err && out_len > (size_t)INT32_MAX - (RB_RECORDS - RB_LOG_OVERHEAD))
        err = KFK_ERR__MSG_SIZE_TOO_LARGE;
    if (!err && trade) {
        memcpy(tmp->data, w->data, rec_off);
        uint8_t *data = w->data;
        size_t cap = w->cap;
        w->data = tmp->data;
        w->cap = tmp->cap;
        w->len = tmp->len;
        tmp->data = data;
        tmp->cap = cap;
    } else if (!err) {
        if (out_len > rec_len && kfk_wbuf_grow(w, out_len - rec_len))
            err = w->err ? w->err : KFK_ERR__NOMEM;
        if (!err && out_len)
            memcpy(w->data + rec_off, tmp->data, out_len);
        if (!err)
            w->len = rec_off + out_len;
    }
    tmp->len = 0;
    kfk_wbuf_free(&own); /* empty when the context's buffer was used */
    return err;
}

kfk_err_t kfk_record_batch_builder_finish(kfk_record_batch_builder_t *b,
                                          const kfk_record_batch_attrs_t *attrs) {
    static const kfk_record_batch_attrs_t defaults = KFK_RECORD_BATCH_ATTRS_INIT;
    if (!b || b->state != B_OPEN)
        return KFK_ERR__STATE;
    if (!attrs)
        attrs = &defaults;
    if ((int)attrs->codec < KFK_CODEC_NONE || (int)attrs->codec > KFK_CODEC_ZSTD ||
        (attrs->timestamp_type != KFK_TIMESTAMP_CREATE_TIME &&
         attrs->timestamp_type != KFK_TIMESTAMP_LOG_APPEND_TIME))
        return KFK_ERR__INVALID_ARG;
    kfk_wbuf_t *w = b->buf;
    if (w->err)
        return w->err;
    if (attrs->codec != KFK_CODEC_NONE) {
        kfk_err_t err = compress_records(b, attrs);
        if (err)
            return err;
    }
    size_t total = w->len - b->start;
    uint16_t attributes = (uint16_t)attrs->codec;
    if (attrs->timestamp_type == KFK_TIMESTAMP_LOG_APPEND_TIME)
        attributes |= KFK_RECORD_BATCH_ATTR_LOG_APPEND_TIME;
    if (attrs->transactional)
        attributes |= KFK_RECORD_BATCH_ATTR_TRANSACTIONAL;
    if (attrs->control)
        attributes |= KFK_RECORD_BATCH_ATTR_CONTROL;
    int64_t max_ts = attrs->timestamp_type == KFK_TIMESTAMP_LOG_APPEND_TIME ? attrs->log_append_time
                                                                            : b->max_timestamp;
    uint8_t *p = w->data + b->start;
    kfk__wr32(p + RB_LENGTH, (uint32_t)(total - RB_LOG_OVERHEAD));
    kfk__wr16(p + RB_ATTRIBUTES, attributes);
    kfk__wr32(p + RB_LAST_OFFSET_DELTA, (uint32_t)(b->count - 1));
    kfk__wr64(p + RB_BASE_TIMESTAMP, (uint64_t)(b->count ? b->base_timestamp : -1));
    kfk__wr64(p + RB_MAX_TIMESTAMP, (uint64_t)max_ts);
    kfk__wr64(p + RB_PRODUCER_ID, (uint64_t)attrs->producer_id);
    kfk__wr16(p + RB_PRODUCER_EPOCH, (uint16_t)attrs->producer_epoch);
    kfk__wr32(p + RB_BASE_SEQUENCE, (uint32_t)attrs->base_sequence);
    kfk__wr32(p + RB_RECORDS_COUNT, (uint32_t)b->count);
    uint32_t crc;
    if (attrs->codec == KFK_CODEC_NONE && b->records_crc_end >= b->start + RB_RECORDS &&
        b->records_crc_end <= w->len) {
        /* The records' running CRC, caught up, joined to the header's. */
        uint32_t rec =
            kfk_crc32c(b->records_crc, w->data + b->records_crc_end, w->len - b->records_crc_end);
        crc = kfk__crc32c_combine(kfk_crc32c(0, p + RB_ATTRIBUTES, RB_RECORDS - RB_ATTRIBUTES), rec,
                                  total - RB_RECORDS);
    } else {
        crc = kfk_crc32c(0, p + RB_ATTRIBUTES, total - RB_ATTRIBUTES);
    }
    kfk__wr32(p + RB_CRC, crc);
    b->state = B_DONE;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_record_batch_set_producer(uint8_t *batch, size_t len, int64_t producer_id,
                                        int16_t producer_epoch, int32_t base_sequence) {
    if (!batch || len < RB_RECORDS || batch[RB_MAGIC] != 2 ||
        (uint64_t)kfk__rd32(batch + RB_LENGTH) + RB_LOG_OVERHEAD != len)
        return KFK_ERR__INVALID_ARG;
    kfk__wr64(batch + RB_PRODUCER_ID, (uint64_t)producer_id);
    kfk__wr16(batch + RB_PRODUCER_EPOCH, (uint16_t)producer_epoch);
    kfk__wr32(batch + RB_BASE_SEQUENCE, (uint32_t)base_sequence);
    kfk__wr32(batch + RB_CRC, kfk_crc32c(0, batch + RB_ATTRIBUTES, len - RB_ATTRIBUTES));
    return KFK_ERR_NONE;
}
