/*
 * test_compress.c: the compression codecs (compress.c and compress_<codec>.c). Round trips at the
 * sizes that matter (empty, 1 byte, 64 KiB +- 1, 1 MiB random and compressible), the output cap
 * (bombs stop at it without allocating past it), truncated and corrupt input, the framings other
 * writers use (raw snappy, concatenated gzip members, several zstd and lz4 frames), every
 * allocation failed in turn, and Kafka's own Java output (tests/golden/compress, made by
 * tests/golden/tools/CompressGolden.java). A codec not built in must answer
 * KFK_ERR__UNSUPPORTED_COMPRESSION, which a build with -DKFK_WITH_<LIB>=OFF checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "protocol/mem.h"
#include "codec_check.h"

#ifdef KFK_HAVE_LZ4
#include <lz4frame.h>
#endif
#ifdef KFK_HAVE_ZSTD
#include <zstd.h>
#endif

#ifndef KFK_GOLDEN_DIR
#error "KFK_GOLDEN_DIR must name tests/golden (tests/CMakeLists.txt)"
#endif

#define KIB 1024u
#define MIB (1024u * 1024u)

static const kfk_codec_t codecs[] = {KFK_CODEC_GZIP, KFK_CODEC_SNAPPY, KFK_CODEC_LZ4,
                                     KFK_CODEC_ZSTD};
#define NCODECS (sizeof codecs / sizeof codecs[0])

/* ---- helpers ------------------------------------------------------------------------------ */

/* Deterministic bytes: @p text != 0 gives compressible text-like runs, else xorshift noise. */
static uint8_t *make_data(size_t n, int text, uint64_t seed) {
    uint8_t *b = malloc(n ? n : 1);
    cr_assert_not_null(b);
    uint64_t x = seed | 1;
    static const char words[] = "kafka record batch offset partition leader epoch key value ";
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (text)
            b[i] = (uint8_t)words[(i + (i / 4096) * 7) % (sizeof words - 1)] ^ (x % 61 == 0);
        else
            b[i] = (uint8_t)x;
    }
    return b;
}

/* Compresses @p in with @p codec at @p level into a fresh buffer; asserts success. */
static kfk_wbuf_t zip(kfk_codec_t codec, int level, const void *in, size_t len) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_err_t err = kfk_compress(codec, level, in, len, &w);
    cr_assert_eq(err, KFK_ERR_NONE, "%s compress of %zu bytes: %s", kfk_codec_name(codec), len,
                 kfk_err_name(err));
    return w;
}

/* Compresses then decompresses @p len bytes (cap: exactly @p len) and compares. */
static void round_trip(kfk_codec_t codec, int level, const uint8_t *in, size_t len) {
    kfk_wbuf_t z;
    kfk_wbuf_init(&z);
    kfk_err_t err = kfk_compress(codec, level, in, len, &z);
    if (!kfk_codec_available(codec)) {
        cr_assert_eq(err, KFK_ERR__UNSUPPORTED_COMPRESSION);
        cr_assert_eq(z.len, 0);
        return;
    }
    cr_assert_eq(err, KFK_ERR_NONE, "%s level %d, %zu bytes: %s", kfk_codec_name(codec), level, len,
                 kfk_err_name(err));
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    err = kfk_decompress(codec, z.data, z.len, len, &out);
    cr_assert_eq(err, KFK_ERR_NONE, "%s decompress of %zu bytes: %s", kfk_codec_name(codec), len,
                 kfk_err_name(err));
    cr_assert_eq(out.len, len, "%s: %zu bytes back, %zu in", kfk_codec_name(codec), out.len, len);
    cr_assert(len == 0 || memcmp(out.data, in, len) == 0, "%s: bytes differ",
              kfk_codec_name(codec));
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&z);
}

static void round_trips_every_size(kfk_codec_t codec) {
    static const size_t sizes[] = {0, 1, 2, 64 * KIB - 1, 64 * KIB, 64 * KIB + 1, MIB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int text = 0; text < 2; text++) {
            uint8_t *d = make_data(sizes[i], text, 42 + i);
            round_trip(codec, -1, d, sizes[i]);
            free(d);
        }
    }
}

/* ---- names and arguments -------------------------------------------------------------------- */

Test(compress, codec_names_map_both_ways_case_insensitively) {
    static const char *names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    for (int c = 0; c <= 4; c++) {
        kfk_codec_t got = (kfk_codec_t)-1;
        cr_assert_str_eq(kfk_codec_name((kfk_codec_t)c), names[c]);
        cr_assert_eq(kfk_codec_from_name(names[c], &got), KFK_ERR_NONE);
        cr_assert_eq(got, (kfk_codec_t)c);
    }
    kfk_codec_t got;
    cr_assert_eq(kfk_codec_from_name("GZIP", &got), KFK_ERR_NONE);
    cr_assert_eq(got, KFK_CODEC_GZIP);
    cr_assert_eq(kfk_codec_from_name("Lz4", &got), KFK_ERR_NONE);
    cr_assert_eq(got, KFK_CODEC_LZ4);
    cr_assert_eq(kfk_codec_from_name("ZsTd", &got), KFK_ERR_NONE);
    cr_assert_eq(got, KFK_CODEC_ZSTD);
    cr_assert_eq(kfk_codec_from_name("NONE", &got), KFK_ERR_NONE);
    cr_assert_eq(got, KFK_CODEC_NONE);
}

