/*
 * log.c: one partition's log in the mock cluster (kfk__mlog_t in mock_int.h). Batches are kept
 * as the producer sent them, one heap block each, with two header fields rewritten on append:
 * BaseOffset (the next offset of the log) and PartitionLeaderEpoch (the leader's epoch). The
 * RecordBatch v2 CRC-32C covers the bytes from Attributes on, so neither change touches it.
 *
 * Only RecordBatch v2 (magic 2) is stored. Legacy message sets (magic 0 and 1) are refused with
 * CORRUPT_MESSAGE: Kafka 4.x accepts no Produce below v3 and writes only v2, and a mock that
 * stored legacy entries would have to convert them for every reader.
 *
 * Reads return whole batches from the one holding the fetch offset, up to a byte limit, and at
 * least one batch when asked even if it alone passes the limit (Kafka's minOneMessage). The
 * bytes are copied into the caller's arena: a Fetch answer may be written to its socket later
 * (spliced, delayed by a fault), while a Produce may drop the batch it came from (the cap) or a
 * DeleteTopics free the log, so no answer points into the log.
 *
 * The cap: after an append, while the live bytes pass cap_bytes the oldest batches are dropped
 * (the newest always stays) and log_start moves to the first offset still held. A batch larger
 * than the cap by itself is refused (MESSAGE_TOO_LARGE).
 */
#include <string.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"
#include "protocol/records.h"

/* Decompression bound of a timestamp lookup inside a compressed batch. */
#define LOOKUP_MAX_OUT ((size_t)64 << 20)

static const uint8_t empty_bytes[1];

void kfk__mlog_init(kfk__mlog_t *l, int64_t cap_bytes) {
    memset(l, 0, sizeof *l);
    l->cap_bytes = cap_bytes;
}

void kfk__mlog_free(kfk__mlog_t *l) {
    for (size_t i = l->first; i < l->n; i++)
        kfk__free(l->batches[i].data);
    kfk__free(l->batches);
    int64_t cap = l->cap_bytes;
    memset(l, 0, sizeof *l);
    l->cap_bytes = cap;
}

kfk_err_t kfk__mlog_check(const uint8_t *data, size_t len, kfk_record_batch_t *batch) {
    memset(batch, 0, sizeof *batch);
    if (!data || len == 0)
        return KFK_ERR_INVALID_RECORD;
    /* The magic first: the reader would parse a legacy entry as one. */
    if (len > RB_MAGIC && data[RB_MAGIC] != 2)
        return KFK_ERR_CORRUPT_MESSAGE;
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, data, len);
    if (!kfk_record_batch_next(&r, batch))
        return KFK_ERR_CORRUPT_MESSAGE; /* CRC, malformed header, or cut short */
    if (batch->magic != 2)
        return KFK_ERR_CORRUPT_MESSAGE;
    if (batch->size != len)
        return KFK_ERR_INVALID_RECORD; /* Kafka: one batch per partition from v3 on */
    if (batch->records_count <= 0 || batch->last_offset_delta < 0 ||
        (int64_t)batch->last_offset_delta + 1 != batch->records_count)
        return KFK_ERR_INVALID_RECORD; /* an offset range that disagrees with the count */
    if (batch->is_control)
        return KFK_ERR_INVALID_RECORD; /* clients may not write control batches */
    if (batch->producer_id >= 0 && batch->base_sequence < 0)
        return KFK_ERR_INVALID_RECORD;
    return KFK_ERR_NONE;
}

/* Drops the oldest live batch. */
static void drop_first(kfk__mlog_t *l) {
    kfk__mbatch_t *b = &l->batches[l->first];
    l->bytes -= b->len;
    kfk__free(b->data);
    b->data = NULL;
    l->first++;
    l->log_start = l->first < l->n ? l->batches[l->first].base_offset : l->hwm;
}

