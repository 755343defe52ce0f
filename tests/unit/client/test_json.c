/*
 * test_json.c: JSON text <-> msgpack inside libkfk (src/client/format/json.c): the exact msgpack
 * bytes of JSON values (integers kept exact up to 64 bits, escapes, surrogate pairs), every
 * parse error with its message and byte offset, the 64-level nesting limit, and msgpack objects
 * rendered back as JSON (string escaping, shortest round-trip doubles, non-string map keys).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <msgpack.h>

#include "client/format/json.h"

/* The bytes of @p w as lowercase hex, space-separated (a static buffer). */
static const char *hex(const kfk_wbuf_t *w) {
    static char buf[2048];
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < w->len && off + 4 < sizeof buf; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%02x", i ? " " : "", w->data[i]);
    return buf;
}

/* Converts @p json and checks its msgpack bytes against @p want_hex. */
static void expect_msgpack(const char *json, const char *want_hex) {
    kfk_wbuf_t w;
    char errstr[128] = "";
    kfk_wbuf_init(&w);
    kfk_err_t err = kfk__json_to_msgpack(json, strlen(json), &w, errstr, sizeof errstr);
    cr_assert_eq(err, KFK_ERR_NONE, "%s: %s", json, errstr);
    cr_expect_str_eq(hex(&w), want_hex, "%s", json);
    kfk_wbuf_free(&w);
}

/* Converts @p json of @p len bytes expecting KFK_ERR__VALUE_DECODE with exactly @p msg. */
static void expect_error_n(const char *json, size_t len, const char *msg) {
    kfk_wbuf_t w;
    char errstr[128] = "";
    kfk_wbuf_init(&w);
    kfk_err_t err = kfk__json_to_msgpack(json, len, &w, errstr, sizeof errstr);
    cr_expect_eq(err, KFK_ERR__VALUE_DECODE, "%.*s: %s", (int)len, json, kfk_err_name(err));
    cr_expect_str_eq(errstr, msg, "%.*s: got \"%s\", want \"%s\"", (int)len, json, errstr, msg);
    kfk_wbuf_free(&w);
}

static void expect_error(const char *json, const char *msg) {
    expect_error_n(json, strlen(json), msg);
}

/* Renders @p o as JSON and checks the text. */
static void expect_json_of(const msgpack_object *o, const char *want) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk__msgpack_object_to_json(o, &w);
    cr_assert_eq(w.err, KFK_ERR_NONE);
    cr_expect_eq(w.len, strlen(want), "got %.*s, want %s", (int)w.len, (const char *)w.data, want);
    cr_expect_eq(memcmp(w.data, want, w.len), 0, "got %.*s, want %s", (int)w.len,
                 (const char *)w.data, want);
    kfk_wbuf_free(&w);
}

/* Unpacks msgpack @p data and checks its JSON text. */
static void expect_json_of_bytes(const void *data, size_t len, const char *want) {
    msgpack_unpacked up;
    size_t off = 0;
    msgpack_unpacked_init(&up);
    cr_assert_eq(msgpack_unpack_next(&up, data, len, &off), MSGPACK_UNPACK_SUCCESS);
    cr_assert_eq(off, len);
    expect_json_of(&up.data, want);
    msgpack_unpacked_destroy(&up);
}

/* JSON -> msgpack -> JSON. */
static void expect_round_trip(const char *json, const char *want) {
    kfk_wbuf_t w;
    char errstr[128] = "";
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk__json_to_msgpack(json, strlen(json), &w, errstr, sizeof errstr), KFK_ERR_NONE,
                 "%s: %s", json, errstr);
    expect_json_of_bytes(w.data, w.len, want);
    kfk_wbuf_free(&w);
}

/* ---- JSON -> msgpack: values ------------------------------------------------------------------
 */

Test(json, packs_scalars_as_their_msgpack_types) {
    expect_msgpack("null", "c0");
    expect_msgpack("true", "c3");
    expect_msgpack("false", "c2");
    expect_msgpack("0", "00");
    expect_msgpack("127", "7f");
    expect_msgpack("200", "cc c8");
    expect_msgpack("-1", "ff");
    expect_msgpack("-200", "d1 ff 38");
    expect_msgpack("\"\"", "a0");
    expect_msgpack("\"hi\"", "a2 68 69");
}