Test(compress, unknown_codec_names_are_invalid_arguments) {
    kfk_codec_t got = KFK_CODEC_ZSTD;
    static const char *bad[] = {"",      "gzip ",    " gzip",        "gzi",       "gzipx",
                                "lz4hc", "producer", "uncompressed", "snappy\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(kfk_codec_from_name(bad[i], &got), KFK_ERR__INVALID_ARG, "'%s'", bad[i]);
    cr_assert_eq(got, KFK_CODEC_ZSTD, "a failed lookup leaves the output alone");
    cr_assert_eq(kfk_codec_from_name(NULL, &got), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_codec_from_name("gzip", NULL), KFK_ERR__INVALID_ARG);
    cr_assert_str_eq(kfk_codec_name((kfk_codec_t)5), "unknown");
    cr_assert_str_eq(kfk_codec_name((kfk_codec_t)-1), "unknown");
}

Test(compress, availability_follows_the_build_options) {
    cr_assert(kfk_codec_available(KFK_CODEC_NONE));
    cr_assert_not(kfk_codec_available((kfk_codec_t)5));
    cr_assert_not(kfk_codec_available((kfk_codec_t)-1));
#ifdef KFK_HAVE_ZLIB
    cr_assert(kfk_codec_available(KFK_CODEC_GZIP));
#else
    cr_assert_not(kfk_codec_available(KFK_CODEC_GZIP));
#endif
#ifdef KFK_HAVE_SNAPPY
    cr_assert(kfk_codec_available(KFK_CODEC_SNAPPY));
#else
    cr_assert_not(kfk_codec_available(KFK_CODEC_SNAPPY));
#endif
#ifdef KFK_HAVE_LZ4
    cr_assert(kfk_codec_available(KFK_CODEC_LZ4));
#else
    cr_assert_not(kfk_codec_available(KFK_CODEC_LZ4));
#endif
#ifdef KFK_HAVE_ZSTD
    cr_assert(kfk_codec_available(KFK_CODEC_ZSTD));
#else
    cr_assert_not(kfk_codec_available(KFK_CODEC_ZSTD));
#endif
    /* kfk_build_features names the same codecs. */
    const char *f = kfk_build_features();
    for (size_t i = 0; i < NCODECS; i++)
        cr_assert_eq(strstr(f, kfk_codec_name(codecs[i])) != NULL,
                     kfk_codec_available(codecs[i]) != 0, "%s in '%s'", kfk_codec_name(codecs[i]),
                     f);
}

Test(compress, codecs_not_built_in_answer_unsupported_compression) {
    static const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8};
    int missing = 0;
    for (size_t i = 0; i < NCODECS; i++) {
        if (kfk_codec_available(codecs[i]))
            continue;
        missing++;
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        cr_assert_eq(kfk_compress(codecs[i], -1, junk, sizeof junk, &w),
                     KFK_ERR__UNSUPPORTED_COMPRESSION);
        cr_assert_eq(kfk_decompress(codecs[i], junk, sizeof junk, MIB, &w),
                     KFK_ERR__UNSUPPORTED_COMPRESSION);
        cr_assert_eq(w.len, 0);
        cr_assert_eq(w.err, KFK_ERR_NONE);
        kfk_wbuf_free(&w);
    }
#if !defined(KFK_HAVE_SNAPPY)
    cr_assert_geq(missing, 1, "this build has snappy off, so at least snappy is missing");
#endif
}

Test(compress, bad_arguments_are_refused_without_touching_the_output) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_compress((kfk_codec_t)5, -1, "x", 1, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_decompress((kfk_codec_t)-1, "x", 1, 10, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_compress(KFK_CODEC_NONE, -1, NULL, 1, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_decompress(KFK_CODEC_NONE, NULL, 1, 10, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_compress(KFK_CODEC_NONE, -1, "x", 1, NULL), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_decompress(KFK_CODEC_NONE, "x", 1, 10, NULL), KFK_ERR__INVALID_ARG);
    cr_assert_eq(w.len, 0);
    /* A writer already failed keeps its error, and nothing is appended. */
    w.err = KFK_ERR__NOMEM;
    cr_assert_eq(kfk_compress(KFK_CODEC_NONE, -1, "x", 1, &w), KFK_ERR__NOMEM);
    cr_assert_eq(kfk_decompress(KFK_CODEC_NONE, "x", 1, 10, &w), KFK_ERR__NOMEM);
    cr_assert_eq(w.len, 0);
    kfk_wbuf_free(&w);
}

Test(compress, levels_out_of_range_are_invalid_arguments) {
    static const uint8_t d[] = "some bytes some bytes some bytes";
#ifdef KFK_HAVE_ZSTD
    const int zstd_over = ZSTD_maxCLevel() + 1;
#else
    const int zstd_over = 23;
#endif
    const struct {
        kfk_codec_t codec;
        int level;
    } bad[] = {{KFK_CODEC_GZIP, 10}, {KFK_CODEC_LZ4, 18}, {KFK_CODEC_ZSTD, zstd_over}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        cr_assert_eq(kfk_compress(bad[i].codec, bad[i].level, d, sizeof d, &w),
                     kfk_codec_available(bad[i].codec) ? KFK_ERR__INVALID_ARG
                                                       : KFK_ERR__UNSUPPORTED_COMPRESSION,
                     "%s level %d", kfk_codec_name(bad[i].codec), bad[i].level);
        cr_assert_eq(w.len, 0);
        cr_assert_eq(w.err, KFK_ERR_NONE);
        kfk_wbuf_free(&w);
    }
}

/* ---- round trips ------------------------------------------------------------------------------
 */

Test(compress, none_copies_within_the_cap) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_compress(KFK_CODEC_NONE, 5, "abc", 3, &w), KFK_ERR_NONE);
    cr_assert_eq(w.len, 3);
    cr_assert_eq(kfk_decompress(KFK_CODEC_NONE, "defg", 4, 4, &w), KFK_ERR_NONE);
    cr_assert_eq(w.len, 7);
    cr_assert_eq(memcmp(w.data, "abcdefg", 7), 0);
    cr_assert_eq(kfk_decompress(KFK_CODEC_NONE, "hij", 3, 2, &w), KFK_ERR__DECOMPRESS);
    cr_assert_eq(w.len, 7);
    kfk_wbuf_free(&w);
}

Test(compress, gzip_round_trips_empty_tiny_block_edge_and_megabyte_inputs, .timeout = 120) {
    round_trips_every_size(KFK_CODEC_GZIP);
}

Test(compress, snappy_round_trips_empty_tiny_block_edge_and_megabyte_inputs, .timeout = 120) {
    round_trips_every_size(KFK_CODEC_SNAPPY);
}

Test(compress, lz4_round_trips_empty_tiny_block_edge_and_megabyte_inputs, .timeout = 120) {
    round_trips_every_size(KFK_CODEC_LZ4);
}

Test(compress, zstd_round_trips_empty_tiny_block_edge_and_megabyte_inputs, .timeout = 120) {
    round_trips_every_size(KFK_CODEC_ZSTD);
}

