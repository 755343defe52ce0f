/*
 * test_msgpack_key.c: the dotted-path key finder kfk_msgpack_key_at and the bounds check
 * kfk__msgpack_check (src/client/format/msgpack_key.c) on hand-made msgpack bytes: key forms of
 * every scalar, paths that miss, every msgpack type skipped on the way, every truncation, counts
 * larger than the input, the 64-level nesting limit and non-string (container) map keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "client/format/json.h"
#include "kfk/kfk.h"

/* Appends the bytes written as hex pairs in @p hex ("cc ff") to buf at *len. */
static void put_hex(uint8_t *buf, size_t cap, size_t *len, const char *hex) {
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        cr_assert_eq(sscanf(p, "%2x", &v), 1, "bad hex in test: %s", hex);
        cr_assert_lt(*len, cap);
        buf[(*len)++] = (uint8_t)v;
        p += 2;
    }
}

/* Looks @p path up in the msgpack written as @p hex, expecting @p want_err and (on success)
 * the key @p want. */
static void expect_key(const char *hex, const char *path, kfk_err_t want_err, const char *want) {
    uint8_t data[512];
    size_t len = 0;
    char out[64];
    size_t keylen = 999;
    put_hex(data, sizeof data, &len, hex);
    kfk_err_t err = kfk_msgpack_key_at(data, len, path, out, sizeof out, &keylen);
    cr_assert_eq(err, want_err, "%s in %s: %s, want %s", path, hex, kfk_err_name(err),
                 kfk_err_name(want_err));
    if (!want_err) {
        cr_assert_eq(keylen, strlen(want), "%s: key length %zu", path, keylen);
        cr_expect_eq(memcmp(out, want, keylen), 0, "%s: got %.*s, want %s", path, (int)keylen, out,
                     want);
    }
}

/* One value of every msgpack type and width, each complete. */
static const char *const every_type[] = {
    "c0",                                                    /* nil */
    "c2",                                                    /* false */
    "05",                                                    /* positive fixint */
    "e0",                                                    /* negative fixint */
    "cc ff",                                                 /* uint 8 */
    "cd ff ff",                                              /* uint 16 */
    "ce ff ff ff ff",                                        /* uint 32 */
    "cf ff ff ff ff ff ff ff ff",                            /* uint 64 */
    "d0 80",                                                 /* int 8 */
    "d1 80 00",                                              /* int 16 */
    "d2 80 00 00 00",                                        /* int 32 */
    "d3 80 00 00 00 00 00 00 00",                            /* int 64 */
    "ca 3f c0 00 00",                                        /* float 32 */
    "cb 3f f8 00 00 00 00 00 00",                            /* float 64 */
    "a3 61 62 63",                                           /* fixstr */
    "d9 02 68 69",                                           /* str 8 */
    "da 00 02 68 69",                                        /* str 16 */
    "db 00 00 00 02 68 69",                                  /* str 32 */
    "c4 01 00",                                              /* bin 8 */
    "c5 00 01 00",                                           /* bin 16 */
    "c6 00 00 00 01 00",                                     /* bin 32 */
    "d4 01 00",                                              /* fixext 1 */
    "d5 01 00 00",                                           /* fixext 2 */
    "d6 01 00 00 00 00",                                     /* fixext 4 */
    "d7 01 00 00 00 00 00 00 00 00",                         /* fixext 8 */
    "d8 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", /* fixext 16 */
    "c7 02 01 aa bb",                                        /* ext 8 */
    "c8 00 02 01 aa bb",                                     /* ext 16 */
    "c9 00 00 00 02 01 aa bb",                               /* ext 32 */
    "92 01 a1 7a",                                           /* fixarray */
    "dc 00 02 01 02",                                        /* array 16 */
    "dd 00 00 00 01 c0",                                     /* array 32 */
    "81 a1 6b 91 c3",                                        /* fixmap holding an array */
    "de 00 01 a1 6b 01",                                     /* map 16 */
    "df 00 00 00 01 a1 6b 80",                               /* map 32 */
};
#define N_TYPES (sizeof every_type / sizeof every_type[0])

