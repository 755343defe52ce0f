/*
 * test_crc32c.c: CRC-32C (RecordBatch v2) and CRC-32 (legacy messages). Known check values,
 * chaining, and the SSE4.2 and table implementations compared on random data at every
 * alignment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "protocol/crc32c.h"

/* xorshift64: deterministic test data without the C library's rand(). */
static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

Test(crc32c, matches_the_castagnoli_check_value) {
    cr_assert_eq(kfk_crc32c(0, "123456789", 9), 0xE3069283u);
    cr_assert_eq(kfk__crc32c_sw(0, "123456789", 9), 0xE3069283u);
    if (kfk__crc32c_hw_available())
        cr_assert_eq(kfk__crc32c_hw(0, "123456789", 9), 0xE3069283u);
}

Test(crc32c, of_nothing_is_zero) {
    cr_assert_eq(kfk_crc32c(0, "", 0), 0);
    cr_assert_eq(kfk__crc32c_sw(0, NULL, 0), 0);
    cr_assert_eq(kfk_crc32c(0xE3069283u, NULL, 0), 0xE3069283u);
}

Test(crc32c, matches_rfc3720_vectors_for_zeros_and_ones) {
    uint8_t buf[32];
    memset(buf, 0, sizeof buf);
    cr_assert_eq(kfk_crc32c(0, buf, sizeof buf), 0x8A9136AAu);
    cr_assert_eq(kfk__crc32c_sw(0, buf, sizeof buf), 0x8A9136AAu);
    memset(buf, 0xff, sizeof buf);
    cr_assert_eq(kfk_crc32c(0, buf, sizeof buf), 0x62A8AB43u);
    cr_assert_eq(kfk__crc32c_sw(0, buf, sizeof buf), 0x62A8AB43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    cr_assert_eq(kfk_crc32c(0, buf, sizeof buf), 0x46DD794Eu);
    cr_assert_eq(kfk__crc32c_sw(0, buf, sizeof buf), 0x46DD794Eu);
}

Test(crc32c, chains_across_calls) {
    const char *s = "The quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    uint32_t whole = kfk_crc32c(0, s, n);
    for (size_t cut = 0; cut <= n; cut++) {
        cr_assert_eq(kfk_crc32c(kfk_crc32c(0, s, cut), s + cut, n - cut), whole);
        cr_assert_eq(kfk__crc32c_sw(kfk__crc32c_sw(0, s, cut), s + cut, n - cut), whole);
    }
}

Test(crc32c, hardware_and_table_agree_on_random_lengths_and_alignments) {
    size_t cap = 65536 + 16; /* several of the hardware loop's 3 KiB steps */
    uint8_t *buf = malloc(cap);
    cr_assert_not_null(buf);
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < cap; i++)
        buf[i] = (uint8_t)rng_next(&seed);
    int hw = kfk__crc32c_hw_available();
    for (int round = 0; round < 3000; round++) {
        size_t align = rng_next(&seed) % 16;
        size_t len = round < 300    ? (size_t)round
                     : round < 1000 ? 3072 - 8 + (size_t)(round % 24) /* around one step */
                                    : rng_next(&seed) % 65536;
        uint32_t init = round % 3 ? (uint32_t)rng_next(&seed) : 0;
        uint32_t sw = kfk__crc32c_sw(init, buf + align, len);
        cr_assert_eq(kfk_crc32c(init, buf + align, len), sw, "len %zu align %zu", len, align);
        if (hw)
            cr_assert_eq(kfk__crc32c_hw(init, buf + align, len), sw, "len %zu align %zu", len,
                         align);
    }
    free(buf);
}

/* The fold (VPCLMULQDQ, runs of 256 bytes and more) and the three crc32 chains each against the
 * tables: every length up to 2 KiB (the fold's 128-byte runs and its remainders), every
 * alignment of 8, chained initial values, and long runs. Where the CPU cannot fold, the fold
 * half of this test checks the chains again (kfk__crc32c_hw uses them). */
Test(crc32c, the_fold_and_the_chains_agree_with_the_tables_at_every_length) {
    size_t cap = ((size_t)1 << 20) + 64;
    uint8_t *buf = malloc(cap);
    cr_assert_not_null(buf);
    uint64_t seed = 0xD1B54A32D192ED03ull;
    for (size_t i = 0; i < cap; i++)
        buf[i] = (uint8_t)rng_next(&seed);
    if (!kfk__crc32c_hw_available()) {
        free(buf);
        cr_skip_test("no SSE4.2 on this CPU: the table implementation is the only one");
    }
    for (size_t len = 0; len <= 2048; len++)
        for (size_t align = 0; align < 8; align++) {
            uint32_t init = (uint32_t)rng_next(&seed);
            uint32_t sw = kfk__crc32c_sw(init, buf + align, len);
            cr_assert_eq(kfk__crc32c_hw(init, buf + align, len), sw, "fold: len %zu align %zu", len,
                         align);
            cr_assert_eq(kfk__crc32c_chains(init, buf + align, len), sw,
                         "chains: len %zu align %zu", len, align);
        }
    static const size_t longs[] = {4096, 65536 + 127, 300000, (size_t)1 << 20};
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        uint32_t sw = kfk__crc32c_sw(7, buf + 3, longs[i]);
        cr_assert_eq(kfk__crc32c_hw(7, buf + 3, longs[i]), sw, "fold: len %zu", longs[i]);
        cr_assert_eq(kfk__crc32c_chains(7, buf + 3, longs[i]), sw, "chains: len %zu", longs[i]);
    }
    /* All-ones and all-zeros runs: the fold's products at their extremes. */
    memset(buf, 0xff, 4096);
    cr_assert_eq(kfk__crc32c_hw(0, buf, 4096), kfk__crc32c_sw(0, buf, 4096));
    memset(buf, 0, 4096);
    cr_assert_eq(kfk__crc32c_hw(0, buf, 4096), kfk__crc32c_sw(0, buf, 4096));
    cr_log_info("fold %s on this CPU", kfk__crc32c_fold_available() ? "used" : "not available");
    free(buf);
}