Test(compress, every_level_in_range_round_trips, .timeout = 120) {
    uint8_t *d = make_data(200 * KIB, 1, 7);
    for (int level = -1; level <= 9; level++)
        round_trip(KFK_CODEC_GZIP, level, d, 200 * KIB);
    for (int level = -1; level <= 17; level++)
        round_trip(KFK_CODEC_LZ4, level, d, 200 * KIB);
    for (int level = -1; level <= 19; level += 4)
        round_trip(KFK_CODEC_ZSTD, level, d, 200 * KIB);
    round_trip(KFK_CODEC_SNAPPY, 99, d, 200 * KIB); /* snappy has no levels */
    free(d);
}

Test(compress, output_is_appended_after_what_the_buffer_held) {
    for (size_t i = 0; i < NCODECS; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        uint8_t *d = make_data(70 * KIB, 1, 3);
        kfk_wbuf_t z;
        kfk_wbuf_init(&z);
        kfk_wbuf_put_raw(&z, "head", 4);
        cr_assert_eq(kfk_compress(codecs[i], -1, d, 70 * KIB, &z), KFK_ERR_NONE);
        cr_assert_eq(memcmp(z.data, "head", 4), 0);
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        kfk_wbuf_put_raw(&out, "prefix", 6);
        /* The cap counts only the appended bytes. */
        cr_assert_eq(kfk_decompress(codecs[i], z.data + 4, z.len - 4, 70 * KIB, &out), KFK_ERR_NONE,
                     "%s", kfk_codec_name(codecs[i]));
        cr_assert_eq(out.len, 6 + 70 * KIB);
        cr_assert_eq(memcmp(out.data, "prefix", 6), 0);
        cr_assert_eq(memcmp(out.data + 6, d, 70 * KIB), 0);
        kfk_wbuf_free(&out);
        kfk_wbuf_free(&z);
        free(d);
    }
}

/* ---- the cap ----------------------------------------------------------------------------------
 */

Test(compress, output_exactly_at_the_cap_passes_and_one_byte_over_fails) {
    static const size_t sizes[] = {1, 100, 64 * KIB, 100 * KIB + 3};
    for (size_t i = 0; i < NCODECS; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            uint8_t *d = make_data(sizes[s], 1, 11);
            kfk_wbuf_t z = zip(codecs[i], -1, d, sizes[s]);
            kfk_wbuf_t out;
            kfk_wbuf_init(&out);
            cr_assert_eq(kfk_decompress(codecs[i], z.data, z.len, sizes[s], &out), KFK_ERR_NONE);
            cr_assert_eq(out.len, sizes[s]);
            kfk_wbuf_free(&out);
            kfk_wbuf_init(&out);
            kfk_wbuf_put_raw(&out, "keep", 4);
            cr_assert_eq(kfk_decompress(codecs[i], z.data, z.len, sizes[s] - 1, &out),
                         KFK_ERR__DECOMPRESS, "%s, %zu bytes, cap one less",
                         kfk_codec_name(codecs[i]), sizes[s]);
            cr_assert_eq(out.len, 4, "after an error the output holds what it held before");
            cr_assert_eq(memcmp(out.data, "keep", 4), 0);
            cr_assert_eq(out.err, KFK_ERR_NONE, "a cap error is not sticky");
            kfk_wbuf_free(&out);
            kfk_wbuf_free(&z);
            free(d);
        }
    }
}

Test(compress, a_compression_bomb_stops_at_the_cap_without_allocating_past_it, .timeout = 120) {
    const size_t bomb = 32 * MIB, cap = MIB;
    uint8_t *zeros = calloc(bomb, 1);
    cr_assert_not_null(zeros);
    for (size_t i = 0; i < NCODECS; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        kfk_wbuf_t z = zip(codecs[i], -1, zeros, bomb);
        cr_assert_lt(z.len, bomb / 16, "%s: %zu bytes hold 32 MiB", kfk_codec_name(codecs[i]),
                     z.len);
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        kfk__mem_max_alloc_reset();
        cr_assert_eq(kfk_decompress(codecs[i], z.data, z.len, cap, &out), KFK_ERR__DECOMPRESS, "%s",
                     kfk_codec_name(codecs[i]));
        size_t biggest = kfk__mem_max_alloc_reset();
        cr_assert_leq(biggest, cap + 1, "%s allocated %zu bytes at once, cap %zu",
                      kfk_codec_name(codecs[i]), biggest, cap);
        cr_assert_leq(out.cap, cap + 1, "%s output buffer grew to %zu", kfk_codec_name(codecs[i]),
                      out.cap);
        cr_assert_eq(out.len, 0);
        kfk_wbuf_free(&out);
        kfk_wbuf_free(&z);
    }
    free(zeros);
}

Test(compress, declared_lengths_are_not_trusted_for_allocation) {
    kfk_wbuf_t out;
#ifdef KFK_HAVE_SNAPPY
    /* Raw snappy claiming 4 GiB - 1 (varint ff ff ff ff 0f) then one literal byte. */
    static const uint8_t raw_huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 'x'};
    kfk_wbuf_init(&out);
    kfk__mem_max_alloc_reset();
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, raw_huge, sizeof raw_huge, SIZE_MAX, &out),
                 KFK_ERR__DECOMPRESS);
    cr_assert_eq(kfk__mem_max_alloc_reset(), 0, "nothing allocated for a claim 7 bytes can't back");
    /* The same lie inside xerial framing, and a claim just within the cap that is still
     * impossible for its size. */
    static const uint8_t xerial_huge[] = {0x82, 'S', 'N',  'A',  'P',  'P',  'Y',  0,    0,
                                          0,    0,   1,    0,    0,    0,    1,    0,    0,
                                          0,    7,   0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 'x'};
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, xerial_huge, sizeof xerial_huge, SIZE_MAX, &out),
                 KFK_ERR__DECOMPRESS);
    static const uint8_t raw_10k[] = {0x90, 0x4e, 0x00, 'x'}; /* claims 10000 bytes */
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, raw_10k, sizeof raw_10k, MIB, &out),
                 KFK_ERR__DECOMPRESS);
    cr_assert_lt(kfk__mem_max_alloc_reset(), 10000);
    kfk_wbuf_free(&out);