/* A map16 of every value above under key "x", then "id": "found". */
static size_t every_type_map(uint8_t *buf, size_t cap) {
    size_t len = 0;
    char head[16];
    snprintf(head, sizeof head, "de 00 %02zx", N_TYPES + 1);
    put_hex(buf, cap, &len, head);
    for (size_t i = 0; i < N_TYPES; i++) {
        put_hex(buf, cap, &len, "a1 78");
        put_hex(buf, cap, &len, every_type[i]);
    }
    put_hex(buf, cap, &len, "a2 69 64 a5 66 6f 75 6e 64");
    return len;
}

/* ---- key forms ------------------------------------------------------------------------------ */

Test(msgpack_key, gives_a_string_as_its_bytes) {
    expect_key("81 a2 69 64 a3 61 62 63", "id", KFK_ERR_NONE, "abc");
    expect_key("81 a2 69 64 a0", "id", KFK_ERR_NONE, "");
    uint8_t nul[] = {0x81, 0xa2, 'i', 'd', 0xda, 0x00, 0x03, 'a', 0x00, 'b'};
    char out[8];
    size_t keylen = 0;
    cr_assert_eq(kfk_msgpack_key_at(nul, sizeof nul, "id", out, sizeof out, &keylen), KFK_ERR_NONE);
    cr_expect_eq(keylen, 3);
    cr_expect_eq(memcmp(out, "a\0b", 3), 0);
}

Test(msgpack_key, gives_integers_in_decimal) {
    expect_key("81 a1 6e 2a", "n", KFK_ERR_NONE, "42");
    expect_key("81 a1 6e f9", "n", KFK_ERR_NONE, "-7");
    expect_key("81 a1 6e cf ff ff ff ff ff ff ff ff", "n", KFK_ERR_NONE, "18446744073709551615");
    expect_key("81 a1 6e d3 80 00 00 00 00 00 00 00", "n", KFK_ERR_NONE, "-9223372036854775808");
    expect_key("81 a1 6e d1 ff 38", "n", KFK_ERR_NONE, "-200");
    expect_key("81 a1 6e d2 7f ff ff ff", "n", KFK_ERR_NONE, "2147483647");
}

Test(msgpack_key, gives_booleans_as_python_spells_them) {
    expect_key("81 a1 62 c3", "b", KFK_ERR_NONE, "True");
    expect_key("81 a1 62 c2", "b", KFK_ERR_NONE, "False");
}

Test(msgpack_key, refuses_values_that_are_not_key_scalars) {
    static const char *const values[] = {
        "c0", "cb 3f f8 00 00 00 00 00 00", "ca 3f c0 00 00", "c4 01 00", "90", "80", "d4 01 00"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char hex[64];
        snprintf(hex, sizeof hex, "81 a1 76 %s", values[i]);
        expect_key(hex, "v", KFK_ERR__KEY_PATH, NULL);
    }
}

Test(msgpack_key, refuses_a_key_longer_than_the_output) {
    uint8_t data[] = {0x81, 0xa1, 'k', 0xa4, 'a', 'b', 'c', 'd'};
    char out[4];
    size_t keylen = 0;
    cr_expect_eq(kfk_msgpack_key_at(data, sizeof data, "k", out, 3, &keylen), KFK_ERR__KEY_PATH);
    cr_expect_eq(kfk_msgpack_key_at(data, sizeof data, "k", out, 4, &keylen), KFK_ERR_NONE);
    cr_expect_eq(keylen, 4);
    cr_expect_eq(memcmp(out, "abcd", 4), 0);
    uint8_t num[] = {0x81, 0xa1, 'k', 0xcd, 0x30, 0x39}; /* 12345 */
    cr_expect_eq(kfk_msgpack_key_at(num, sizeof num, "k", out, 4, &keylen), KFK_ERR__KEY_PATH);
}

/* ---- paths ---------------------------------------------------------------------------------- */

