/*
 * legacy.c: read-only legacy message sets, magic 0 (Kafka 0.8-0.9) and magic 1 (0.10), as a
 * Fetch response may still carry them from old, never rewritten segments (KIP-724).
 *
 * Entry: Offset int64, MessageSize int32, then the message: CRC uint32 (CRC-32/IEEE over Magic
 * to the end), Magic int8, Attributes int8 (bits 0-2 codec, bit 3 LogAppendTime in v1),
 * Timestamp int64 (v1 only), Key and Value (int32 length, -1 null).
 *
 * A compressed entry is a wrapper whose value is a compressed message set of plain messages
 * (one level only). In v1 the inner offsets are relative and the wrapper's
 * offset is the absolute offset of the last inner message (0 from some old librdkafka
 * versions: then the inner offsets are used as they are); inner records take the wrapper's
 * timestamp when it is LogAppendTime. Kafka's rules: LegacyRecord.java,
 * AbstractLegacyRecordBatch.java (DeepRecordsIterator).
 */
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/mem.h"
#include "protocol/records.h"

#define LEGACY_ATTR_LOG_APPEND_TIME 0x08

/* One parsed message (the bytes after Offset and MessageSize). */
typedef struct legacy_msg {
    int64_t offset;
    uint32_t crc;
    int8_t magic;
    uint8_t attributes;
    int64_t timestamp;
    kfk_bytes_t key;
    kfk_bytes_t value;
} legacy_msg_t;

/* Reads an int32-length field inside [*p, end); -1 is null. False when it does not fit. */
static bool bytes_get(const uint8_t **p, const uint8_t *end, kfk_bytes_t *out) {
    if (end - *p < 4)
        return false;
    int32_t n = (int32_t)kfk__rd32(*p);
    *p += 4;
    if (n < -1 || (n > 0 && (size_t)n > (size_t)(end - *p)))
        return false;
    out->ptr = n >= 0 ? *p : NULL;
    out->len = n;
    if (n > 0)
        *p += n;
    return true;
}

/*
 * Parses the entry of size bytes at p (LOG_OVERHEAD included; the caller checked size >=
 * 12 + 14). 0, KFK_ERR__CRC, or KFK_ERR__BAD_MSG (wrong magic, fields that do not fill it).
 */
