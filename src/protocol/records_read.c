/*
 * records_read.c: zero-copy reading of a records blob (a Fetch partition's records, a Produce
 * request's records, a log segment): batches one by one (RecordBatch v2 with CRC-32C; legacy
 * entries handed to legacy.c), then the records of one batch, their headers, and the control
 * record of a control batch.
 *
 * Nothing here trusts a length: every size is checked against the bytes that are really
 * there before it is used, arithmetic on offsets and timestamps wraps instead of overflowing,
 * and nothing is allocated from a count read from the input. Layout: DefaultRecordBatch.java,
 * DefaultRecord.java, ControlRecordType.java, EndTransactionMarker.java (apache/kafka).
 */
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/crc32c.h"
#include "protocol/records.h"

void kfk_record_batch_reader_init(kfk_record_batch_reader_t *r, const void *data, size_t len) {
    r->p = data;
    r->end = r->p ? r->p + len : r->p;
    r->err = KFK_ERR_NONE;
    r->truncated = false;
}

static bool reader_fail(kfk_record_batch_reader_t *r, kfk_err_t err) {
    r->err = err;
    r->p = r->end;
    return false;
}

/* The CRC-32C of the @p len bytes at @p p: joined from @p bl's block registers when p lies in
 * the blocks' memory, else read. */
static uint32_t crc_of(const uint8_t *p, size_t len, const kfk__crc_blocks_t *bl) {
    if (bl && bl->blocks && p >= bl->base)
        return kfk__crc32c_span(bl->base, bl->blocks, bl->nblocks, (size_t)(p - bl->base), len);
    return kfk_crc32c(0, p, len);
}

/* Fills batch from the v2 header at p (size bytes, at least 61) and verifies the CRC (when
 * @p check; with @p bl's registers when given). */
static kfk_err_t v2_batch_parse(const uint8_t *p, size_t size, kfk_record_batch_t *b, bool check,
                                const kfk__crc_blocks_t *bl) {
    b->base_offset = (int64_t)kfk__rd64(p + RB_BASE_OFFSET);
    b->batch_length = (int32_t)kfk__rd32(p + RB_LENGTH);
    b->partition_leader_epoch = (int32_t)kfk__rd32(p + RB_LEADER_EPOCH);
    b->magic = (int8_t)p[RB_MAGIC];
    b->crc = kfk__rd32(p + RB_CRC);
    b->attributes = (int16_t)kfk__rd16(p + RB_ATTRIBUTES);
    b->last_offset_delta = (int32_t)kfk__rd32(p + RB_LAST_OFFSET_DELTA);
    b->base_timestamp = (int64_t)kfk__rd64(p + RB_BASE_TIMESTAMP);
    b->max_timestamp = (int64_t)kfk__rd64(p + RB_MAX_TIMESTAMP);
    b->producer_id = (int64_t)kfk__rd64(p + RB_PRODUCER_ID);
    b->producer_epoch = (int16_t)kfk__rd16(p + RB_PRODUCER_EPOCH);
    b->base_sequence = (int32_t)kfk__rd32(p + RB_BASE_SEQUENCE);
    b->records_count = (int32_t)kfk__rd32(p + RB_RECORDS_COUNT);
    uint16_t a = (uint16_t)b->attributes;
    b->codec = (kfk_codec_t)(a & KFK_RECORD_BATCH_ATTR_CODEC_MASK);
    b->timestamp_type = (a & KFK_RECORD_BATCH_ATTR_LOG_APPEND_TIME) ? KFK_TIMESTAMP_LOG_APPEND_TIME
                                                                    : KFK_TIMESTAMP_CREATE_TIME;
    b->is_transactional = (a & KFK_RECORD_BATCH_ATTR_TRANSACTIONAL) != 0;
    b->is_control = (a & KFK_RECORD_BATCH_ATTR_CONTROL) != 0;
    b->data = p;
    b->size = size;
    if (b->records_count < 0)
        return KFK_ERR__BAD_MSG;
    if (check && crc_of(p + RB_ATTRIBUTES, size - RB_ATTRIBUTES, bl) != b->crc)
        return KFK_ERR__CRC;
    return KFK_ERR_NONE;
}

static bool batch_next(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch, bool check,
                       const kfk__crc_blocks_t *bl) {
    if (r->err || r->p >= r->end)
        return false;
    size_t left = (size_t)(r->end - r->p);
    if (left < RB_MAGIC + 1) {
        /* Not even the magic byte: a batch cut by the fetch size limit. */
        r->truncated = true;
        r->p = r->end;
        return false;
    }
    const uint8_t *p = r->p;
    int32_t length = (int32_t)kfk__rd32(p + RB_LENGTH);
    int8_t magic = (int8_t)p[RB_MAGIC];
    if (length < LEGACY_MIN_SIZE)
        return reader_fail(r, KFK_ERR__BAD_MSG);
    if (magic < 0 || magic > 2)
        return reader_fail(r, KFK_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);
    if ((uint64_t)length + RB_LOG_OVERHEAD > left) {
        r->truncated = true;
        r->p = r->end;
        return false;
    }
    size_t size = (size_t)length + RB_LOG_OVERHEAD;
    kfk_err_t err;
    memset(batch, 0, sizeof *batch);
    if (magic == 2) {
        if (size < RB_RECORDS)
            return reader_fail(r, KFK_ERR__BAD_MSG);
        err = v2_batch_parse(p, size, batch, check, bl);
    } else {
        err = kfk__legacy_batch_parse(p, size, batch);
    }
    if (err)
        return reader_fail(r, err);
    r->p += size;
    return true;
}