Test(msgpack_key, follows_a_dotted_path_through_nested_maps) {
    /* {"user": {"name": "x", "id": 42}} */
    expect_key("81 a4 75 73 65 72 82 a4 6e 61 6d 65 a1 78 a2 69 64 2a", "user.id", KFK_ERR_NONE,
               "42");
    /* {"a": {"b": {"c": "deep"}}} */
    expect_key("81 a1 61 81 a1 62 81 a1 63 a4 64 65 65 70", "a.b.c", KFK_ERR_NONE, "deep");
}

Test(msgpack_key, misses_a_key_that_is_absent_or_only_a_prefix) {
    expect_key("81 a3 69 64 78 01", "id", KFK_ERR__KEY_PATH, NULL);
    expect_key("81 a2 69 64 01", "idx", KFK_ERR__KEY_PATH, NULL);
    expect_key("80", "id", KFK_ERR__KEY_PATH, NULL);
    expect_key("81 a2 69 64 01", "ID", KFK_ERR__KEY_PATH, NULL);
}

Test(msgpack_key, does_not_treat_a_dotted_key_as_a_path) {
    expect_key("81 a3 61 2e 62 01", "a.b", KFK_ERR__KEY_PATH, NULL);
}

Test(msgpack_key, refuses_a_path_through_a_scalar_or_from_a_non_map) {
    expect_key("81 a2 69 64 a1 78", "id.x", KFK_ERR__KEY_PATH, NULL);
    expect_key("92 01 02", "id", KFK_ERR__KEY_PATH, NULL);
    expect_key("a2 69 64", "id", KFK_ERR__KEY_PATH, NULL);
}

Test(msgpack_key, refuses_an_empty_or_missing_path) {
    uint8_t data[] = {0x81, 0xa0, 0x01};
    char out[8];
    size_t keylen;
    cr_expect_eq(kfk_msgpack_key_at(data, sizeof data, "", out, sizeof out, &keylen),
                 KFK_ERR__KEY_PATH);
    cr_expect_eq(kfk_msgpack_key_at(data, sizeof data, NULL, out, sizeof out, &keylen),
                 KFK_ERR__KEY_PATH);
}

Test(msgpack_key, takes_the_first_of_duplicate_keys) {
    expect_key("82 a1 6b 01 a1 6b 02", "k", KFK_ERR_NONE, "1");
}

Test(msgpack_key, skips_non_string_keys) {
    /* {1: "x", nil: [1], "id": 5} */
    expect_key("83 01 a1 78 c0 91 01 a2 69 64 05", "id", KFK_ERR_NONE, "5");
}

Test(msgpack_key, skips_a_container_key_as_a_whole) {
    /* {[1, 2]: "x", "id": 5} */
    expect_key("82 92 01 02 a1 78 a2 69 64 05", "id", KFK_ERR_NONE, "5");
    /* {{"a": "id"}: 1, "id": 2}: the "id" inside the key is no match. */
    expect_key("82 81 a1 61 a2 69 64 01 a2 69 64 02", "id", KFK_ERR_NONE, "2");
}

Test(msgpack_key, skips_every_msgpack_type_to_reach_the_key) {
    uint8_t data[512];
    size_t len = every_type_map(data, sizeof data);
    char out[16];
    size_t keylen = 0;
    cr_assert_eq(kfk_msgpack_key_at(data, len, "id", out, sizeof out, &keylen), KFK_ERR_NONE);
    cr_expect_eq(keylen, 5);
    cr_expect_eq(memcmp(out, "found", 5), 0);
}

Test(msgpack_key, ignores_bytes_after_the_value_found) {
    expect_key("82 a1 6b 01 c1", "k", KFK_ERR_NONE, "1");
}

/* ---- malformed input ------------------------------------------------------------------------ */