Test(json, keeps_64_bit_integers_exact) {
    expect_msgpack("18446744073709551615", "cf ff ff ff ff ff ff ff ff");
    expect_msgpack("9223372036854775807", "cf 7f ff ff ff ff ff ff ff");
    expect_msgpack("-9223372036854775808", "d3 80 00 00 00 00 00 00 00");
}

Test(json, turns_integers_beyond_64_bits_into_doubles) {
    expect_msgpack("18446744073709551616", "cb 43 f0 00 00 00 00 00 00");
    expect_msgpack("-9223372036854775809", "cb c3 e0 00 00 00 00 00 00");
}

Test(json, packs_fractions_and_exponents_as_float64) {
    expect_msgpack("1.5", "cb 3f f8 00 00 00 00 00 00");
    expect_msgpack("1e2", "cb 40 59 00 00 00 00 00 00");
    expect_msgpack("-2.5E-1", "cb bf d0 00 00 00 00 00 00");
}

Test(json, packs_containers_with_their_counts_in_order) {
    expect_msgpack("[]", "90");
    expect_msgpack("{}", "80");
    expect_msgpack(" [ 1 , [ ] , { } ] ", "93 01 90 80");
    expect_msgpack("{\"a\":1,\"b\":[true,null]}", "82 a1 61 01 a1 62 92 c3 c0");
}

Test(json, counts_elements_without_being_fooled_by_brackets_or_commas_in_strings) {
    expect_msgpack("[\"a\\\",b\",1]", "92 a4 61 22 2c 62 01");
    expect_msgpack("{\"[\":\"}\"}", "81 a1 5b a1 7d");
    expect_msgpack("[\"\\\\\",\"]\"]", "92 a1 5c a1 5d");
}

Test(json, decodes_every_escape) {
    expect_msgpack("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "a8 22 5c 2f 08 0c 0a 0d 09");
}

Test(json, decodes_unicode_escapes_to_utf8) {
    expect_msgpack("\"\\u0041\\u00e9\\u20AC\"", "a6 41 c3 a9 e2 82 ac");
    expect_msgpack("\"\\ud83d\\ude00\"", "a4 f0 9f 98 80");
    expect_msgpack("\"\\u0000\"", "a1 00");
}

Test(json, passes_raw_utf8_through) {
    expect_msgpack("\"\xc3\xa9\"", "a2 c3 a9");
}

Test(json, uses_str8_for_strings_of_32_bytes_and_more) {
    char json[40];
    snprintf(json, sizeof json, "\"%s\"", "abcdefghijklmnopqrstuvwxyz012345");
    expect_msgpack(json, "d9 20 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 "
                         "76 77 78 79 7a 30 31 32 33 34 35");
}

Test(json, appends_to_what_the_buffer_holds) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_wbuf_put_raw(&w, "\x01", 1);
    cr_assert_eq(kfk__json_to_msgpack("[2]", 3, &w, NULL, 0), KFK_ERR_NONE);
    cr_expect_str_eq(hex(&w), "01 91 02");
    kfk_wbuf_free(&w);
}

Test(json, reads_only_the_given_length) {
    expect_msgpack("1", "01");
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk__json_to_msgpack("[1]garbage", 3, &w, NULL, 0), KFK_ERR_NONE);
    cr_expect_str_eq(hex(&w), "91 01");
    kfk_wbuf_free(&w);
}

/* ---- JSON -> msgpack: errors ------------------------------------------------------------------
 */

Test(json, rejects_empty_input) {
    expect_error("", "unexpected end at byte 0");
    expect_error("  \n", "unexpected end at byte 3");
}

Test(json, rejects_trailing_characters) {
    expect_error("1 2", "trailing characters at byte 2");
    expect_error("{} x", "trailing characters at byte 3");
}

Test(json, rejects_unbalanced_brackets) {
    expect_error("[1,2", "unbalanced brackets at byte 1");
    expect_error("{\"a\":[1}", "unbalanced brackets at byte 1");
    expect_error("[1}", "unbalanced brackets at byte 1");
}