#endif
#ifdef KFK_HAVE_ZSTD
    /* A zstd frame whose header claims 1 TiB: the allocation follows the cap, not the claim. */
    kfk_wbuf_t z = zip(KFK_CODEC_ZSTD, -1, "tiny", 4);
    uint8_t lie[64];
    cr_assert_lt(z.len, sizeof lie);
    memcpy(lie, z.data, z.len);
    /* kfk writes a single-segment frame with a 1-byte content size: widen it to 8 bytes. */
    cr_assert_eq(lie[4] & 0xc0, 0x00, "FCS field size code 0");
    uint8_t wide[80];
    size_t n = 0;
    memcpy(wide, lie, 4);
    n = 4;
    wide[n++] = (uint8_t)((lie[4] & 0x3f) | 0xc0);
    uint64_t tib = (uint64_t)1 << 40;
    for (int b = 0; b < 8; b++)
        wide[n++] = (uint8_t)(tib >> (8 * b));
    memcpy(wide + n, lie + 6, z.len - 6);
    n += z.len - 6;
    kfk_wbuf_init(&out);
    kfk__mem_max_alloc_reset();
    cr_assert_eq(kfk_decompress(KFK_CODEC_ZSTD, wide, n, 64 * KIB, &out), KFK_ERR__DECOMPRESS);
    cr_assert_leq(out.cap, 64 * KIB + 1);
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&z);
#endif
    (void)out;
}

/* ---- truncation and corruption ----------------------------------------------------------------
 */

/* Every strict prefix of a one-block stream must fail. Xerial snappy cannot tell a cut at a block
 * boundary from a shorter stream, so its 16-byte header alone reads as empty. */
static void check_every_prefix_fails(kfk_codec_t codec, const uint8_t *z, size_t zlen) {
    for (size_t cut = 0; cut < zlen; cut++) {
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        kfk_err_t err = kfk_decompress(codec, z, cut, MIB, &out);
        if (codec == KFK_CODEC_SNAPPY && cut == 16 && z[0] == 0x82) {
            cr_assert_eq(err, KFK_ERR_NONE);
            cr_assert_eq(out.len, 0);
        } else {
            cr_assert_eq(err, KFK_ERR__DECOMPRESS, "%s cut at %zu of %zu: %s",
                         kfk_codec_name(codec), cut, zlen, kfk_err_name(err));
            cr_assert_eq(out.len, 0);
        }
        kfk_wbuf_free(&out);
    }
}

Test(compress, input_cut_at_any_byte_fails_cleanly) {
    uint8_t *d = make_data(3000, 1, 5);
    for (size_t i = 0; i < NCODECS; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        for (size_t len = 1; len <= 3000; len += 2999) {
            kfk_wbuf_t z = zip(codecs[i], -1, d, len);
            check_every_prefix_fails(codecs[i], z.data, z.len);
            kfk_wbuf_free(&z);
        }
    }
    free(d);
}

Test(compress, java_written_streams_cut_at_any_byte_fail_cleanly) {
    static const char *files[] = {"gzip-hello.bin", "snappy-hello.bin", "lz4-hello.bin",
                                  "zstd-hello.bin"};
    for (size_t i = 0; i < NCODECS; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        size_t n;
        uint8_t *z = cc_golden_file("compress", files[i], &n);
        check_every_prefix_fails(codecs[i], z, n);
        free(z);
    }
}

Test(compress, corrupt_bytes_give_an_error_or_bounded_output_never_a_crash, .timeout = 120) {
    uint8_t *d = make_data(2000, 1, 9);
    static const uint8_t masks[] = {0x01, 0x10, 0x80, 0xff};
    for (size_t i = 0; i < NCODECS; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        kfk_wbuf_t z = zip(codecs[i], -1, d, 2000);
        uint8_t *bad = malloc(z.len);
        cr_assert_not_null(bad);
        for (size_t pos = 0; pos < z.len; pos++) {
            for (size_t m = 0; m < sizeof masks; m++) {
                memcpy(bad, z.data, z.len);
                bad[pos] ^= masks[m];
                kfk_wbuf_t out;
                kfk_wbuf_init(&out);
                kfk_err_t err = kfk_decompress(codecs[i], bad, z.len, 4000, &out);
                if (err) {
                    cr_assert_eq(err, KFK_ERR__DECOMPRESS, "%s byte %zu ^ %02x: %s",
                                 kfk_codec_name(codecs[i]), pos, masks[m], kfk_err_name(err));
                    cr_assert_eq(out.len, 0);
                } else {
                    cr_assert_leq(out.len, 4000);
                }
                kfk_wbuf_free(&out);
            }
        }
        free(bad);
        kfk_wbuf_free(&z);
    }
    free(d);
}

Test(compress, gzip_checks_the_crc_and_length_of_each_member) {
#ifdef KFK_HAVE_ZLIB
    uint8_t *d = make_data(5000, 1, 13);
    kfk_wbuf_t z = zip(KFK_CODEC_GZIP, -1, d, 5000);
    for (size_t back = 1; back <= 8; back++) { /* the CRC-32 and ISIZE trailer */
        z.data[z.len - back] ^= 0x01;
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        cr_assert_eq(kfk_decompress(KFK_CODEC_GZIP, z.data, z.len, MIB, &out), KFK_ERR__DECOMPRESS,
                     "trailer byte -%zu", back);
        kfk_wbuf_free(&out);
        z.data[z.len - back] ^= 0x01;
    }
    kfk_wbuf_free(&z);
    free(d);
#endif
}

Test(compress, gzip_refuses_zlib_and_raw_deflate_streams) {
#ifdef KFK_HAVE_ZLIB
    /* zlib wrapper (78 9c) of "a", and the raw deflate of "a" alone. */
    static const uint8_t zlib_a[] = {0x78, 0x9c, 0x4b, 0x04, 0x00, 0x00, 0x62, 0x00, 0x62};
    static const uint8_t raw_a[] = {0x4b, 0x04, 0x00};
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_GZIP, zlib_a, sizeof zlib_a, 100, &out),
                 KFK_ERR__DECOMPRESS);
    cr_assert_eq(kfk_decompress(KFK_CODEC_GZIP, raw_a, sizeof raw_a, 100, &out),
                 KFK_ERR__DECOMPRESS);
    kfk_wbuf_free(&out);