static kfk_err_t msg_parse(const uint8_t *p, size_t size, legacy_msg_t *m) {
    const uint8_t *end = p + size;
    m->offset = (int64_t)kfk__rd64(p);
    m->crc = kfk__rd32(p + RB_LOG_OVERHEAD);
    m->magic = (int8_t)p[RB_MAGIC];
    m->attributes = p[RB_MAGIC + 1];
    if (m->magic != 0 && m->magic != 1)
        return KFK_ERR__BAD_MSG;
    const uint8_t *q = p + RB_MAGIC + 2;
    m->timestamp = -1;
    if (m->magic == 1) {
        if (end - q < 8)
            return KFK_ERR__BAD_MSG;
        m->timestamp = (int64_t)kfk__rd64(q);
        q += 8;
    }
    if (!bytes_get(&q, end, &m->key) || !bytes_get(&q, end, &m->value) || q != end)
        return KFK_ERR__BAD_MSG;
    if (kfk_crc32(0, p + RB_MAGIC, size - RB_MAGIC) != m->crc)
        return KFK_ERR__CRC;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__legacy_batch_parse(const uint8_t *p, size_t size, kfk_record_batch_t *b) {
    legacy_msg_t m;
    if (size < RB_LOG_OVERHEAD + LEGACY_MIN_SIZE)
        return KFK_ERR__BAD_MSG;
    kfk_err_t err = msg_parse(p, size, &m);
    if (err)
        return err;
    b->base_offset = m.offset;
    b->batch_length = (int32_t)(size - RB_LOG_OVERHEAD);
    b->partition_leader_epoch = -1;
    b->magic = m.magic;
    b->crc = m.crc;
    b->attributes = m.attributes;
    b->last_offset_delta = 0;
    b->base_timestamp = m.timestamp;
    b->max_timestamp = m.timestamp;
    b->producer_id = -1;
    b->producer_epoch = -1;
    b->base_sequence = -1;
    b->codec = (kfk_codec_t)(m.attributes & KFK_RECORD_BATCH_ATTR_CODEC_MASK);
    b->records_count = b->codec == KFK_CODEC_NONE ? 1 : -1;
    b->is_transactional = false;
    b->is_control = false;
    b->timestamp_type = m.magic == 1 && (m.attributes & LEGACY_ATTR_LOG_APPEND_TIME)
                            ? KFK_TIMESTAMP_LOG_APPEND_TIME
                            : KFK_TIMESTAMP_CREATE_TIME;
    b->data = p;
    b->size = size;
    return KFK_ERR_NONE;
}

/*
 * Length of the next complete entry at [p, end): 0 at a clean end of the inner set (nothing
 * left, or a truncated last entry, as Java's DataLogInputStream), (size_t)-1 when malformed.
 */
static size_t entry_size(const uint8_t *p, const uint8_t *end) {
    size_t left = (size_t)(end - p);
    if (left < RB_LOG_OVERHEAD)
        return 0;
    int32_t n = (int32_t)kfk__rd32(p + RB_LENGTH);
    if (n < LEGACY_MIN_SIZE)
        return (size_t)-1;
    if ((uint64_t)n + RB_LOG_OVERHEAD > left)
        return 0;
    return (size_t)n + RB_LOG_OVERHEAD;
}

/* xxHash32 (seed 0) of a short input (< 16 bytes): the LZ4 frame header checksum. */
static uint32_t xxh32_short(const uint8_t *p, size_t len) {
    const uint32_t p1 = 2654435761u, p2 = 2246822519u, p3 = 3266489917u, p4 = 668265263u,
                   p5 = 374761393u;
    uint32_t h = p5 + (uint32_t)len;
    while (len >= 4) {
        uint32_t w = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                     ((uint32_t)p[3] << 24);
        h += w * p3;
        h = ((h << 17) | (h >> 15)) * p4;
        p += 4;
        len -= 4;
    }
    while (len--) {
        h += (uint32_t)*p++ * p5;
        h = ((h << 11) | (h >> 21)) * p1;
    }
    h ^= h >> 15;
    h *= p2;
    h ^= h >> 13;
    h *= p3;
    h ^= h >> 16;
    return h;
}

/*
 * Magic 0 LZ4 wrappers carry a wrong frame header checksum (Kafka computed it over the magic
 * number too; KAFKA-3160). Decompresses a copy whose checksum byte is set right.
 */
static kfk_err_t lz4_v0_decompress(kfk_codec_ctx_t *ctx, kfk_bytes_t in, size_t max_out,
                                   kfk_wbuf_t *out) {
    const uint8_t *s = in.ptr;
    size_t n = (size_t)in.len;
    if (n < 7 || kfk__rd32(s) != 0x04224d18) /* 0x184D2204 little-endian */
        return kfk_codec_ctx_decompress(ctx, KFK_CODEC_LZ4, s, n, max_out, out);
    uint8_t flg = s[4];
    size_t desc = 2 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
    if (n < 4 + desc + 1)
        return KFK_ERR__DECOMPRESS;
    uint8_t *copy = kfk__malloc(n);
    if (!copy)
        return KFK_ERR__NOMEM;
    memcpy(copy, s, n);
    copy[4 + desc] = (uint8_t)(xxh32_short(copy + 4, desc) >> 8);
    kfk_err_t err = kfk_codec_ctx_decompress(ctx, KFK_CODEC_LZ4, copy, n, max_out, out);
    kfk__free(copy);
    return err;
}

/* Decompresses a wrapper's value and checks its inner set: sets it->p/end/count/base_offset. */
static kfk_err_t wrapper_open(kfk_record_iter_t *it, const kfk_record_batch_t *batch,
                              const legacy_msg_t *w, kfk_codec_ctx_t *ctx, kfk_wbuf_t *out,
                              size_t max_out) {
    if ((int)batch->codec > KFK_CODEC_LZ4)
        return (int)batch->codec == KFK_CODEC_ZSTD ? KFK_ERR__BAD_MSG
                                                   : KFK_ERR__UNSUPPORTED_COMPRESSION;
    if (w->value.len < 0)
        return KFK_ERR__BAD_MSG;
    if (!out)
        return KFK_ERR__INVALID_ARG;
    size_t start = out->len;
    kfk_err_t err;
    if (batch->codec == KFK_CODEC_LZ4 && w->magic == 0)
        err = lz4_v0_decompress(ctx, w->value, max_out, out);
    else
        err = kfk_codec_ctx_decompress(ctx, batch->codec, w->value.ptr, (size_t)w->value.len,
                                       max_out, out);
    if (!err && out->err)
        err = out->err;
    if (err)
        return err;
    if (out->len == start)
        return KFK_ERR__BAD_MSG; /* no inner messages */
    const uint8_t *p = out->data + start, *end = out->data + out->len;
    it->p = p;
    it->end = end;
    /* Check every inner message once, and find the last one's offset. */
    int64_t last = 0;
    int32_t count = 0;
    for (;;) {
        size_t n = entry_size(p, end);
        if (n == 0)
            break;
        legacy_msg_t m;
        if (n == (size_t)-1 || count == INT32_MAX)
            return KFK_ERR__BAD_MSG;
        err = msg_parse(p, n, &m);
        if (err)
            return err;
        /* No second level of compression. (Like Java's consumer, kfk does not insist that
         * the inner magic matches the wrapper's.) */
        if (m.attributes & KFK_RECORD_BATCH_ATTR_CODEC_MASK)
            return KFK_ERR__BAD_MSG;
        last = m.offset;
        count++;
        p += n;
    }
    if (count == 0)
        return KFK_ERR__BAD_MSG;
    it->count = count;
    it->base_offset = 0;
    if (w->magic == 1 && w->offset != 0) {
        if (w->offset < last)
            return KFK_ERR__BAD_MSG;
        it->base_offset = w->offset - last;
    }
    return KFK_ERR_NONE;
}

kfk_err_t kfk__legacy_iter_init(kfk_record_iter_t *it, const kfk_record_batch_t *batch,
                                kfk_codec_ctx_t *ctx, kfk_wbuf_t *out, size_t max_out) {
    legacy_msg_t w;
    kfk_err_t err = KFK_ERR_NONE;
    if (batch->magic < 0 || batch->size < RB_LOG_OVERHEAD + LEGACY_MIN_SIZE || !batch->data)
        err = KFK_ERR__INVALID_ARG;
    else
        err = msg_parse(batch->data, batch->size, &w);
    if (!err) {
        it->max_timestamp = w.timestamp;
        it->log_append_time = false;
        if (batch->codec == KFK_CODEC_NONE) {
            /* A plain message: the entry itself is the one record. */
            it->p = batch->data;
            it->end = batch->data + batch->size;
            it->count = 1;
            it->base_offset = 0;
        } else {
            it->log_append_time = w.magic == 1 && (w.attributes & LEGACY_ATTR_LOG_APPEND_TIME);
            err = wrapper_open(it, batch, &w, ctx, out, max_out);
        }
    }
    if (err) {
        it->err = err;
        it->p = it->end = NULL;
        it->count = 0;
    }
    return err;
}

bool kfk__legacy_iter_next(kfk_record_iter_t *it, kfk_record_view_t *rec) {
    if (it->index >= it->count)
        return false;
    size_t n = entry_size(it->p, it->end);
    legacy_msg_t m;
    /* Checked by init already; kept as a guard. */
    if (n == 0 || n == (size_t)-1 || msg_parse(it->p, n, &m) != KFK_ERR_NONE) {
        it->err = KFK_ERR__BAD_MSG;
        return false;
    }
    it->p += n;
    it->index++;
    rec->offset = kfk__add64(it->base_offset, m.offset);
    rec->timestamp = it->log_append_time && m.magic == 1 ? it->max_timestamp : m.timestamp;
    rec->key = m.key;
    rec->value = m.value;
    rec->header_count = 0;
    rec->attributes = (int8_t)m.attributes;
    rec->headers = NULL;
    rec->headers_size = 0;
    return true;
}