Test(json, rejects_missing_separators) {
    expect_error("[1 2]", "expected a closing bracket at byte 3");
    expect_error("{\"a\" 1}", "expected ':' at byte 5");
    expect_error("{1:2}", "expected a key at byte 1");
}

Test(json, rejects_trailing_commas) {
    expect_error("[1,]", "bad number at byte 3");
    expect_error("{\"a\":1,}", "expected a key at byte 7");
}

Test(json, rejects_bad_literals_and_numbers) {
    expect_error("tru", "bad number at byte 0");
    expect_error("nul", "bad number at byte 0");
    expect_error("NaN", "bad number at byte 0");
    expect_error("-", "bad number at byte 1");
    expect_error(".5", "bad number at byte 0");
    expect_error("1e999", "bad number at byte 5");
    expect_error("1.2.3", "bad number at byte 5");
}

Test(json, rejects_a_number_too_long_to_parse) {
    char digits[80];
    memset(digits, '1', 70);
    digits[70] = '\0';
    expect_error(digits, "number too long at byte 70");
}

Test(json, rejects_bad_strings) {
    expect_error("\"abc", "unterminated string at byte 4");
    expect_error("\"abc\\", "unterminated string at byte 5");
    expect_error("\"a\x01\"", "control character in string at byte 3");
    expect_error("\"\\x\"", "bad escape at byte 3");
    expect_error("\"\\u12g4\"", "bad \\u escape at byte 6");
    expect_error("\"\\u12\"", "bad \\u escape at byte 6");
}

Test(json, rejects_an_embedded_nul_byte) {
    expect_error_n("[1,\0]", 5, "bad number at byte 3");
}