#endif
}

Test(compress, lz4_verifies_the_block_and_content_checksums_a_frame_declares) {
#ifdef KFK_HAVE_LZ4
    uint8_t *d = make_data(150 * KIB, 1, 17);
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max256KB;
    prefs.frameInfo.blockMode = LZ4F_blockLinked;
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
    prefs.frameInfo.contentSize = 150 * KIB;
    size_t cap = LZ4F_compressFrameBound(150 * KIB, &prefs);
    uint8_t *z = malloc(cap);
    cr_assert_not_null(z);
    size_t n = LZ4F_compressFrame(z, cap, d, 150 * KIB, &prefs);
    cr_assert_not(LZ4F_isError(n));
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    /* Valid: linked blocks, a content size and both checksums are all read. */
    cr_assert_eq(kfk_decompress(KFK_CODEC_LZ4, z, n, MIB, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 150 * KIB);
    cr_assert_eq(memcmp(out.data, d, 150 * KIB), 0);
    kfk_wbuf_free(&out);
    /* The content checksum (the last 4 bytes), then the last block's checksum (the 4 bytes
     * before the 4-byte end mark). */
    static const size_t backs[] = {1, 9};
    for (size_t i = 0; i < 2; i++) {
        z[n - backs[i]] ^= 0x40;
        kfk_wbuf_init(&out);
        cr_assert_eq(kfk_decompress(KFK_CODEC_LZ4, z, n, MIB, &out), KFK_ERR__DECOMPRESS,
                     "byte -%zu", backs[i]);
        cr_assert_eq(out.len, 0);
        kfk_wbuf_free(&out);
        z[n - backs[i]] ^= 0x40;
    }
    free(z);
    free(d);
#endif
}

/* ---- framings other writers use ---------------------------------------------------------------
 */

Test(compress, snappy_reads_raw_blocks_as_librdkafka_writes_them) {
#ifdef KFK_HAVE_SNAPPY
    /* "hello kafka" raw: uncompressed length 11, one 11-byte literal (tag (11-1) << 2). */
    static const uint8_t raw[] = {0x0b, 0x28, 'h', 'e', 'l', 'l', 'o',
                                  ' ',  'k',  'a', 'f', 'k', 'a'};
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, raw, sizeof raw, 100, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 11);
    cr_assert_eq(memcmp(out.data, "hello kafka", 11), 0);
    /* A copy element: "abcd" literal then copy offset 4 length 8 -> "abcdabcdabcd". */
    static const uint8_t raw_copy[] = {0x0c, 0x0c, 'a', 'b', 'c', 'd', 0x11, 0x04};
    kfk_wbuf_free(&out);
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, raw_copy, sizeof raw_copy, 100, &out),
                 KFK_ERR_NONE);
    cr_assert_eq(out.len, 12);
    cr_assert_eq(memcmp(out.data, "abcdabcdabcd", 12), 0);
    /* A raw empty block (length 0) is valid; a copy before any literal is not. */
    static const uint8_t raw_empty[] = {0x00};
    static const uint8_t raw_bad[] = {0x04, 0x01, 0x01};
    kfk_wbuf_free(&out);
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, raw_empty, 1, 100, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, raw_bad, sizeof raw_bad, 100, &out),
                 KFK_ERR__DECOMPRESS);
    kfk_wbuf_free(&out);
#endif
}

Test(compress, snappy_reads_xerial_framing_as_java_writes_it) {
#ifdef KFK_HAVE_SNAPPY
    /* Java's bytes for "hello kafka" (tests/golden/compress/snappy-hello.bin), inline. */
    static const uint8_t xerial[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,   0,   0,    0,
                                     1,    0,   0,   0,   1,   0,   0,   0,   13,  0x0b, 0x28,
                                     'h',  'e', 'l', 'l', 'o', ' ', 'k', 'a', 'f', 'k',  'a'};
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, xerial, sizeof xerial, 100, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 11);
    cr_assert_eq(memcmp(out.data, "hello kafka", 11), 0);
    kfk_wbuf_free(&out);
    /* kfk writes exactly Java's bytes here (same framing, same snappy block). */
    kfk_wbuf_t z = zip(KFK_CODEC_SNAPPY, -1, "hello kafka", 11);
    cr_assert_eq(z.len, sizeof xerial);
    cr_assert_eq(memcmp(z.data, xerial, sizeof xerial), 0);
    kfk_wbuf_free(&z);
    /* Two xerial streams back to back read as one (snappy-java does the same). */
    uint8_t two[2 * sizeof xerial];
    memcpy(two, xerial, sizeof xerial);
    memcpy(two + sizeof xerial, xerial, sizeof xerial);
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, two, sizeof two, 100, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 22);
    cr_assert_eq(memcmp(out.data, "hello kafkahello kafka", 22), 0);
    kfk_wbuf_free(&out);
    /* Version 0, an unknown compatible version, a zero or negative block length: refused. */
    static const size_t at[] = {11, 15, 19, 16};
    static const uint8_t val[] = {0, 2, 0, 0x80};
    for (size_t i = 0; i < 4; i++) {
        uint8_t bad[sizeof xerial];
        memcpy(bad, xerial, sizeof xerial);
        bad[at[i]] = val[i];
        kfk_wbuf_init(&out);
        cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, bad, sizeof bad, 100, &out),
                     KFK_ERR__DECOMPRESS, "case %zu", i);
        kfk_wbuf_free(&out);
    }
#endif
}

