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