Test(crc32c, combine_joins_two_crcs_at_every_cut) {
    size_t cap = 20000;
    uint8_t *buf = malloc(cap);
    cr_assert_not_null(buf);
    uint64_t seed = 0x243F6A8885A308D3ull;
    for (size_t i = 0; i < cap; i++)
        buf[i] = (uint8_t)rng_next(&seed);
    for (int round = 0; round < 2000; round++) {
        size_t len = round < 64 ? (size_t)round : rng_next(&seed) % cap;
        size_t cut = len ? rng_next(&seed) % (len + 1) : 0;
        if (round < 64)
            cut = (size_t)round / 2;
        uint32_t a = kfk_crc32c(0, buf, cut), b = kfk_crc32c(0, buf + cut, len - cut);
        cr_assert_eq(kfk__crc32c_combine(a, b, len - cut), kfk_crc32c(0, buf, len),
                     "len %zu cut %zu", len, cut);
    }
    /* B empty: A's CRC; A empty: B's. */
    cr_assert_eq(kfk__crc32c_combine(0xE3069283u, 0, 0), 0xE3069283u);
    cr_assert_eq(kfk__crc32c_combine(0, kfk_crc32c(0, "123456789", 9), 9), 0xE3069283u);
    free(buf);
}

/* A span's CRC from block registers (kfk__crc32c_span) equals the CRC read byte by byte, for
 * spans starting and ending inside, on and between blocks, short spans, and blocks that stop
 * before the span ends (nblocks smaller than the buffer's). */
Test(crc32c, span_from_block_registers_matches_the_direct_crc) {
    enum { N = 23 * KFK__CRC_BLOCK + 321 };
    uint8_t *buf = malloc(N);
    cr_assert_not_null(buf);
    uint64_t seed = 7;
    for (size_t i = 0; i < N; i++)
        buf[i] = (uint8_t)rng_next(&seed);
    size_t nb = N / KFK__CRC_BLOCK;
    uint32_t blocks[N / KFK__CRC_BLOCK];
    if (!kfk__crc32c_blocks(buf, nb, blocks)) {
        cr_assert_eq(kfk__crc32c_span(buf, NULL, 0, 5, 5000), kfk_crc32c(0, buf + 5, 5000));
        free(buf);
        cr_skip_test("no hardware CRC-32C here: kfk__crc32c_span reads every byte");
    }
    for (size_t i = 0; i < nb; i++) {
        /* Each register is the raw CRC of its block from 0: kfk_crc32c with the inversions
         * undone is the register from ~0, so compare through the join of a one-block span. */
        cr_assert_eq(kfk__crc32c_span(buf, blocks, nb, i * KFK__CRC_BLOCK, KFK__CRC_BLOCK),
                     kfk_crc32c(0, buf + i * KFK__CRC_BLOCK, KFK__CRC_BLOCK), "block %zu", i);
    }
    const size_t offs[] = {0, 1, 7, 61, 1023, 1024, 1025, 2047, 3000, 5120, 9999};
    const size_t lens[] = {0, 1, 60, 1023, 1024, 1025, 2048, 3071, 3072, 4097, 10000, 20000};
    size_t checked = 0;
    for (size_t a = 0; a < sizeof offs / sizeof *offs; a++) {
        for (size_t b = 0; b < sizeof lens / sizeof *lens; b++) {
            size_t off = offs[a], len = lens[b];
            if (off + len > N)
                continue;
            uint32_t want = kfk_crc32c(0, buf + off, len);
            for (size_t use = 0; use <= nb; use += 7) {
                cr_assert_eq(kfk__crc32c_span(buf, blocks, use, off, len), want,
                             "off %zu len %zu with %zu blocks", off, len, use);
                checked++;
            }
            cr_assert_eq(kfk__crc32c_span(buf, blocks, nb, off, len), want);
            cr_assert_eq(kfk__crc32c_span(buf, NULL, 0, off, len), want);
        }
    }
    cr_assert_gt(checked, 300);
    /* A wrong block register shows: the span's CRC changes. */
    blocks[4] ^= 1;
    cr_assert_neq(kfk__crc32c_span(buf, blocks, nb, 100, 10 * KFK__CRC_BLOCK),
                  kfk_crc32c(0, buf + 100, 10 * KFK__CRC_BLOCK));
    free(buf);
}

Test(crc32, matches_the_ieee_check_value) {
    cr_assert_eq(kfk_crc32(0, "123456789", 9), 0xCBF43926u);
    cr_assert_eq(kfk_crc32(0, "", 0), 0);
    cr_assert_eq(kfk_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}

Test(crc32, chains_across_calls_at_every_alignment) {
    uint8_t buf[300];
    uint64_t seed = 42;
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rng_next(&seed);
    /* A bitwise reference implementation. */
    for (size_t off = 0; off < 8; off++) {
        uint32_t ref = 0xFFFFFFFFu;
        for (size_t i = off; i < sizeof buf; i++) {
            ref ^= buf[i];
            for (int k = 0; k < 8; k++)
                ref = (ref >> 1) ^ (0xEDB88320u & (0u - (ref & 1)));
        }
        ref = ~ref;
        size_t n = sizeof buf - off;
        cr_assert_eq(kfk_crc32(0, buf + off, n), ref);
        cr_assert_eq(kfk_crc32(kfk_crc32(0, buf + off, n / 3), buf + off + n / 3, n - n / 3), ref);
    }
}