Test(msgpack_key, reports_every_truncation_as_a_bad_message) {
    uint8_t data[512];
    size_t len = every_type_map(data, sizeof data);
    char out[16];
    size_t keylen;
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any overread */
        cr_assert_not_null(copy);
        memcpy(copy, data, n);
        kfk_err_t err = kfk_msgpack_key_at(copy, n, "id", out, sizeof out, &keylen);
        free(copy);
        cr_expect_eq(err, KFK_ERR__BAD_MSG, "%zu of %zu bytes: %s", n, len, kfk_err_name(err));
    }
}

Test(msgpack_key, reports_the_never_used_byte_as_a_bad_message) {
    expect_key("c1", "id", KFK_ERR__BAD_MSG, NULL);
    expect_key("82 a1 78 c1 a2 69 64 01", "id", KFK_ERR__BAD_MSG, NULL);
}

Test(msgpack_key, reports_a_count_beyond_the_input_as_a_bad_message) {
    expect_key("df ff ff ff ff a1 78 01", "id", KFK_ERR__BAD_MSG, NULL);
    expect_key("81 a1 78 dd ff ff ff ff 01 a2 69 64 01", "id", KFK_ERR__BAD_MSG, NULL);
    expect_key("81 a1 78 db ff ff ff ff 61", "id", KFK_ERR__BAD_MSG, NULL);
}

Test(msgpack_key, refuses_to_skip_nesting_deeper_than_64) {
    /* {"x": [[[...]]] 65 arrays deep, "id": 1}: the innermost array is at depth 65. */
    char hex[512] = "82 a1 78 ";
    for (int i = 0; i < 64; i++)
        strcat(hex, "91 ");
    strcat(hex, "90 a2 69 64 01");
    expect_key(hex, "id", KFK_ERR__BAD_MSG, NULL);
    /* 64 arrays deep (the innermost at depth 64) is fine. */
    char ok[512] = "82 a1 78 ";
    for (int i = 0; i < 63; i++)
        strcat(ok, "91 ");
    strcat(ok, "90 a2 69 64 01");
    expect_key(ok, "id", KFK_ERR_NONE, "1");
}

/* ---- kfk__msgpack_check --------------------------------------------------------------------- */

/* @p fn (kfk__msgpack_check or kfk_msgpack_value_size) on exactly the bytes written as @p hex
 * (a heap copy of that size, so that a read past them is ASan's to see). */
static int on_hex(int (*fn)(const void *, size_t, size_t *), const char *hex, size_t *out) {
    uint8_t data[512];
    size_t len = 0;
    put_hex(data, sizeof data, &len, hex);
    uint8_t *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, data, len);
    int r = fn(copy, len, out);
    free(copy);
    return r;
}

static int check_hex(const char *hex, size_t *used) {
    return on_hex(kfk__msgpack_check, hex, used);
}

Test(msgpack_check, accepts_every_type_with_its_exact_size) {
    for (size_t i = 0; i < N_TYPES; i++) {
        size_t used = 0, want = (strlen(every_type[i]) + 1) / 3;
        cr_expect_eq(check_hex(every_type[i], &used), 1, "%s", every_type[i]);
        cr_expect_eq(used, want, "%s: used %zu, want %zu", every_type[i], used, want);
    }
}

Test(msgpack_check, rejects_every_truncation_of_every_type) {
    for (size_t i = 0; i < N_TYPES; i++) {
        size_t n = (strlen(every_type[i]) + 1) / 3;
        for (size_t k = 0; k < n; k++) {
            char prefix[128];
            snprintf(prefix, sizeof prefix, "%.*s", (int)(k * 3), every_type[i]);
            cr_expect_eq(check_hex(prefix, NULL), 0, "%s cut to %zu bytes", every_type[i], k);
        }
    }
}

Test(msgpack_check, measures_only_the_first_value) {
    size_t used = 0;
    cr_expect_eq(check_hex("92 01 02 ff ff", &used), 1);
    cr_expect_eq(used, 3);
    uint8_t data[512];
    size_t len = every_type_map(data, sizeof data);
    cr_expect_eq(kfk__msgpack_check(data, len, &used), 1);
    cr_expect_eq(used, len);
}

