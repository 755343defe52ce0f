/*
 * fuzz_legacy_msgset.c: libFuzzer target for legacy message sets (magic 0 and 1) through the
 * records reader: entries, CRC-32, keys, values, timestamps, compressed wrappers (decompressed
 * with a 1 MiB cap, one level, relative v1 offsets, the magic 0 LZ4 checksum repair).
 *
 * Input: the message set itself, read twice: as it is and with every entry's CRC-32 made
 * right. Invariants (abort on violation): records point inside the
 * input or the decompression buffer; uncompressed legacy entries yield exactly one record at
 * the entry's offset; legacy records have no headers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"

#define MAX_OUT ((size_t)1 << 20)

static int inside(kfk_bytes_t b, const uint8_t *lo, const uint8_t *hi) {
    if (b.len < 0)
        return b.len == -1 && b.ptr == NULL;
    return b.len == 0 || (b.ptr >= lo && b.ptr + b.len <= hi);
}

/* Rewrites the CRC-32 of every complete legacy entry (see fuzz_record_batch.c). */
static void fix_checksums(uint8_t *p, size_t len) {
    while (len >= 17) {
        uint32_t n =
            ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
        if (n < 14 || n > len - 12 || p[16] > 1)
            return;
        size_t size = (size_t)n + 12;
        uint32_t c = kfk_crc32(0, p + 16, size - 16);
        p[12] = (uint8_t)(c >> 24);
        p[13] = (uint8_t)(c >> 16);
        p[14] = (uint8_t)(c >> 8);
        p[15] = (uint8_t)c;
        p += size;
        len -= size;
    }
}

static void run(const uint8_t *data, size_t size) {
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_batch_reader_t r;
    kfk_record_batch_reader_init(&r, data, size);
    kfk_record_batch_t b;
    while (kfk_record_batch_next(&r, &b)) {
        out.len = 0;
        kfk_record_iter_t it;
        if (kfk_record_iter_init(&it, &b, &out, MAX_OUT) != KFK_ERR_NONE)
            continue;
        if (out.len > MAX_OUT)
            abort();
        const uint8_t *lo = b.codec == KFK_CODEC_NONE ? data : out.data;
        const uint8_t *hi = b.codec == KFK_CODEC_NONE ? data + size
                            : out.data                ? out.data + out.len
                                                      : NULL;
        kfk_record_view_t rec;
        int n = 0;
        while (kfk_record_iter_next(&it, &rec)) {
            if (!inside(rec.key, lo, hi) || !inside(rec.value, lo, hi))
                abort();
            if (b.magic < 2 && rec.header_count != 0)
                abort();
            if (b.magic < 2 && b.codec == KFK_CODEC_NONE && rec.offset != b.base_offset)
                abort();
            n++;
        }
        if (b.magic < 2 && b.codec == KFK_CODEC_NONE && n != 1)
            abort();
    }
    kfk_wbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    fix_checksums(copy, size);
    run(copy, size);
    free(copy);
    return 0;
}