Test(compress, snappy_writes_xerial_blocks_of_32_kib_as_snappy_java) {
#ifdef KFK_HAVE_SNAPPY
    uint8_t *d = make_data(100 * KIB, 0, 21);
    kfk_wbuf_t z = zip(KFK_CODEC_SNAPPY, -1, d, 100 * KIB);
    cr_assert_geq(z.len, 16);
    static const uint8_t head[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    cr_assert_eq(memcmp(z.data, head, 16), 0);
    size_t pos = 16, blocks = 0;
    while (pos < z.len) {
        cr_assert_leq(pos + 4, z.len);
        size_t n = ((size_t)z.data[pos] << 24) | ((size_t)z.data[pos + 1] << 16) |
                   ((size_t)z.data[pos + 2] << 8) | z.data[pos + 3];
        /* Each block's raw snappy length varint says how much input it holds. */
        kfk_wbuf_t one;
        kfk_wbuf_init(&one);
        cr_assert_eq(kfk_decompress(KFK_CODEC_SNAPPY, z.data + pos + 4, n, MIB, &one),
                     KFK_ERR_NONE);
        cr_assert_eq(one.len, blocks < 3 ? 32 * KIB : 4 * KIB);
        kfk_wbuf_free(&one);
        pos += 4 + n;
        blocks++;
    }
    cr_assert_eq(pos, z.len);
    cr_assert_eq(blocks, 4);
    kfk_wbuf_free(&z);
    free(d);
#endif
}

Test(compress, gzip_reads_concatenated_members_and_refuses_trailing_garbage) {
#ifdef KFK_HAVE_ZLIB
    uint8_t *a = make_data(40 * KIB, 1, 1);
    uint8_t *b = make_data(3 * KIB, 0, 2);
    kfk_wbuf_t z = zip(KFK_CODEC_GZIP, 1, a, 40 * KIB);
    cr_assert_eq(kfk_compress(KFK_CODEC_GZIP, 9, b, 3 * KIB, &z), KFK_ERR_NONE);
    size_t jn;
    uint8_t *java = cc_golden_file("compress", "gzip-hello.bin", &jn);
    kfk_wbuf_put_raw(&z, java, jn);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_GZIP, z.data, z.len, MIB, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 43 * KIB + 11);
    cr_assert_eq(memcmp(out.data, a, 40 * KIB), 0);
    cr_assert_eq(memcmp(out.data + 40 * KIB, b, 3 * KIB), 0);
    cr_assert_eq(memcmp(out.data + 43 * KIB, "hello kafka", 11), 0);
    kfk_wbuf_free(&out);
    /* The cap spans all members. */
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_GZIP, z.data, z.len, 43 * KIB + 10, &out),
                 KFK_ERR__DECOMPRESS);
    kfk_wbuf_free(&out);
    /* Bytes after a member that are not a member: refused, even zero padding. */
    static const uint8_t tails[][2] = {{0x00, 0x00}, {0x1f, 0x8b}, {'x', 'y'}};
    for (size_t t = 0; t < 3; t++) {
        kfk_wbuf_t g;
        kfk_wbuf_init(&g);
        kfk_wbuf_put_raw(&g, java, jn);
        kfk_wbuf_put_raw(&g, tails[t], 2);
        kfk_wbuf_init(&out);
        cr_assert_eq(kfk_decompress(KFK_CODEC_GZIP, g.data, g.len, MIB, &out), KFK_ERR__DECOMPRESS,
                     "tail %zu", t);
        kfk_wbuf_free(&out);
        kfk_wbuf_free(&g);
    }
    free(java);
    kfk_wbuf_free(&z);
    free(a);
    free(b);
#endif
}

Test(compress, lz4_reads_frames_back_to_back_and_skippable_frames) {
#ifdef KFK_HAVE_LZ4
    uint8_t *a = make_data(100 * KIB, 1, 4);
    kfk_wbuf_t z = zip(KFK_CODEC_LZ4, -1, a, 100 * KIB);
    /* A skippable frame (magic 0x184D2A5F, 3 bytes of payload) between two frames. */
    static const uint8_t skip[] = {0x5f, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'};
    kfk_wbuf_put_raw(&z, skip, sizeof skip);
    cr_assert_eq(kfk_compress(KFK_CODEC_LZ4, 9, "tail", 4, &z), KFK_ERR_NONE);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_LZ4, z.data, z.len, MIB, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 100 * KIB + 4);
    cr_assert_eq(memcmp(out.data, a, 100 * KIB), 0);
    cr_assert_eq(memcmp(out.data + 100 * KIB, "tail", 4), 0);
    kfk_wbuf_free(&out);
    /* Garbage after a complete frame is an error. */
    kfk_wbuf_put_raw(&z, "junk", 4);
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_LZ4, z.data, z.len, MIB, &out), KFK_ERR__DECOMPRESS);
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&z);
    free(a);
#endif
}

Test(compress, lz4_writes_the_frame_header_java_writes) {
#ifdef KFK_HAVE_LZ4
    /* Magic, FLG 0x60 (v01, independent blocks, no checksums, no size), BD 0x40 (64 KiB), HC. */
    size_t jn;
    uint8_t *java = cc_golden_file("compress", "lz4-empty.bin", &jn);
    kfk_wbuf_t z = zip(KFK_CODEC_LZ4, -1, "", 0);
    cr_assert_eq(z.len, jn);
    cr_assert_eq(memcmp(z.data, java, jn), 0, "empty input: byte-identical to Java's");
    kfk_wbuf_free(&z);
    free(java);
    java = cc_golden_file("compress", "lz4-hello.bin", &jn);
    z = zip(KFK_CODEC_LZ4, -1, "hello kafka", 11);
    cr_assert_eq(z.len, jn);
    cr_assert_eq(memcmp(z.data, java, jn), 0, "an incompressible block is stored as Java does");
    kfk_wbuf_free(&z);
    free(java);
#endif
}

Test(compress, zstd_reads_several_frames_skippable_ones_and_frames_without_a_size) {
#ifdef KFK_HAVE_ZSTD
    size_t jn;
    uint8_t *java =
        cc_golden_file("compress", "zstd-pattern100k.bin", &jn); /* zstd-jni: no content size */
    cr_assert_eq(ZSTD_getFrameContentSize(java, jn), ZSTD_CONTENTSIZE_UNKNOWN);
    size_t pn;
    uint8_t *plain = cc_golden_file("compress", "plain-pattern100k.bin", &pn);
    kfk_wbuf_t z;
    kfk_wbuf_init(&z);
    kfk_wbuf_put_raw(&z, java, jn);
    static const uint8_t skip[] = {0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 0xaa, 0xbb};
    kfk_wbuf_put_raw(&z, skip, sizeof skip);
    cr_assert_eq(kfk_compress(KFK_CODEC_ZSTD, 1, "tail", 4, &z), KFK_ERR_NONE);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_ZSTD, z.data, z.len, MIB, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, pn + 4);
    cr_assert_eq(memcmp(out.data, plain, pn), 0);
    cr_assert_eq(memcmp(out.data + pn, "tail", 4), 0);
    kfk_wbuf_free(&out);
    /* A skippable frame alone is valid and empty; trailing garbage is not. */
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_ZSTD, skip, sizeof skip, MIB, &out), KFK_ERR_NONE);
    cr_assert_eq(out.len, 0);
    kfk_wbuf_put_raw(&z, "junk", 4);
    cr_assert_eq(kfk_decompress(KFK_CODEC_ZSTD, z.data, z.len, MIB, &out), KFK_ERR__DECOMPRESS);
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&z);
    free(plain);
    free(java);
