/* framer.c: the 4-byte size + frame collector of Kafka responses (see framer.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ev/framer.h"
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
}

/* Hands over the frame once complete; returns what the callback returned, or 0. */
static int deliver_if_complete(kfk__framer_t *f, kfk__frame_cb cb, void *opaque) {
    if (!f->frame || f->frame_have < f->frame_len)
        return 0;
    uint8_t *frame = f->frame;
    size_t len = f->frame_len;
    f->frame = NULL;
    f->frame_len = f->frame_have = 0;
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
    f->frame = kfk__malloc((size_t)size);
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
