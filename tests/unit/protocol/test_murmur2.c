/*
 * test_murmur2.c: kfk_murmur2 and kfk_murmur2_partition against Kafka's Java client. The first
 * six hashes are Kafka's own test vectors (UtilsTest.testMurmur2); the partitions and the
 * empty-key row follow from Utils.toPositive(murmur2(key)) % partitions (reference section 7).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

struct vector {
    const char *key;
    size_t len;
    int32_t hash;
    int32_t positive;
    int32_t partition[4]; /* for 3, 4, 6 and 12 partitions */
};

static const struct vector vectors[] = {
    {"21", 2, -973932308, 1173551340, {0, 0, 0, 0}},
    {"foobar", 6, -790332482, 1357151166, {0, 2, 0, 6}},
    {"a-little-bit-long-string", 24, -985981536, 1161502112, {2, 0, 2, 8}},
    {"a-little-bit-longer-string", 26, -1486304829, 661178819, {2, 3, 5, 11}},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48, -58897971, 2088585677, {2, 1, 5, 5}},
    {"abc", 3, 479470107, 479470107, {0, 3, 3, 3}},
    {"", 0, 275646681, 275646681, {0, 1, 3, 9}},
};

static const int32_t counts[4] = {3, 4, 6, 12};

Test(murmur2, hashes_match_kafkas_java_test_vectors) {
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        cr_assert_eq(strlen(v->key), v->len, "vector %zu length", i);
        cr_assert_eq(kfk_murmur2(v->key, v->len), v->hash, "murmur2(\"%s\") = %d, want %d", v->key,
                     kfk_murmur2(v->key, v->len), v->hash);
        cr_assert_eq(kfk_murmur2(v->key, v->len) & 0x7fffffff, v->positive, "\"%s\"", v->key);
    }
}

Test(murmur2, partitions_match_javas_default_partitioner_for_3_4_6_and_12) {
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        for (size_t c = 0; c < 4; c++)
            cr_assert_eq(kfk_murmur2_partition(v->key, v->len, counts[c]), v->partition[c],
                         "\"%s\" over %d partitions: %d, want %d", v->key, counts[c],
                         kfk_murmur2_partition(v->key, v->len, counts[c]), v->partition[c]);
    }
}

Test(murmur2, the_byte_array_abc_hashes_like_the_string_abc) {
    static const uint8_t abc[] = {'a', 'b', 'c'};
    cr_assert_eq(kfk_murmur2(abc, sizeof abc), 479470107);
}

Test(murmur2, an_empty_key_is_hashed_not_treated_as_null) {
    cr_assert_eq(kfk_murmur2(NULL, 0), 275646681);
    cr_assert_eq(kfk_murmur2("", 0), 275646681);
    cr_assert_eq(kfk_murmur2_partition(NULL, 0, 12), 9);
}

Test(murmur2, to_positive_masks_the_sign_bit_rather_than_taking_abs) {
    /* "21" hashes to -973932308: abs() would give 973932308 (partition 2 of 6), Kafka's mask
     * gives 1173551340 (partition 0 of 6). */
    cr_assert_eq(kfk_murmur2_partition("21", 2, 6), 0);
    cr_assert_neq(973932308 % 6, 0);
}

Test(murmur2, a_partition_count_below_one_gives_minus_one) {
    cr_assert_eq(kfk_murmur2_partition("foobar", 6, 0), -1);
    cr_assert_eq(kfk_murmur2_partition("foobar", 6, -3), -1);
    cr_assert_eq(kfk_murmur2_partition("foobar", 6, 1), 0);
}

Test(murmur2, every_partition_is_within_range_and_all_are_used) {
    int seen[7] = {0};
    char key[16];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        int32_t p = kfk_murmur2_partition(key, (size_t)n, 7);
        cr_assert(p >= 0 && p < 7);
        seen[p]++;
    }
    for (int p = 0; p < 7; p++)
        cr_assert_gt(seen[p], 80, "partition %d got %d of 1000 keys", p, seen[p]);
}