#endif
}

Test(compress, zstd_refuses_legacy_frames) {
#ifdef KFK_HAVE_ZSTD
    /* A zstd v0.7 frame magic (0xFD2FB527) with a plausible header: legacy is not Kafka's. */
    static const uint8_t legacy[] = {0x27, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x00, 0x00};
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_decompress(KFK_CODEC_ZSTD, legacy, sizeof legacy, MIB, &out),
                 KFK_ERR__DECOMPRESS);
    kfk_wbuf_free(&out);
#endif
}

Test(compress, empty_compressed_input_is_an_error_for_every_codec) {
    for (size_t i = 0; i < NCODECS; i++) {
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        kfk_err_t err = kfk_decompress(codecs[i], "", 0, MIB, &out);
        cr_assert_eq(err,
                     kfk_codec_available(codecs[i]) ? KFK_ERR__DECOMPRESS
                                                    : KFK_ERR__UNSUPPORTED_COMPRESSION,
                     "%s", kfk_codec_name(codecs[i]));
        kfk_wbuf_free(&out);
    }
}

/* ---- allocation failures ----------------------------------------------------------------------
 */

/* Fails the n-th allocation for n = 0, 1, ... until the call succeeds: each run must end with
 * success or KFK_ERR__NOMEM and leak nothing (ASan's leak check runs at exit). */
static void survive_every_allocation_failure(kfk_codec_t codec, const uint8_t *d, size_t len,
                                             kfk_codec_ctx_t *ctx) {
    if (!kfk_codec_available(codec))
        return;
    kfk_wbuf_t z;
    kfk_wbuf_init(&z);
    long n;
    for (n = 0;; n++) {
        kfk_wbuf_init(&z);
        kfk__mem_fail_after(n);
        kfk_err_t err = kfk_codec_ctx_compress(ctx, codec, -1, d, len, &z);
        kfk__mem_fail_after(-1);
        if (!err)
            break;
        cr_assert_eq(err, KFK_ERR__NOMEM, "%s compress, allocation %ld failed: %s",
                     kfk_codec_name(codec), n, kfk_err_name(err));
        kfk_wbuf_free(&z);
        cr_assert_lt(n, 1000);
    }
    cr_log_info("%s compress: %ld allocations", kfk_codec_name(codec), n);
    for (n = 0;; n++) {
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        kfk__mem_fail_after(n);
        kfk_err_t err = kfk_codec_ctx_decompress(ctx, codec, z.data, z.len, 4 * MIB, &out);
        kfk__mem_fail_after(-1);
        if (!err) {
            cr_assert_eq(out.len, len);
            cr_assert(len == 0 || memcmp(out.data, d, len) == 0);
            kfk_wbuf_free(&out);
            break;
        }
        cr_assert_eq(err, KFK_ERR__NOMEM, "%s decompress, allocation %ld failed: %s",
                     kfk_codec_name(codec), n, kfk_err_name(err));
        cr_assert_eq(out.len, 0);
        kfk_wbuf_free(&out);
        cr_assert_lt(n, 1000);
    }
    kfk_wbuf_free(&z);
}

Test(compress, every_allocation_failure_is_survived, .timeout = 120) {
    uint8_t *d = make_data(300 * KIB, 1, 23);
    for (size_t i = 0; i < NCODECS; i++) {
        survive_every_allocation_failure(codecs[i], d, 300 * KIB, NULL);
        survive_every_allocation_failure(codecs[i], d, 0, NULL);
    }
    /* With a context: a fresh one (its state is created under failure) and, after that, the
     * same one again (state reused; a failed call frees what it held). */
    kfk_codec_ctx_t *ctx = NULL;
    long n;
    for (n = 0;; n++) {
        kfk__mem_fail_after(n);
        kfk_err_t err = kfk_codec_ctx_new(&ctx);
        kfk__mem_fail_after(-1);
        if (!err)
            break;
        cr_assert_eq(err, KFK_ERR__NOMEM);
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < NCODECS; i++)
            survive_every_allocation_failure(codecs[i], d, 300 * KIB, ctx);
    kfk_codec_ctx_free(ctx);
    free(d);
}

/* ---- reusable contexts ------------------------------------------------------------------------
 */