/* Room for one more batch at the end of the array. */
static kfk_err_t make_room(kfk__mlog_t *l) {
    if (l->n < l->cap)
        return KFK_ERR_NONE;
    size_t live = l->n - l->first;
    if (l->first > 0 && l->first >= live) {
        memmove(l->batches, l->batches + l->first, live * sizeof *l->batches);
        l->first = 0;
        l->n = live;
        return KFK_ERR_NONE;
    }
    size_t cap = l->cap ? l->cap * 2 : 16;
    kfk__mbatch_t *nb = kfk__mallocarray(cap, sizeof *nb);
    if (!nb)
        return KFK_ERR__NOMEM;
    if (live)
        memcpy(nb, l->batches + l->first, live * sizeof *nb);
    kfk__free(l->batches);
    l->batches = nb;
    l->cap = cap;
    l->first = 0;
    l->n = live;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__mlog_append(kfk__mlog_t *l, const kfk_record_batch_t *batch, int32_t leader_epoch,
                           int64_t *base_offset) {
    if (l->cap_bytes > 0 && batch->size > (uint64_t)l->cap_bytes)
        return KFK_ERR_MESSAGE_TOO_LARGE;
    kfk_err_t err = make_room(l);
    if (err)
        return err;
    uint8_t *data = kfk__malloc(batch->size);
    if (!data)
        return KFK_ERR__NOMEM;
    memcpy(data, batch->data, batch->size);
    kfk__wr64(data + RB_BASE_OFFSET, (uint64_t)l->hwm);
    kfk__wr32(data + RB_LEADER_EPOCH, (uint32_t)leader_epoch);
    kfk__mbatch_t *b = &l->batches[l->n++];
    b->base_offset = l->hwm;
    b->last_offset = l->hwm + batch->last_offset_delta;
    b->max_timestamp = batch->max_timestamp;
    b->data = data;
    b->len = batch->size;
    b->pos = l->end_pos;
    l->end_pos += batch->size;
    l->bytes += batch->size;
    if (l->n - l->first == 1)
        l->log_start = b->base_offset;
    l->hwm = b->last_offset + 1;
    if (base_offset)
        *base_offset = b->base_offset;
    while (l->cap_bytes > 0 && l->bytes > (uint64_t)l->cap_bytes && l->n - l->first > 1)
        drop_first(l);
    return KFK_ERR_NONE;
}

/* The index of the live batch holding @p offset (log_start <= offset < hwm). */
static size_t find_batch(const kfk__mlog_t *l, int64_t offset) {
    size_t lo = l->first, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->batches[mid].last_offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t kfk__mlog_bytes_after(const kfk__mlog_t *l, int64_t offset) {
    if (offset < l->log_start || offset >= l->hwm)
        return 0;
    size_t i = find_batch(l, offset);
    return i < l->n ? l->end_pos - l->batches[i].pos : 0;
}

kfk_err_t kfk__mlog_read(const kfk__mlog_t *l, int64_t offset, size_t max_bytes, int min_one,
                         kfk_arena_t *arena, kfk_bytes_t *out) {
    out->ptr = empty_bytes;
    out->len = 0;
    if (offset < l->log_start || offset > l->hwm)
        return KFK_ERR_OFFSET_OUT_OF_RANGE;
    if (offset == l->hwm)
        return KFK_ERR_NONE;
    size_t from = find_batch(l, offset), to = from;
    uint64_t total = 0;
    /* A records field holds at most INT32_MAX bytes. */
    if (max_bytes > INT32_MAX)
        max_bytes = INT32_MAX;
    while (to < l->n) {
        uint64_t next = total + l->batches[to].len;
        if (next > max_bytes && !(to == from && min_one))
            break;
        if (next > INT32_MAX)
            break;
        total = next;
        to++;
    }
    if (total == 0)
        return KFK_ERR_NONE;
    uint8_t *p = kfk_arena_alloc(arena, (size_t)total);
    if (!p)
        return KFK_ERR__NOMEM;
    size_t at = 0;
    for (size_t i = from; i < to; i++) {
        memcpy(p + at, l->batches[i].data, l->batches[i].len);
        at += l->batches[i].len;
    }
    out->ptr = p;
    out->len = (int32_t)total;
    return KFK_ERR_NONE;
}

/*
 * The first record of stored batch @p b whose timestamp is @p ts or more (max: the one equal to
 * the batch's MaxTimestamp): its offset and timestamp. Falls back to the batch's base offset
 * and MaxTimestamp when the records cannot be read.
 */
static void record_for_time(const kfk__mbatch_t *b, int64_t ts, int max, int64_t *offset,
                            int64_t *timestamp) {
    *offset = b->base_offset;
    *timestamp = b->max_timestamp;
    kfk_record_batch_reader_t r;
    kfk_record_batch_t batch;
    kfk_record_batch_reader_init(&r, b->data, b->len);
    if (!kfk_record_batch_next(&r, &batch))
        return;
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_iter_t it;
    kfk_record_view_t rec;
    if (kfk_record_iter_init(&it, &batch, &out, LOOKUP_MAX_OUT) == KFK_ERR_NONE) {
        while (kfk_record_iter_next(&it, &rec)) {
            if (max ? rec.timestamp == b->max_timestamp : rec.timestamp >= ts) {
                *offset = rec.offset;
                *timestamp = rec.timestamp;
                break;
            }
        }
    }
    kfk_wbuf_free(&out);
}

kfk_err_t kfk__mlog_offset_for_time(const kfk__mlog_t *l, int64_t ts, int64_t *offset,
                                    int64_t *timestamp, int32_t *leader_epoch) {
    *offset = -1;
    *timestamp = -1;
    *leader_epoch = -1;
    if (ts == KFK__MLOG_EARLIEST) {
        *offset = l->log_start;
        return KFK_ERR_NONE;
    }
    if (ts == KFK__MLOG_LATEST) {
        *offset = l->hwm;
        return KFK_ERR_NONE;
    }
    const kfk__mbatch_t *found = NULL;
    if (ts == KFK__MLOG_MAX_TIMESTAMP) {
        for (size_t i = l->first; i < l->n; i++)
            if (!found || l->batches[i].max_timestamp > found->max_timestamp)
                found = &l->batches[i];
    } else if (ts >= 0) {
        for (size_t i = l->first; i < l->n && !found; i++)
            if (l->batches[i].max_timestamp >= ts)
                found = &l->batches[i];
    } else {
        return KFK_ERR_INVALID_REQUEST;
    }
    if (!found)
        return KFK_ERR_NONE;
    record_for_time(found, ts, ts == KFK__MLOG_MAX_TIMESTAMP, offset, timestamp);
    *leader_epoch = (int32_t)kfk__rd32(found->data + RB_LEADER_EPOCH);
    return KFK_ERR_NONE;
}
