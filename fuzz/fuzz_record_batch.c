/*
 * fuzz_record_batch.c: libFuzzer target for the records reader (kfk_record_batch_next,
 * kfk_record_iter_*, kfk_record_header_iter_*, kfk_record_batch_control) and the
 * read_committed filter (kfk_txn_filter_*).
 *
 * Input: byte 0 & 3 = n aborted transactions, then n * 16 bytes of (producer id, first
 * offset) big-endian, then the records blob, read twice: as it is, and with every checksum
 * rewritten right (so that mutations reach the code behind the CRC checks). Compressed
 * batches are decompressed with a 1 MiB cap. Invariants (abort on violation): records never point
 * outside the blob or the decompression buffer; a v2 batch that reads cleanly, rebuilt by kfk's
 * builder, reads back as the same records; the reader that joins CRCs from 1 KiB block
 * registers (kfk__record_batch_next_blocks, the consumer's) sees the same batches and errors as
 * kfk_record_batch_next.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/crc32c.h"
#include "protocol/records.h"

#define MAX_OUT ((size_t)1 << 20)
#define MAX_REBUILD 64

static uint64_t be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static int inside(kfk_bytes_t b, const uint8_t *lo, const uint8_t *hi) {
    if (b.len < 0)
        return b.len == -1 && b.ptr == NULL;
    return b.len == 0 || (b.ptr >= lo && b.ptr + b.len <= hi);
}

static int bytes_eq(kfk_bytes_t a, kfk_bytes_t b) {
    return a.len == b.len && (a.len <= 0 || !memcmp(a.ptr, b.ptr, (size_t)a.len));
}

typedef struct rec_copy {
    kfk_record_view_t view;
    kfk_record_header_t headers[4];
} rec_copy_t;

/* Rebuilds the records with kfk's builder and checks they read back the same. */
static void rebuild_and_compare(const kfk_record_batch_t *b, const rec_copy_t *recs, int n) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_builder_t bb;
    if (kfk_record_batch_builder_begin(&bb, &w))
        abort();
    for (int i = 0; i < n; i++) {
        const kfk_record_view_t *r = &recs[i].view;
        if (kfk_record_batch_builder_append(&bb, r->key, r->value, recs[i].headers,
                                            (size_t)r->header_count, r->timestamp))
            abort();
    }
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.producer_id = b->producer_id;
    a.producer_epoch = b->producer_epoch;
    a.base_sequence = b->base_sequence;
    a.transactional = b->is_transactional;
    if (kfk_record_batch_builder_finish(&bb, &a))
        abort();
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, w.data, w.len);
    kfk_record_batch_t b2;
    if (!kfk_record_batch_next(&r, &b2) || b2.records_count != n ||
        b2.producer_id != b->producer_id || b2.base_sequence != b->base_sequence)
        abort();
    kfk_record_iter_t it;
    if (kfk_record_iter_init(&it, &b2, NULL, 0))
        abort();
    for (int i = 0; i < n; i++) {
        kfk_record_view_t v;
        if (!kfk_record_iter_next(&it, &v))
            abort();
        const kfk_record_view_t *o = &recs[i].view;
        if (v.offset != i || v.timestamp != o->timestamp || !bytes_eq(v.key, o->key) ||
            !bytes_eq(v.value, o->value) || v.header_count != o->header_count)
            abort();
        kfk_record_header_iter_t hi;
        kfk_record_header_t h;
        kfk_record_header_iter_init(&hi, &v);
        for (int k = 0; k < v.header_count; k++) {
            if (!kfk_record_header_iter_next(&hi, &h) || h.key.len != recs[i].headers[k].key.len ||
                memcmp(h.key.ptr, recs[i].headers[k].key.ptr, (size_t)h.key.len) != 0 ||
                !bytes_eq(h.value, recs[i].headers[k].value))
                abort();
        }
    }
    kfk_record_view_t v;
    if (kfk_record_iter_next(&it, &v) || it.err)
        abort();
    kfk_wbuf_free(&w);
}

