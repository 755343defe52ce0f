/*
 * framer.h: the first tier of reading Kafka responses, with no I/O: bytes in, whole frames out.
 *
 * A frame on the wire is a 4-byte big-endian size and that many bytes. The framer collects the
 * size, checks it (at least 4 bytes, the correlation id; at most max_frame) before anything is
 * allocated, then gives the frame one buffer and fills it. A reader on a socket may ask for the
 * unfilled tail of that buffer (kfk__framer_tail) and read into it directly, so that large
 * frames are not copied a second time; kfk__framer_filled then counts what landed there.
 * conn.c drives it from libuv's alloc and read callbacks; tests feed it scripted bytes.
 */
#ifndef KFK_EV_FRAMER_H
#define KFK_EV_FRAMER_H

#include <stddef.h>
#include <stdint.h>

#include "kfk/protocol.h"

typedef struct kfk__framer {
    int64_t max_frame; /* the largest size accepted (receive.message.max.bytes) */
    int crc_blocks;    /* give large frames block CRC registers (kfk__framer_crc_blocks) */
    uint8_t hdr[4];
    size_t hdr_have;
    uint8_t *frame; /* the frame being filled, or NULL */
    size_t frame_len, frame_have;
    /* For a frame of KFK__FRAMER_CRC_MIN bytes or more: the CRC-32C registers of its whole
     * KFK__CRC_BLOCK-byte blocks (kfk__crc32c_blocks), taken as the bytes land, while they are
     * in the cache, and kept after the frame's bytes in the same allocation; else NULL. */
    uint32_t *blocks;
    size_t nblocks, blocks_done;
    /* During the frame callback: the registers of the frame being handed over (NULL if none),
     * which live as long as the frame; kfk__crc32c_span joins them. */
    const uint8_t *cb_frame;
    const uint32_t *cb_blocks;
    size_t cb_nblocks;
} kfk__framer_t;

/* Frames from this size on get block CRC registers (smaller ones are read while still hot). */
#define KFK__FRAMER_CRC_MIN ((size_t)64 * 1024)

/*
 * Called for each complete frame, in order: @p frame (@p len bytes, without the size) becomes
 * the callee's (free it with kfk__free). Returns 0 to go on, non-zero to stop feeding (the
 * reader went down): the bytes after that frame are dropped. The framer's cb_blocks and
 * cb_nblocks describe the frame meanwhile.
 */
typedef int (*kfk__frame_cb)(void *opaque, uint8_t *frame, size_t len);

/* From now on (@p on), frames of KFK__FRAMER_CRC_MIN bytes or more get the CRC-32C registers of
 * their whole blocks as their bytes land, for a reader that checks the record batches in them
 * (a consumer with check.crcs); off after kfk__framer_init. */
void kfk__framer_crc_blocks(kfk__framer_t *f, int on);

/* The block CRC registers of @p frame when it is the frame being handed to the frame callback
 * and has them (*n set), else NULL. */
const uint32_t *kfk__framer_blocks_of(const kfk__framer_t *f, const uint8_t *frame, size_t *n);

/* Prepares @p f to accept frames of 4 .. @p max_frame bytes. Allocates nothing. */
void kfk__framer_init(kfk__framer_t *f, int64_t max_frame);

/* Frees a partly filled frame; @p f may be initialized again. */
void kfk__framer_free(kfk__framer_t *f);

/*
 * Feeds @p n bytes: each frame they complete goes to @p cb. Returns KFK_ERR_NONE, or the first
 * error with a message naming the size in @p errstr: KFK_ERR__BAD_MSG for a size below 4
 * (negative sizes included), KFK_ERR__FRAME_TOO_LARGE for one above max_frame, KFK_ERR__NOMEM.
 * After an error the framer is stuck at it: the caller closes the stream.
 */
kfk_err_t kfk__framer_feed(kfk__framer_t *f, const uint8_t *p, size_t n, kfk__frame_cb cb,
                           void *opaque, char *errstr, size_t errstr_size);

/*
 * The unfilled tail of the frame being collected, when at least @p min bytes of it are left:
 * sets *ptr and *len (at most 1 GiB) and returns 1; else 0 (no frame started, or a small rest
 * better read into the caller's own buffer and fed).
 */
int kfk__framer_tail(const kfk__framer_t *f, size_t min, uint8_t **ptr, size_t *len);

/* Counts @p n bytes written into the tail kfk__framer_tail gave; the frame goes to @p cb once
 * complete. Returns what @p cb returned, or 0. */
int kfk__framer_filled(kfk__framer_t *f, size_t n, kfk__frame_cb cb, void *opaque);

/*
 * At the end of the stream: KFK_ERR_NONE when it ended between frames, else KFK_ERR__BAD_MSG
 * with "truncated frame: X of Y bytes" (or "of a size") in @p errstr.
 */
kfk_err_t kfk__framer_eof(const kfk__framer_t *f, char *errstr, size_t errstr_size);

#endif
