/*
 * compress_out.c: what every codec adapter (compress_gzip.c, compress_snappy.c, compress_lz4.c,
 * compress_zstd.c) shares, below both them and the dispatch in compress.c: the output-buffer rule
 * every decompressor follows (output grows in steps, never past the caller's cap plus one byte,
 * so a compression bomb costs at most the cap in memory) and the allocation hooks handed to the
 * codec libraries (every allocation goes through kfk__malloc, so tests can fail it).
 */
#include <stdint.h>

#include "kfk/protocol.h"
#include "protocol/compress.h"
#include "protocol/mem.h"

void *kfk__codec_alloc(void *opaque, size_t size) {
    (void)opaque;
    return kfk__malloc(size);
}

void kfk__codec_free(void *opaque, void *p) {
    (void)opaque;
    kfk__free(p);
}

size_t kfk__out_first_chunk(size_t in_len) {
    /* Kafka batches typically compress 2-10x; start at 4x the input, at least 4 KiB. */
    if (in_len > SIZE_MAX / 4)
        return SIZE_MAX / 4;
    return in_len * 4 < 4096 ? 4096 : in_len * 4;
}

kfk_err_t kfk__out_reserve(kfk_wbuf_t *w, size_t want, size_t limit, uint8_t **dst, size_t *avail) {
    size_t hard = limit + 1; /* compress.c keeps limit <= SIZE_MAX - 1 */
    if (w->len >= hard)
        return KFK__DECOMPRESS_OVER_CAP;
    if (want == 0)
        want = 1;
    size_t target = want > hard - w->len ? hard : w->len + want;
    if (w->cap < target) {
        size_t cap = w->cap > hard / 2 ? hard : w->cap * 2;
        if (cap < target)
            cap = target;
        uint8_t *d = kfk__realloc(w->data, cap);
        if (!d) {
            w->err = KFK_ERR__NOMEM;
            return KFK_ERR__NOMEM;
        }
        w->data = d;
        w->cap = cap;
    }
    *dst = w->data + w->len;
    *avail = (w->cap < hard ? w->cap : hard) - w->len;
    return KFK_ERR_NONE;
}