static void read_batch(const kfk_record_batch_t *b, const uint8_t *lo, const uint8_t *hi,
                       kfk_wbuf_t *out) {
    (void)kfk_record_batch_next_offset(b);
    if (b->data < lo || b->data + b->size > hi)
        abort();
    if (b->is_control && b->magic == 2) {
        kfk_control_record_t ctl;
        (void)kfk_record_batch_control(b, &ctl);
    }
    out->len = 0;
    kfk_record_iter_t it;
    if (kfk_record_iter_init(&it, b, out, MAX_OUT) != KFK_ERR_NONE) {
        if (out->len > MAX_OUT)
            abort();
        return;
    }
    if (out->len > MAX_OUT)
        abort();
    const uint8_t *rlo = b->codec == KFK_CODEC_NONE ? lo : out->data;
    const uint8_t *rhi = b->codec == KFK_CODEC_NONE ? hi : out->data ? out->data + out->len : NULL;
    static rec_copy_t recs[MAX_REBUILD];
    int n = 0, rebuildable = b->magic == 2 && !b->is_control;
    kfk_record_view_t rec;
    while (kfk_record_iter_next(&it, &rec)) {
        if (!inside(rec.key, rlo, rhi) || !inside(rec.value, rlo, rhi) || rec.header_count < 0)
            abort();
        kfk_record_header_iter_t hi2;
        kfk_record_header_t h;
        int k = 0;
        kfk_record_header_iter_init(&hi2, &rec);
        while (kfk_record_header_iter_next(&hi2, &h)) {
            kfk_bytes_t key = {(const uint8_t *)h.key.ptr, h.key.len};
            if (h.key.len < 0 || !inside(key, rlo, rhi) || !inside(h.value, rlo, rhi))
                abort();
            if (k < 4 && n < MAX_REBUILD)
                recs[n].headers[k] = h;
            k++;
        }
        if (k != rec.header_count)
            abort();
        if (n < MAX_REBUILD && k <= 4)
            recs[n].view = rec;
        else
            rebuildable = 0;
        n++;
    }
    if (!it.err && rebuildable && n == b->records_count)
        rebuild_and_compare(b, recs, n);
}

/*
 * Rewrites the checksum of every complete entry of the blob (CRC-32C of a v2 batch, CRC-32 of
 * a legacy message), so that the fuzzer also reaches the code behind the checksums.
 */
static void fix_checksums(uint8_t *p, size_t len) {
    while (len >= 17) {
        uint32_t n =
            ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
        if (n < 14 || n > len - 12)
            return;
        size_t size = (size_t)n + 12;
        uint32_t c = 0;
        size_t at = 0;
        if (p[16] == 2 && size >= 61) {
            c = kfk_crc32c(0, p + 21, size - 21);
            at = 17;
        } else if (p[16] < 2) {
            c = kfk_crc32(0, p + 16, size - 16);
            at = 12;
        } else {
            return;
        }
        p[at] = (uint8_t)(c >> 24);
        p[at + 1] = (uint8_t)(c >> 16);
        p[at + 2] = (uint8_t)(c >> 8);
        p[at + 3] = (uint8_t)c;
        p += size;
        len -= size;
    }
}

static void run(const kfk_aborted_txn_t *aborted, size_t naborted, const uint8_t *blob,
                size_t len) {
    kfk_txn_filter_t f;
    if (kfk_txn_filter_init(&f, aborted, naborted, sizeof aborted[0]))
        abort();
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, blob, len);
    kfk_record_batch_t b;
    while (kfk_record_batch_next(&r, &b)) {
        bool skip;
        (void)kfk_txn_filter_check(&f, &b, &skip);
        read_batch(&b, blob, blob + len, &out);
    }
    if (r.err && r.truncated)
        abort();
    kfk_wbuf_free(&out);
    kfk_txn_filter_free(&f);

    /* The same blob through the block-register reader, batch for batch. */
    static uint32_t blocks[(1 << 20) / KFK__CRC_BLOCK];
    size_t nb = len / KFK__CRC_BLOCK;
    if (nb > sizeof blocks / sizeof *blocks)
        nb = sizeof blocks / sizeof *blocks;
    kfk__crc_blocks_t bl = {blob, kfk__crc32c_blocks(blob, nb, blocks) ? blocks : NULL, nb};
    kfk_record_batch_reader_t r1, r2;
    kfk_record_batch_reader_init(&r1, blob, len);
    kfk_record_batch_reader_init(&r2, blob, len);
    kfk_record_batch_t b1, b2;
    for (;;) {
        bool g1 = kfk_record_batch_next(&r1, &b1),
             g2 = kfk__record_batch_next_blocks(&r2, &b2, &bl);
        if (g1 != g2 || r1.err != r2.err || r1.truncated != r2.truncated || r1.p != r2.p)
            abort();
        if (!g1)
            break;
        if (b1.data != b2.data || b1.size != b2.size || b1.crc != b2.crc)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    size_t naborted = data[0] & 3;
    if (size < 1 + naborted * 16)
        return 0;
    kfk_aborted_txn_t aborted[3];
    for (size_t i = 0; i < naborted; i++) {
        aborted[i].producer_id = (int64_t)be64(data + 1 + i * 16);
        aborted[i].first_offset = (int64_t)be64(data + 9 + i * 16);
    }
    const uint8_t *blob = data + 1 + naborted * 16;
    size_t len = size - 1 - naborted * 16;
    run(aborted, naborted, blob, len);
    /* Again with every checksum made right. */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, blob, len);
    fix_checksums(copy, len);
    run(aborted, naborted, copy, len);
    free(copy);
    return 0;
}