bool kfk_record_batch_next(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch) {
    return batch_next(r, batch, true, NULL);
}

bool kfk__record_batch_next_unchecked(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch) {
    return batch_next(r, batch, false, NULL);
}

bool kfk__record_batch_next_blocks(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch,
                                   const kfk__crc_blocks_t *bl) {
    return batch_next(r, batch, true, bl);
}

int64_t kfk_record_batch_next_offset(const kfk_record_batch_t *batch) {
    if (batch->magic < 2)
        return kfk__add64(batch->base_offset, 1);
    return kfk__add64(kfk__add64(batch->base_offset, batch->last_offset_delta), 1);
}

/* Skips a length-prefixed field (varint length; -1 allowed when nullable) inside [p, end). */
static inline const uint8_t *field_get(const uint8_t *p, const uint8_t *end, bool nullable,
                                       kfk_bytes_t *out) {
    int32_t n;
    p = kfk__varint_get(p, end, &n);
    if (!p)
        return NULL;
    if (n < 0) {
        if (n != -1 || !nullable)
            return NULL;
        out->ptr = NULL;
        out->len = -1;
        return p;
    }
    if ((size_t)n > (size_t)(end - p))
        return NULL;
    out->ptr = p;
    out->len = n;
    return p + n;
}

const uint8_t *kfk__record_parse(const uint8_t *p, const uint8_t *end, kfk_record_view_t *rec) {
    int32_t len;
    p = kfk__varint_get(p, end, &len);
    if (!p || len < 0 || (size_t)len > (size_t)(end - p))
        return NULL;
    const uint8_t *rend = p + len;
    if (p >= rend)
        return NULL;
    rec->attributes = (int8_t)*p++;
    int32_t offset_delta, count;
    if (!(p = kfk__varlong_get(p, rend, &rec->timestamp)) ||
        !(p = kfk__varint_get(p, rend, &offset_delta)) ||
        !(p = field_get(p, rend, true, &rec->key)) ||
        !(p = field_get(p, rend, true, &rec->value)) || !(p = kfk__varint_get(p, rend, &count)))
        return NULL;
    rec->offset = offset_delta;
    /* A header takes at least two bytes (two one-byte lengths). */
    if (count < 0 || (size_t)count > (size_t)(rend - p) / 2)
        return NULL;
    rec->header_count = count;
    rec->headers = p;
    for (int32_t i = 0; i < count; i++) {
        kfk_bytes_t k, v;
        if (!(p = field_get(p, rend, false, &k)) || !(p = field_get(p, rend, true, &v)))
            return NULL;
    }
    rec->headers_size = (size_t)(p - rec->headers);
    /* The Length must be exactly what the fields took. */
    if (p != rend)
        return NULL;
    return p;
}

kfk_err_t kfk_record_iter_init(kfk_record_iter_t *it, const kfk_record_batch_t *batch,
                               kfk_wbuf_t *out, size_t max_out) {
    return kfk_record_iter_init_ctx(it, batch, NULL, out, max_out);
}

kfk_err_t kfk_record_iter_init_ctx(kfk_record_iter_t *it, const kfk_record_batch_t *batch,
                                   kfk_codec_ctx_t *ctx, kfk_wbuf_t *out, size_t max_out) {
    memset(it, 0, sizeof *it);
    it->magic = batch->magic;
    if (batch->magic < 2)
        return kfk__legacy_iter_init(it, batch, ctx, out, max_out);
    if (batch->magic != 2 || batch->size < RB_RECORDS) {
        it->err = KFK_ERR__INVALID_ARG;
        return it->err;
    }
    it->base_offset = batch->base_offset;
    it->base_timestamp = batch->base_timestamp;
    it->max_timestamp = batch->max_timestamp;
    it->log_append_time = batch->timestamp_type == KFK_TIMESTAMP_LOG_APPEND_TIME;
    it->count = batch->records_count;
    it->skip = batch->is_control;
    it->p = batch->data + RB_RECORDS;
    it->end = batch->data + batch->size;
    if (batch->codec == KFK_CODEC_NONE) {
        /* nothing to decompress */
    } else if ((int)batch->codec > KFK_CODEC_ZSTD) {
        it->err = KFK_ERR__UNSUPPORTED_COMPRESSION;
    } else if (!out) {
        it->err = KFK_ERR__INVALID_ARG;
    } else if (it->p == it->end) {
        /* An empty compressed region: no records (checked against the count by next). */
    } else {
        size_t start = out->len;
        it->err = kfk_codec_ctx_decompress(ctx, batch->codec, it->p, (size_t)(it->end - it->p),
                                           max_out, out);
        if (!it->err && out->err)
            it->err = out->err;
        if (!it->err && out->len < start)
            it->err = KFK_ERR__DECOMPRESS;
        if (!it->err && out->len == start) {
            it->p = it->end = NULL; /* decompressed to nothing (out->data may be NULL) */
        } else if (!it->err) {
            it->p = out->data + start;
            it->end = out->data + out->len;
        }
    }
    if (it->err) {
        it->p = it->end = NULL;
        it->count = 0;
    }
    return it->err;
}