Test(compress, a_context_serves_every_codec_call_after_call) {
    kfk_codec_ctx_t *ctx = NULL;
    cr_assert_eq(kfk_codec_ctx_new(&ctx), KFK_ERR_NONE);
    cr_assert_not_null(ctx);
    static const size_t sizes[] = {0, 10, 70 * KIB, 3 * KIB, 300 * KIB};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < NCODECS; i++) {
            for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
                uint8_t *d = make_data(sizes[k], (int)(k & 1), 100 + k);
                kfk_wbuf_t z, out;
                kfk_wbuf_init(&z);
                kfk_wbuf_init(&out);
                /* The level changes between calls: gzip re-makes its deflater. */
                kfk_err_t err =
                    kfk_codec_ctx_compress(ctx, codecs[i], round == 1 ? 1 : -1, d, sizes[k], &z);
                if (!kfk_codec_available(codecs[i])) {
                    cr_assert_eq(err, KFK_ERR__UNSUPPORTED_COMPRESSION);
                    free(d);
                    continue;
                }
                cr_assert_eq(err, KFK_ERR_NONE);
                /* Same bytes as the context-less call at the same level. */
                kfk_wbuf_t plain = zip(codecs[i], round == 1 ? 1 : -1, d, sizes[k]);
                cr_assert_eq(plain.len, z.len, "%s", kfk_codec_name(codecs[i]));
                cr_assert_eq(memcmp(plain.data, z.data, z.len), 0);
                kfk_wbuf_free(&plain);
                cr_assert_eq(
                    kfk_codec_ctx_decompress(ctx, codecs[i], z.data, z.len, sizes[k], &out),
                    KFK_ERR_NONE);
                cr_assert_eq(out.len, sizes[k]);
                cr_assert(sizes[k] == 0 || memcmp(out.data, d, sizes[k]) == 0);
                /* An error (here: over the cap, then a cut stream) leaves the context usable. */
                if (sizes[k] > 0) {
                    cr_assert_eq(
                        kfk_codec_ctx_decompress(ctx, codecs[i], z.data, z.len, sizes[k] - 1, &out),
                        KFK_ERR__DECOMPRESS);
                    cr_assert_eq(
                        kfk_codec_ctx_decompress(ctx, codecs[i], z.data, z.len - 1, MIB, &out),
                        KFK_ERR__DECOMPRESS);
                    cr_assert_eq(out.len, sizes[k]);
                }
                kfk_wbuf_free(&out);
                kfk_wbuf_free(&z);
                free(d);
            }
        }
    }
    kfk_codec_ctx_free(ctx);
    kfk_codec_ctx_free(NULL);
}

Test(compress, a_null_context_means_the_context_less_call) {
    kfk_wbuf_t z, out;
    kfk_wbuf_init(&z);
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk_codec_ctx_compress(NULL, KFK_CODEC_NONE, -1, "abc", 3, &z), KFK_ERR_NONE);
    cr_assert_eq(kfk_codec_ctx_decompress(NULL, KFK_CODEC_NONE, z.data, z.len, 3, &out),
                 KFK_ERR_NONE);
    cr_assert_eq(out.len, 3);
    cr_assert_eq(kfk_codec_ctx_new(NULL), KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&out);
    kfk_wbuf_free(&z);
}

/* ---- Kafka's own Java output ------------------------------------------------------------------
 */

Test(compress, every_java_written_golden_file_decompresses_to_its_input) {
    static const char *inputs[] = {"empty", "hello", "pattern100k"};
    int checked = 0;
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        char name[64];
        snprintf(name, sizeof name, "plain-%s.bin", inputs[k]);
        size_t pn;
        uint8_t *plain = cc_golden_file("compress", name, &pn);
        for (size_t i = 0; i < NCODECS; i++) {
            snprintf(name, sizeof name, "%s-%s.bin", kfk_codec_name(codecs[i]), inputs[k]);
            size_t zn;
            uint8_t *z = cc_golden_file("compress", name, &zn);
            kfk_wbuf_t out;
            kfk_wbuf_init(&out);
            kfk_err_t err = kfk_decompress(codecs[i], z, zn, pn, &out);
            if (!kfk_codec_available(codecs[i])) {
                cr_assert_eq(err, KFK_ERR__UNSUPPORTED_COMPRESSION, "%s", name);
            } else {
                cr_assert_eq(err, KFK_ERR_NONE, "%s: %s", name, kfk_err_name(err));
                cr_assert_eq(out.len, pn, "%s", name);
                cr_assert(pn == 0 || memcmp(out.data, plain, pn) == 0, "%s", name);
                checked++;
            }
            kfk_wbuf_free(&out);
            free(z);
        }
        free(plain);
    }
    cr_log_info("%d Java-written files checked", checked);
}

/* Writes file @p name in @p dir. */
static void write_file(const char *dir, const char *name, const void *p, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/*
 * The other direction of the Java cross-check (run by hand; see tests/golden/compress/README.md):
 * with KFK_GOLDEN_EXPORT=DIR set, writes kfk's compressed outputs and their inputs to DIR in the
 * layout CompressGolden's "verify" mode reads. Without it the test is skipped.
 */
Test(compress, writes_kfk_outputs_for_the_java_cross_check_when_asked, .timeout = 120) {
    const char *dir = getenv("KFK_GOLDEN_EXPORT");
    if (!dir || !*dir)
        cr_skip_test("KFK_GOLDEN_EXPORT not set");
    struct {
        const char *name;
        uint8_t *data;
        size_t len;
        int level;
    } in[8];
    size_t nin = 0;
    static const char *golden[] = {"empty", "hello", "pattern100k"};
    for (size_t k = 0; k < 3; k++) {
        char fn[64];
        snprintf(fn, sizeof fn, "plain-%s.bin", golden[k]);
        in[nin].name = golden[k];
        in[nin].data = cc_golden_file("compress", fn, &in[nin].len);
        in[nin++].level = -1;
    }
    in[nin].name = "random1m";
    in[nin].data = make_data(MIB, 0, 77);
    in[nin].len = MIB;
    in[nin++].level = -1;
    in[nin].name = "text1m";
    in[nin].data = make_data(MIB, 1, 78);
    in[nin].len = MIB;
    in[nin++].level = -1;
    in[nin].name = "text1m-maxlevel";
    in[nin].data = make_data(MIB, 1, 78);
    in[nin].len = MIB;
    in[nin++].level = 9; /* gzip 9, lz4 HC 9 (Java's default); zstd 9 */
    in[nin].name = "block64k1";
    in[nin].data = make_data(64 * KIB + 1, 1, 79);
    in[nin].len = 64 * KIB + 1;
    in[nin++].level = -1;
    for (size_t k = 0; k < nin; k++) {
        char fn[96];
        snprintf(fn, sizeof fn, "plain-%s.bin", in[k].name);
        write_file(dir, fn, in[k].data, in[k].len);
        for (size_t i = 0; i < NCODECS; i++) {
            if (!kfk_codec_available(codecs[i]))
                continue;
            kfk_wbuf_t z = zip(codecs[i], in[k].level, in[k].data, in[k].len);
            snprintf(fn, sizeof fn, "%s-%s.bin", kfk_codec_name(codecs[i]), in[k].name);
            write_file(dir, fn, z.data, z.len);
            kfk_wbuf_free(&z);
        }
        free(in[k].data);
    }
}
