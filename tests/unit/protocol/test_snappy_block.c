/*
 * test_snappy_block.c: kfk's own raw snappy block codec (src/protocol/snappy_block.c) against
 * Debian's libsnappy, linked into this test only. Each decodes what the other wrote, for inputs
 * from empty to 1 MiB (random, zeros, text, short repeats, offsets past 2 KiB and 64 KiB
 * fragments); kfk's output is no more than 10 % larger than libsnappy's on compressible input;
 * and every malformed block (cut anywhere, bad offsets, lengths past the end or past the
 * declared size, a preamble of 6 bytes or past 2^32) is refused with KFK_ERR__DECOMPRESS
 * without writing outside the buffer (ASan in scripts/test).
 */
#include <criterion/criterion.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/compress.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

enum { KIND_RANDOM, KIND_ZEROS, KIND_TEXT, KIND_SHORT_REPEAT, KIND_FAR_REPEAT, KIND_MIXED, KINDS };

static void fill(uint8_t *p, size_t n, int kind) {
    static const char words[] = "kafka record batch offset partition leader epoch producer ";
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case KIND_RANDOM:
            p[i] = (uint8_t)next_rand();
            break;
        case KIND_ZEROS:
            p[i] = 0;
            break;
        case KIND_TEXT:
            p[i] = (uint8_t)words[(i * 7 + (i / 61)) % (sizeof words - 1)];
            break;
        case KIND_SHORT_REPEAT:
            p[i] = (uint8_t) "abc"[i % 3];
            break;
        case KIND_FAR_REPEAT: /* a random 3000-byte pattern: copies with offsets past 2 KiB */
            p[i] = i < 3000 ? (uint8_t)next_rand() : p[i - 3000];
            break;
        default: /* random runs and repeated runs */
            p[i] = (i / 100) % 2 ? (uint8_t)next_rand() : (i >= 500 ? p[i - 500] : (uint8_t)i);
            break;
        }
    }
}

static uint8_t *kfk_compress_block(const uint8_t *in, size_t n, size_t *clen) {
    uint8_t *out = malloc(kfk__snappy_max_compressed(n));
    cr_assert_not_null(out);
    *clen = kfk__snappy_block_compress(in, n, out);
    cr_assert_leq(*clen, kfk__snappy_max_compressed(n));
    return out;
}

Test(snappy_block, each_side_decodes_what_the_other_wrote, .timeout = 120) {
    static const size_t sizes[] = {0,     1,     3,     4,     14,    15,     16,     17,     59,
                                   60,    61,    255,   256,   257,   1000,   2047,   2048,   4096,
                                   32767, 32768, 65535, 65536, 65537, 100000, 131072, 1 << 20};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        for (int kind = 0; kind < KINDS; kind++) {
            size_t n = sizes[si];
            uint8_t *in = malloc(n + 1);
            fill(in, n, kind);

            /* kfk writes, libsnappy and kfk read. */
            size_t clen;
            uint8_t *c = kfk_compress_block(in, n, &clen);
            cr_assert_eq(snappy_validate_compressed_buffer((const char *)c, clen), SNAPPY_OK,
                         "size %zu kind %d: libsnappy finds kfk's block invalid", n, kind);
            size_t got = n;
            uint8_t *back = malloc(n + 1);
            cr_assert_eq(snappy_uncompress((const char *)c, clen, (char *)back, &got), SNAPPY_OK);
            cr_assert_eq(got, n);
            cr_assert(n == 0 || memcmp(back, in, n) == 0,
                      "size %zu kind %d: libsnappy read "
                      "other bytes",
                      n, kind);
            memset(back, 0xee, n);
            cr_assert_eq(kfk__snappy_block_decompress(c, clen, back, n), KFK_ERR_NONE,
                         "size %zu kind %d", n, kind);
            cr_assert(n == 0 || memcmp(back, in, n) == 0);

            /* libsnappy writes, kfk reads. */
            size_t rlen = snappy_max_compressed_length(n);
            char *r = malloc(rlen);
            cr_assert_eq(snappy_compress((const char *)in, n, r, &rlen), SNAPPY_OK);
            size_t ulen, hdr;
            cr_assert_eq(kfk__snappy_uncompressed_length((const uint8_t *)r, rlen, &ulen, &hdr), 0);
            cr_assert_eq(ulen, n);
            memset(back, 0xee, n);
            cr_assert_eq(kfk__snappy_block_decompress((const uint8_t *)r, rlen, back, n),
                         KFK_ERR_NONE, "size %zu kind %d: libsnappy's block", n, kind);
            cr_assert(n == 0 || memcmp(back, in, n) == 0);

            /* As good as libsnappy where there is something to find. */
            if (kind != KIND_RANDOM && n >= 1000)
                cr_expect_leq(clen, rlen + rlen / 10 + 16,
                              "size %zu kind %d: kfk %zu bytes, libsnappy %zu", n, kind, clen,
                              rlen);
            free(in);
            free(c);
            free(back);
            free(r);
        }
    }
}