bool kfk_record_iter_next(kfk_record_iter_t *it, kfk_record_view_t *rec) {
    if (it->err)
        return false;
    if (it->magic < 2)
        return kfk__legacy_iter_next(it, rec);
    if (it->skip)
        return false;
    if (it->index == 0 && it->count > 0) {
        /* A record takes at least KFK__RECORD_MIN_SIZE bytes: a count the bytes cannot hold is
         * a lie, refused before any record is handed out (p and end stay, for
         * kfk__record_iter_why). */
        size_t bytes = it->p ? (size_t)(it->end - it->p) : 0;
        if ((uint64_t)it->count > bytes / KFK__RECORD_MIN_SIZE) {
            it->err = KFK_ERR__BAD_MSG;
            return false;
        }
    }
    if (it->index >= it->count) {
        /* Bytes left after RecordsCount records: the count is wrong (p stays where the extra
         * bytes start, for kfk__record_iter_why). */
        if (it->p != it->end)
            it->err = KFK_ERR__BAD_MSG;
        else
            it->p = it->end;
        return false;
    }
    const uint8_t *p = kfk__record_parse(it->p, it->end, rec);
    if (!p) {
        it->err = KFK_ERR__BAD_MSG; /* it->p stays at the record that failed */
        return false;
    }
    it->p = p;
    it->index++;
    rec->offset = kfk__add64(it->base_offset, rec->offset);
    rec->timestamp =
        it->log_append_time ? it->max_timestamp : kfk__add64(it->base_timestamp, rec->timestamp);
    return true;
}

void kfk_record_header_iter_init(kfk_record_header_iter_t *hi, const kfk_record_view_t *rec) {
    hi->p = rec->headers;
    hi->end = rec->headers ? rec->headers + rec->headers_size : NULL;
    hi->left = rec->headers ? rec->header_count : 0;
}

bool kfk_record_header_iter_next(kfk_record_header_iter_t *hi, kfk_record_header_t *h) {
    if (hi->left <= 0)
        return false;
    kfk_bytes_t k, v;
    const uint8_t *p = field_get(hi->p, hi->end, false, &k);
    if (p)
        p = field_get(p, hi->end, true, &v);
    if (!p) {
        hi->left = 0;
        return false;
    }
    hi->p = p;
    hi->left--;
    h->key.ptr = (const char *)k.ptr;
    h->key.len = k.len;
    h->value = v;
    return true;
}

kfk_err_t kfk_record_batch_control(const kfk_record_batch_t *batch, kfk_control_record_t *out) {
    if (!batch || !out || batch->magic != 2 || !batch->is_control || batch->size < RB_RECORDS)
        return KFK_ERR__INVALID_ARG;
    kfk_wbuf_t tmp;
    kfk_wbuf_init(&tmp);
    kfk_record_iter_t it;
    kfk_err_t err = kfk_record_iter_init(&it, batch, &tmp, KFK__CONTROL_MAX_OUT);
    kfk_record_view_t rec;
    if (!err && (it.count < 1 || !kfk__record_parse(it.p, it.end, &rec)))
        err = KFK_ERR__BAD_MSG;
    if (!err && rec.key.len < 4)
        err = KFK_ERR__BAD_MSG;
    if (!err) {
        out->version = (int16_t)kfk__rd16(rec.key.ptr);
        out->type = (int16_t)kfk__rd16(rec.key.ptr + 2);
        if (out->version < 0)
            err = KFK_ERR__BAD_MSG;
    }
    if (!err) {
        out->coordinator_epoch = -1;
        if ((out->type == KFK_CONTROL_ABORT || out->type == KFK_CONTROL_COMMIT) &&
            rec.value.len >= 6)
            out->coordinator_epoch = (int32_t)kfk__rd32(rec.value.ptr + 2);
        out->offset = kfk__add64(batch->base_offset, rec.offset);
        out->timestamp =
            it.log_append_time ? it.max_timestamp : kfk__add64(it.base_timestamp, rec.timestamp);
    }
    kfk_wbuf_free(&tmp);
    return err;
}