Test(json, leaves_errstr_alone_on_success_and_accepts_none) {
    char errstr[16] = "untouched";
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_expect_eq(kfk__json_to_msgpack("1", 1, &w, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_expect_str_eq(errstr, "untouched");
    cr_expect_eq(kfk__json_to_msgpack("[", 1, &w, NULL, 0), KFK_ERR__VALUE_DECODE);
    kfk_wbuf_free(&w);
}

/* ---- nesting -------------------------------------------------------------------------------- */

/* @p depth nested empty arrays ("[[...]]"). */
static void nested(char *buf, int depth) {
    memset(buf, '[', (size_t)depth);
    memset(buf + depth, ']', (size_t)depth);
    buf[2 * depth] = '\0';
}

Test(json, accepts_65_nested_arrays) {
    char json[200];
    nested(json, 65);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk__json_to_msgpack(json, strlen(json), &w, NULL, 0), KFK_ERR_NONE);
    cr_expect_eq(w.len, 65);
    for (size_t i = 0; i < 64; i++)
        cr_expect_eq(w.data[i], 0x91, "byte %zu", i);
    cr_expect_eq(w.data[64], 0x90);
    kfk_wbuf_free(&w);
}

Test(json, rejects_66_nested_arrays) {
    char json[200];
    nested(json, 66);
    expect_error(json, "nesting too deep at byte 65");
}

Test(json, rejects_deep_nesting_of_objects) {
    char json[1000];
    size_t off = 0;
    for (int i = 0; i < 70; i++)
        off += (size_t)snprintf(json + off, sizeof json - off, "{\"a\":");
    off += (size_t)snprintf(json + off, sizeof json - off, "1");
    memset(json + off, '}', 70);
    json[off + 70] = '\0';
    /* Each "{\"a\":" is 5 bytes; the 66th value (at depth 65) starts at byte 65 * 5. */
    expect_error(json, "nesting too deep at byte 325");
}

/* ---- msgpack -> JSON ------------------------------------------------------------------------- */

Test(json, round_trips_a_document) {
    expect_round_trip(" {\"a\" : [1, -2, 3.5, \"x\\u00e9\", true, null, {}], \"b\": {\"c\": []}} ",
                      "{\"a\":[1,-2,3.5,\"x\xc3\xa9\",true,null,{}],\"b\":{\"c\":[]}}");
    expect_round_trip("[18446744073709551615,-9223372036854775808]",
                      "[18446744073709551615,-9223372036854775808]");
}

Test(json, escapes_quotes_backslashes_and_control_characters_only) {
    expect_round_trip("\"q\\\" b\\\\ s/ \\n\\t\\u0001\\u001f\\u007f\"",
                      "\"q\\\" b\\\\ s/ \\u000a\\u0009\\u0001\\u001f\x7f\"");
}

Test(json, writes_doubles_as_the_shortest_text_that_stays_a_float) {
    expect_round_trip("[15.0,0.1,1e100,-0.5,1e-7,123456789.125]",
                      "[15.0,0.1,1e+100,-0.5,1e-07,123456789.125]");
}

Test(json, writes_a_float32_at_its_double_value) {
    static const uint8_t f32[] = {0xca, 0x3d, 0xcc, 0xcc, 0xcd}; /* 0.1f */
    expect_json_of_bytes(f32, sizeof f32, "0.10000000149011612");
    static const uint8_t half[] = {0xca, 0x3f, 0xc0, 0x00, 0x00}; /* 1.5f */
    expect_json_of_bytes(half, sizeof half, "1.5");
}

Test(json, writes_non_finite_doubles_as_null) {
    static const uint8_t nan[] = {0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    static const uint8_t inf[] = {0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0};
    expect_json_of_bytes(nan, sizeof nan, "null");
    expect_json_of_bytes(inf, sizeof inf, "null");
}

Test(json, writes_binaries_as_strings) {
    static const uint8_t bin[] = {0xc4, 0x03, 'a', '"', 0x00};
    expect_json_of_bytes(bin, sizeof bin, "\"a\\\"\\u0000\"");
}

Test(json, writes_scalar_map_keys_as_their_quoted_json_text) {
    /* {1: "i", -1: "n", nil: 0, true: 1, 1.5: 2, bin "k": 3} */
    static const uint8_t map[] = {0x86, 0x01, 0xa1, 'i',  0xff, 0xa1, 'n', 0xc0, 0x00,
                                  0xc3, 0x01, 0xcb, 0x3f, 0xf8, 0,    0,   0,    0,
                                  0,    0,    0x02, 0xc4, 0x01, 'k',  0x03};
    expect_json_of_bytes(map, sizeof map,
                         "{\"1\":\"i\",\"-1\":\"n\",\"null\":0,\"true\":1,\"1.5\":2,\"k\":3}");
}

Test(json, writes_container_map_keys_as_placeholders) {
    static const uint8_t map[] = {0x82, 0x91, 0x01, 0x01, 0x81, 0xa1, 'a', 0x02, 0x02};
    expect_json_of_bytes(map, sizeof map, "{\"[array]\":1,\"[map]\":2}");
}

Test(json, writes_ext_values_as_null) {
    static const uint8_t ext[] = {0x92, 0xd4, 0x01, 0x02, 0x03};
    expect_json_of_bytes(ext, sizeof ext, "[null,3]");
}

Test(json, writes_null_below_64_levels_of_nesting) {
    msgpack_object chain[70];
    for (int i = 0; i < 70; i++) {
        chain[i].type = MSGPACK_OBJECT_ARRAY;
        chain[i].via.array.size = i + 1 < 70 ? 1 : 0;
        chain[i].via.array.ptr = i + 1 < 70 ? &chain[i + 1] : NULL;
    }
    char want[200];
    memset(want, '[', 65);
    memcpy(want + 65, "null", 4);
    memset(want + 69, ']', 65);
    want[134] = '\0';
    expect_json_of(&chain[0], want);
}

Test(json, put_string_quotes_and_escapes_the_given_bytes) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk__json_put_string(&w, "a\"\\\n\0z", 6);
    static const char want[] = "\"a\\\"\\\\\\u000a\\u0000z\"";
    cr_assert_eq(w.len, strlen(want), "%.*s", (int)w.len, (const char *)w.data);
    cr_expect_eq(memcmp(w.data, want, w.len), 0, "%.*s", (int)w.len, (const char *)w.data);
    kfk_wbuf_free(&w);
}
