/* framer.c: the 4-byte size + frame collector of Kafka responses (see framer.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ev/framer.h"
#include "protocol/crc32c.h"
#include "protocol/errstr.h"
#include "protocol/mem.h"

#define TAIL_MAX ((size_t)1 << 30)

void kfk__framer_init(kfk__framer_t *f, int64_t max_frame) {
    memset(f, 0, sizeof *f);
    f->max_frame = max_frame;
}

void kfk__framer_free(kfk__framer_t *f) {
    kfk__free(f->frame);
    f->frame = NULL;
    f->frame_len = f->frame_have = 0;
    f->hdr_have = 0;
    f->blocks = NULL;
    f->nblocks = f->blocks_done = 0;
    f->cb_frame = NULL;
    f->cb_blocks = NULL;
    f->cb_nblocks = 0;
}

void kfk__framer_crc_blocks(kfk__framer_t *f, int on) {
    f->crc_blocks = on && kfk__crc32c_blocks(NULL, 0, NULL);
}

const uint32_t *kfk__framer_blocks_of(const kfk__framer_t *f, const uint8_t *frame, size_t *n) {
    if (!frame || frame != f->cb_frame || !f->cb_blocks)
        return NULL;
    *n = f->cb_nblocks;
    return f->cb_blocks;
}

/* Takes the CRC registers of the blocks the last bytes completed. */
static void blocks_progress(kfk__framer_t *f) {
    size_t whole = f->frame_have / KFK__CRC_BLOCK;
    if (whole > f->nblocks)
        whole = f->nblocks;
    if (!f->blocks || whole <= f->blocks_done)
        return;
    kfk__crc32c_blocks(f->frame + f->blocks_done * KFK__CRC_BLOCK, whole - f->blocks_done,
                       f->blocks + f->blocks_done);
    f->blocks_done = whole;
}

/* Hands over the frame once complete; returns what the callback returned, or 0. */
static int deliver_if_complete(kfk__framer_t *f, kfk__frame_cb cb, void *opaque) {
    if (!f->frame || f->frame_have < f->frame_len)
        return 0;
    uint8_t *frame = f->frame;
    size_t len = f->frame_len;
    f->cb_blocks = f->blocks && f->blocks_done == f->nblocks ? f->blocks : NULL;
    f->cb_nblocks = f->cb_blocks ? f->nblocks : 0;
    f->cb_frame = frame;
    f->frame = NULL;
    f->frame_len = f->frame_have = 0;
    f->blocks = NULL;
    f->nblocks = f->blocks_done = 0;
    return cb(opaque, frame, len);
}

/* The size in hdr is complete: checks it and allocates the frame. */
static kfk_err_t start_frame(kfk__framer_t *f, char *errstr, size_t errstr_size) {
    const uint8_t *h = f->hdr;
    int64_t size =
        (int32_t)(((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3]);
    f->hdr_have = 0;
    if (size < 4 || size > f->max_frame) {
        const char *hint = "";
        if (h[0] == 0x15 && h[1] == 0x03)
            hint = " (a TLS alert: is security.protocol right?)";
        else if (h[0] == 'H' && h[1] == 'T')
            hint = " (an HTTP answer: is this a Kafka port?)";
        kfk__errstr_set(errstr, errstr_size,
                        "response frame of %lld bytes refused (receive.message.max.bytes=%lld)%s",
                        (long long)size, (long long)f->max_frame, hint);
        return size < 4 ? KFK_ERR__BAD_MSG : KFK_ERR__FRAME_TOO_LARGE;
    }
    /* Big frames carry their blocks' CRC registers after their bytes (8-byte aligned). */
    size_t nblocks = 0, at = ((size_t)size + 7) & ~(size_t)7;
    if (f->crc_blocks && (size_t)size >= KFK__FRAMER_CRC_MIN)
        nblocks = (size_t)size / KFK__CRC_BLOCK;
    f->frame = kfk__malloc(nblocks ? at + nblocks * sizeof(uint32_t) : (size_t)size);
    f->blocks = nblocks && f->frame ? (uint32_t *)(void *)(f->frame + at) : NULL;
    f->nblocks = f->blocks ? nblocks : 0;
    f->blocks_done = 0;
    if (!f->frame) {
        kfk__errstr_set(errstr, errstr_size, "no memory for a %lld byte frame", (long long)size);
        return KFK_ERR__NOMEM;
    }
    f->frame_len = (size_t)size;
    f->frame_have = 0;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__framer_feed(kfk__framer_t *f, const uint8_t *p, size_t n, kfk__frame_cb cb,
                           void *opaque, char *errstr, size_t errstr_size) {
    while (n > 0) {
        if (!f->frame) {
            size_t take = 4 - f->hdr_have < n ? 4 - f->hdr_have : n;
            memcpy(f->hdr + f->hdr_have, p, take);
            f->hdr_have += take;
            p += take;
            n -= take;
            if (f->hdr_have < 4)
                return KFK_ERR_NONE;
            kfk_err_t err = start_frame(f, errstr, errstr_size);
            if (err)
                return err;
        }
        size_t take = f->frame_len - f->frame_have < n ? f->frame_len - f->frame_have : n;
        memcpy(f->frame + f->frame_have, p, take);
        f->frame_have += take;
        p += take;
        n -= take;
        blocks_progress(f);
        if (deliver_if_complete(f, cb, opaque) != 0)
            return KFK_ERR_NONE;
    }
    return KFK_ERR_NONE;
}

int kfk__framer_tail(const kfk__framer_t *f, size_t min, uint8_t **ptr, size_t *len) {
    if (!f->frame || f->frame_len - f->frame_have < min)
        return 0;
    size_t left = f->frame_len - f->frame_have;
    *ptr = f->frame + f->frame_have;
    *len = left > TAIL_MAX ? TAIL_MAX : left;
    return 1;
}

int kfk__framer_filled(kfk__framer_t *f, size_t n, kfk__frame_cb cb, void *opaque) {
    f->frame_have += n;
    blocks_progress(f);
    return deliver_if_complete(f, cb, opaque);
}

kfk_err_t kfk__framer_eof(const kfk__framer_t *f, char *errstr, size_t errstr_size) {
    if (f->frame) {
        kfk__errstr_set(errstr, errstr_size, "truncated frame: %zu of %zu bytes", f->frame_have,
                        f->frame_len);
        return KFK_ERR__BAD_MSG;
    }
    if (f->hdr_have) {
        kfk__errstr_set(errstr, errstr_size, "truncated frame: %zu of a size's 4 bytes",
                        f->hdr_have);
        return KFK_ERR__BAD_MSG;
    }
    return KFK_ERR_NONE;
}