/* Decodes @p blk as a block of @p ulen bytes into a buffer of exactly that size. */
static kfk_err_t decode(const uint8_t *blk, size_t n, size_t ulen) {
    uint8_t *dst = malloc(ulen ? ulen : 1);
    kfk_err_t err = kfk__snappy_block_decompress(blk, n, dst, ulen);
    free(dst);
    return err;
}

Test(snappy_block, malformed_blocks_are_refused) {
    struct {
        const char *what;
        uint8_t b[16];
        size_t n, ulen;
    } bad[] = {
        {"empty", {0}, 0, 0},
        {"a preamble of 6 bytes", {0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 6, 0},
        {"a preamble past 2^32", {0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 0},
        {"the declared length is not the buffer's", {3, 0x08, 'a', 'b', 'c'}, 5, 4},
        {"a literal past the input", {3, 0x08, 'a', 'b'}, 4, 3},
        {"a literal past the declared length", {2, 0x08, 'a', 'b', 'c'}, 5, 2},
        {"a literal's length bytes cut", {3, 61 << 2, 0x02}, 3, 3},
        {"a copy before any output", {4, 0x01 | (0 << 2), 0x01}, 3, 4},
        {"a copy with offset 0", {5, 0x00, 'a', 0x01, 0x00}, 5, 5},
        {"a copy reaching before the start", {5, 0x00, 'a', 0x01, 0x02}, 5, 5},
        {"a copy past the declared length", {5, 0x04, 'a', 'b', 0x01 | (4 << 2), 0x01}, 6, 5},
        {"a 1-byte-offset copy cut", {5, 0x00, 'a', 0x01}, 4, 5},
        {"a 2-byte-offset copy cut", {5, 0x00, 'a', 0x02, 0x01}, 5, 5},
        {"a 4-byte-offset copy cut", {5, 0x00, 'a', 0x03, 0x01, 0x00, 0x00}, 7, 5},
        {"a 4-byte offset past the output",
         {5, 0x00, 'a', 0x03 | (3 << 2), 0xff, 0xff, 0xff, 0xff},
         8,
         5},
        {"input ends before the declared length", {5, 0x00, 'a'}, 3, 5},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(decode(bad[i].b, bad[i].n, bad[i].ulen), KFK_ERR__DECOMPRESS, "%s",
                     bad[i].what);
    /* The valid ones next to them decode. */
    uint8_t ok1[] = {5, 0x00, 'a', 0x01 | (0 << 2), 0x01}; /* "a" then copy 4 from 1 back */
    uint8_t out[5];
    cr_assert_eq(kfk__snappy_block_decompress(ok1, sizeof ok1, out, 5), KFK_ERR_NONE);
    cr_assert_eq(memcmp(out, "aaaaa", 5), 0);
}

Test(snappy_block, every_cut_of_a_valid_block_is_refused_or_exact) {
    uint8_t in[5000];
    fill(in, sizeof in, KIND_MIXED);
    size_t clen;
    uint8_t *c = kfk_compress_block(in, sizeof in, &clen);
    for (size_t cut = 0; cut < clen; cut++)
        cr_expect_eq(decode(c, cut, sizeof in), KFK_ERR__DECOMPRESS, "cut at %zu of %zu", cut,
                     clen);
    /* Every single-byte change: refused, or decoded within the buffer (ASan watches). */
    for (size_t i = 0; i < clen; i++) {
        uint8_t save = c[i];
        c[i] ^= 0x5a;
        (void)decode(c, clen, sizeof in);
        c[i] = save;
    }
    cr_assert_eq(decode(c, clen, sizeof in), KFK_ERR_NONE);
    free(c);
}
