/*
 * compress_snappy.c: Kafka's snappy codec (attributes codec 2) on kfk's raw snappy block codec
 * (snappy_block.c).
 *
 * Write: the xerial snappy-java stream framing that Java's producer writes (SnappyCompression
 * wraps a SnappyOutputStream with its default 32 KiB block size): the 8-byte magic
 * 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 BE version 1, int32 BE compatible version 1, then for
 * each block of at most 32 KiB of input an int32 BE compressed length and a raw snappy block.
 * Empty input is the 16-byte header alone, as Java writes it.
 *
 * Read: the xerial framing (also streams concatenated with a second header, which snappy-java
 * reads too) or, without the magic, one raw snappy block, which librdkafka writes. The xerial
 * framing has no end marker, so a stream cut exactly at a block boundary reads as a shorter valid
 * stream; every other truncation is an error. No declared length is trusted: before anything is
 * allocated, a block's uncompressed length is checked against what is left of the cap and
 * against the most a snappy block of its size can expand to (a 3-byte copy element yields at
 * most 64 bytes).
 *
 * Memory: kfk's buffers only (kfk__malloc); the compressor's hash table is on the stack.
 */
#include "kfk/protocol.h"
#include "protocol/compress.h"

#include <string.h>

#define XERIAL_BLOCK (32 * 1024)
#define XERIAL_HEADER_LEN 16
/* The magic's first 4 bytes as a big-endian int32: where a block length would be, it starts a
 * concatenated stream's header (snappy-java's MAGIC_HEADER_HEAD). */
#define XERIAL_MAGIC_HEAD 0x82534E41u

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

kfk_err_t kfk__snappy_compress(const uint8_t *in, size_t len, kfk_wbuf_t *out) {
    kfk_wbuf_put_raw(out, xerial_magic, sizeof xerial_magic);
    kfk_wbuf_put_int32(out, 1); /* version */
    kfk_wbuf_put_int32(out, 1); /* compatible version */
    if (out->err)
        return out->err;
    size_t bound = kfk__snappy_max_compressed(XERIAL_BLOCK);
    while (len > 0) {
        size_t n = len < XERIAL_BLOCK ? len : XERIAL_BLOCK;
        if (kfk_wbuf_grow(out, 4 + bound) != 0)
            return out->err;
        uint8_t *dst = out->data + out->len;
        size_t clen = kfk__snappy_block_compress(in, n, dst + 4);
        put_be32(dst, (uint32_t)clen);
        out->len += 4 + clen;
        in += n;
        len -= n;
    }
    return KFK_ERR_NONE;
}

/* Decodes one raw snappy block of @p n bytes, appending to @p out within @p limit. */
static kfk_err_t raw_block(const uint8_t *p, size_t n, size_t limit, kfk_wbuf_t *out) {
    size_t ulen, hdr;
    if (n == 0 || kfk__snappy_uncompressed_length(p, n, &ulen, &hdr) != 0)
        return KFK_ERR__DECOMPRESS;
    if (n <= SIZE_MAX / 22 && ulen > n * 22)
        return KFK_ERR__DECOMPRESS; /* more than any snappy block of n bytes can expand to */
    if (ulen > limit - out->len)
        return KFK__DECOMPRESS_OVER_CAP; /* refused before allocating */
    uint8_t *dst;
    size_t avail;
    kfk_err_t err = kfk__out_reserve(out, ulen, limit, &dst, &avail);
    if (err)
        return err;
    (void)avail; /* at least ulen */
    if (kfk__snappy_block_decompress(p, n, dst, ulen) != KFK_ERR_NONE)
        return KFK_ERR__DECOMPRESS;
    out->len += ulen;
    return KFK_ERR_NONE;
}

/* Checks a 16-byte xerial header at @p p: the magic, a version >= 1 and a compatible version
 * this reader understands (1). */
static int xerial_header_ok(const uint8_t *p) {
    return memcmp(p, xerial_magic, sizeof xerial_magic) == 0 && be32(p + 8) >= 1 &&
           be32(p + 8) <= INT32_MAX && be32(p + 12) == 1;
}

kfk_err_t kfk__snappy_decompress(const uint8_t *in, size_t len, size_t limit, kfk_wbuf_t *out) {
    if (len < sizeof xerial_magic || memcmp(in, xerial_magic, sizeof xerial_magic) != 0)
        return raw_block(in, len, limit, out);
    if (len < XERIAL_HEADER_LEN || !xerial_header_ok(in))
        return KFK_ERR__DECOMPRESS;
    in += XERIAL_HEADER_LEN;
    len -= XERIAL_HEADER_LEN;
    while (len > 0) {
        if (len < 4)
            return KFK_ERR__DECOMPRESS; /* a cut block length */
        uint32_t n = be32(in);
        if (n == XERIAL_MAGIC_HEAD) {
            /* A second stream's header, as when two xerial streams are concatenated. */
            if (len < XERIAL_HEADER_LEN || !xerial_header_ok(in))
                return KFK_ERR__DECOMPRESS;
            in += XERIAL_HEADER_LEN;
            len -= XERIAL_HEADER_LEN;
            continue;
        }
        if (n == 0 || n > INT32_MAX || n > len - 4)
            return KFK_ERR__DECOMPRESS;
        kfk_err_t err = raw_block(in + 4, n, limit, out);
        if (err)
            return err;
        in += 4 + (size_t)n;
        len -= 4 + (size_t)n;
    }
    return KFK_ERR_NONE;
}