Test(msgpack_check, rejects_counts_larger_than_the_bytes_left) {
    cr_expect_eq(check_hex("dd ff ff ff ff", NULL), 0);
    cr_expect_eq(check_hex("df ff ff ff ff c0 c0", NULL), 0);
    cr_expect_eq(check_hex("9f 00 00 00 00 00 00 00 00 00 00 00 00 00", NULL), 0);
    /* A map's count is of pairs: one pair needs two values. */
    cr_expect_eq(check_hex("81 01", NULL), 0);
    cr_expect_eq(check_hex("db ff ff ff ff 61", NULL), 0);
    cr_expect_eq(check_hex("c9 ff ff ff ff 01", NULL), 0);
}

Test(msgpack_check, rejects_the_never_used_byte_anywhere) {
    cr_expect_eq(check_hex("c1", NULL), 0);
    cr_expect_eq(check_hex("93 01 c1 02", NULL), 0);
}

Test(msgpack_check, rejects_empty_input) {
    size_t used = 7;
    cr_expect_eq(kfk__msgpack_check("", 0, &used), 0);
    cr_expect_eq(used, 7);
}

Test(msgpack_check, allows_65_levels_of_nesting_and_no_more) {
    uint8_t data[80];
    memset(data, 0x91, sizeof data);
    data[64] = 0x90; /* 64 one-item arrays around an empty one: depths 0..64 */
    size_t used = 0;
    cr_expect_eq(kfk__msgpack_check(data, 65, &used), 1);
    cr_expect_eq(used, 65);
    data[64] = 0x91;
    data[65] = 0x90; /* the empty array now sits at depth 65 */
    cr_expect_eq(kfk__msgpack_check(data, 66, NULL), 0);
}

/* ---- kfk_msgpack_value_size: values in a stream ------------------------------------------ */

static int size_hex(const char *hex, size_t *size) {
    return on_hex(kfk_msgpack_value_size, hex, size);
}

Test(msgpack_value_size, measures_every_type_and_asks_for_more_on_every_prefix) {
    for (size_t i = 0; i < N_TYPES; i++) {
        size_t size = 0, n = (strlen(every_type[i]) + 1) / 3;
        cr_expect_eq(size_hex(every_type[i], &size), 1, "%s", every_type[i]);
        cr_expect_eq(size, n, "%s: size %zu, want %zu", every_type[i], size, n);
        for (size_t k = 0; k < n; k++) {
            char prefix[128];
            snprintf(prefix, sizeof prefix, "%.*s", (int)(k * 3), every_type[i]);
            cr_expect_eq(size_hex(prefix, &size), 0, "%s cut to %zu bytes", every_type[i], k);
        }
    }
}

Test(msgpack_value_size, measures_the_first_value_of_a_stream) {
    size_t size = 0;
    cr_expect_eq(size_hex("92 01 02 93 01", &size), 1);
    cr_expect_eq(size, 3);
}

Test(msgpack_value_size, asks_for_more_when_counts_pass_the_bytes_instead_of_refusing) {
    /* In a stream the rest may follow; nothing is allocated from the counts either way. */
    size_t size = 0;
    cr_expect_eq(size_hex("dd ff ff ff ff", &size), 0);
    cr_expect_eq(size_hex("df ff ff ff ff c0 c0", &size), 0);
    cr_expect_eq(size_hex("db ff ff ff ff 61", &size), 0);
    cr_expect_eq(size_hex("81 01", &size), 0);
}

Test(msgpack_value_size, refuses_the_never_used_byte_and_deep_nesting) {
    size_t size = 7;
    cr_expect_eq(size_hex("c1", &size), -1);
    cr_expect_eq(size_hex("93 01 c1 02", &size), -1);
    uint8_t data[80];
    memset(data, 0x91, sizeof data); /* 80 one-item arrays, unfinished: too deep already */
    cr_expect_eq(kfk_msgpack_value_size(data, sizeof data, &size), -1);
    cr_expect_eq(size, 7);
    cr_expect_eq(kfk_msgpack_value_size(NULL, 0, &size), -1);
}
