/*
 * test_decode_error.c: kfk_response_decode_ex says where and why a response did not decode
 * (kfk_decode_error_t: byte offset from the frame's correlation id, the schema field path, what
 * was wrong), so that a client can report "malformed Metadata v12 response from broker 1 at
 * byte 13: brokers: count 2147483646 past the end" instead of "Malformed protocol data". Hostile
 * inputs: every truncation of a Metadata v12 and v1 answer (each must name a field, never crash;
 * run under ASan too), counts and lengths past the end, 6-byte varints, negative lengths, nulls
 * where none is allowed, tagged fields past the end, trailing bytes, and a short header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_METADATA

/* A Metadata answer (frame without its 4-byte size) of 2 brokers and 1 topic of 2 partitions,
 * encoded by kfk at @p version; *len gets its size. The caller frees it. */
static uint8_t *metadata_frame(int16_t version, size_t *len) {
    kfk_metadata_response_broker_t brokers[2] = {
        {.node_id = 1, .host = KFK_STR("alpha"), .port = 9092, .rack = {NULL, -1}},
        {.node_id = 2, .host = KFK_STR("beta"), .port = 9093, .rack = KFK_STR("r2")},
    };
    int32_t replicas[2] = {1, 2};
    kfk_metadata_response_partition_t parts[2] = {
        {.partition_index = 0,
         .leader_id = 1,
         .leader_epoch = 3,
         .replica_nodes = KFK_ARRAY_OF(replicas),
         .isr_nodes = KFK_ARRAY_OF(replicas)},
        {.partition_index = 1,
         .leader_id = 2,
         .leader_epoch = 3,
         .replica_nodes = KFK_ARRAY_OF(replicas),
         .isr_nodes = KFK_ARRAY_OF(replicas)},
    };
    kfk_metadata_response_topic_t topics[1] = {
        {.name = KFK_STR("events"), .partitions = KFK_ARRAY_OF(parts)},
    };
    kfk_metadata_response_t resp = {.brokers = KFK_ARRAY_OF(brokers),
                                    .cluster_id = KFK_STR("c1"),
                                    .controller_id = 1,
                                    .topics = KFK_ARRAY_OF(topics)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, API, version, 7, &resp), KFK_ERR_NONE);
    size_t n = 0;
    uint8_t *all = kfk_wbuf_take(&w, &n);
    cr_assert(all && n > 4);
    uint8_t *frame = cc_copy_exact(all + 4, n - 4);
    free(all);
    *len = n - 4;
    return frame;
}

/* Decodes @p len bytes of @p frame (copied to an exact allocation, for ASan) and returns the
 * error; *de gets the diagnosis. */
static kfk_err_t decode(const uint8_t *frame, size_t len, int16_t version, kfk_decode_error_t *de) {
    uint8_t *copy = cc_copy_exact(frame, len);
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body = NULL;
    memset(de, 0x5a, sizeof *de); /* whatever was there before is overwritten */
    kfk_err_t err = kfk_response_decode_ex(copy, len, API, version, NULL, &a, &body, de);
    kfk_err_t plain;
    void *body2 = NULL;
    kfk_arena_t a2;
    kfk_arena_init(&a2);
    plain = kfk_response_decode(copy, len, API, version, NULL, &a2, &body2);
    cr_assert_eq(err, plain, "the _ex decoder and the plain one disagree: %s vs %s",
                 kfk_err_name(err), kfk_err_name(plain));
    cr_assert_eq(err != KFK_ERR_NONE, body == NULL);
    kfk_arena_free(&a);
    kfk_arena_free(&a2);
    free(copy);
    return err;
}

/* Every proper prefix of the answer fails with a diagnosis naming a field, at an offset within
 * the bytes given. */
static void every_truncation_names_a_field(int16_t version) {
    size_t len;
    uint8_t *frame = metadata_frame(version, &len);
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, version, &de), KFK_ERR_NONE);
    for (size_t cut = 0; cut < len; cut++) {
        kfk_err_t err = decode(frame, cut, version, &de);
        cr_assert_eq(err, KFK_ERR__BAD_MSG, "v%d cut at %zu: %s", version, cut, kfk_err_name(err));
        cr_assert(memchr(de.field, 0, sizeof de.field) && memchr(de.what, 0, sizeof de.what),
                  "v%d cut at %zu: unterminated text", version, cut);
        cr_assert_neq(de.field[0], '\0', "v%d cut at %zu: no field named (what: %s)", version, cut,
                      de.what);
        cr_assert(strstr(de.what, "past the end"), "v%d cut at %zu: %s: %s", version, cut, de.field,
                  de.what);
        cr_assert_leq(de.offset, cut, "v%d cut at %zu: offset %zu past the bytes given", version,
                      cut, de.offset);
    }
    free(frame);
}

Test(decode_error, every_truncation_of_a_metadata_v12_answer_names_a_field) {
    every_truncation_names_a_field(12);
}

Test(decode_error, every_truncation_of_a_metadata_v1_answer_names_a_field) {
    every_truncation_names_a_field(1);
}

/* Offsets below count from the correlation id (the frame without its size): Metadata v12 is
 * correlation id (4), header tagged fields (1), throttle_time_ms (4), then the brokers' count at
 * byte 9 (13 counting the size, where `kfk mock --fault patch=13:...` writes). */
#define V12_BROKERS 9

Test(decode_error, a_broker_count_past_the_end_is_named_with_its_offset) {
    size_t len;
    uint8_t *frame = metadata_frame(12, &len);
    static const uint8_t lie[] = {0xff, 0xff, 0xff, 0xff, 0x07}; /* count 2^31 - 2 */
    memcpy(frame + V12_BROKERS, lie, sizeof lie);
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "brokers");
    cr_assert_eq(de.offset, V12_BROKERS);
    cr_assert(strstr(de.what, "count 2147483646 past the end"), "%s", de.what);
    char line[300];
    kfk_decode_error_format(&de, 4, line, sizeof line);
    cr_assert(!strncmp(line, "at byte 13: brokers: count 2147483646 past the end", 50), "%s", line);
    free(frame);
}

Test(decode_error, a_six_byte_varint_is_named) {
    size_t len;
    uint8_t *frame = metadata_frame(12, &len);
    memset(frame + V12_BROKERS, 0xff, 5);
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "brokers");
    cr_assert_str_eq(de.what, "count varint longer than 5 bytes");
    free(frame);
}

Test(decode_error, a_null_host_is_named_with_its_array_index) {
    size_t len;
    uint8_t *frame = metadata_frame(12, &len);
    /* brokers: count byte (3 = 2 + 1), node_id (4), then host's compact length. */
    size_t host = V12_BROKERS + 1 + 4;
    cr_assert_eq(frame[host], 6, "host \"alpha\": compact length 5 + 1");
    frame[host] = 0;
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "brokers[0].host");
    cr_assert_str_eq(de.what, "null where not nullable");
    cr_assert_eq(de.offset, host);
    free(frame);
}

Test(decode_error, a_negative_string_length_is_named) {
    size_t len;
    uint8_t *frame = metadata_frame(1, &len);
    /* v1: correlation id (4), brokers count (4), node_id (4), host's int16 length. */
    size_t host = 4 + 4 + 4;
    frame[host] = 0xff;
    frame[host + 1] = 0xfe; /* -2 */
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, 1, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "brokers[0].host");
    cr_assert_str_eq(de.what, "negative length -2");
    free(frame);
}

Test(decode_error, a_second_broker_past_the_end_is_named_by_index) {
    size_t len;
    uint8_t *frame = metadata_frame(1, &len);
    /* The second broker's host length: 4 + 4, broker 0 = node(4) host(2+5) port(4) rack(2),
     * then node(4). */
    size_t host2 = 4 + 4 + 4 + 7 + 4 + 2 + 4;
    cr_assert_eq(frame[host2 + 1], 4, "host \"beta\"");
    frame[host2] = 0x7f;
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, 1, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "brokers[1].host");
    cr_assert(strstr(de.what, "length 32516 past the end"), "%s", de.what);
    free(frame);
}

Test(decode_error, a_tagged_field_past_the_end_is_named) {
    size_t len;
    uint8_t *frame = metadata_frame(12, &len);
    /* The last byte is the top-level tagged-field count (0): claim one field of 100 bytes. */
    uint8_t *longer = malloc(len + 2);
    memcpy(longer, frame, len);
    longer[len - 1] = 1;  /* one tagged field */
    longer[len] = 5;      /* tag 5 */
    longer[len + 1] = 99; /* of 99 bytes: none follow */
    kfk_decode_error_t de;
    cr_assert_eq(decode(longer, len + 2, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "tagged_fields");
    cr_assert_str_eq(de.what, "tag 5 of 99 bytes past the end (0 bytes left)");
    cr_assert_eq(de.offset, len);
    free(longer);
    free(frame);
}

Test(decode_error, trailing_bytes_are_named) {
    size_t len;
    uint8_t *frame = metadata_frame(12, &len);
    uint8_t *longer = calloc(1, len + 3);
    memcpy(longer, frame, len);
    kfk_decode_error_t de;
    cr_assert_eq(decode(longer, len + 3, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "");
    cr_assert_str_eq(de.what, "3 trailing bytes after the body");
    cr_assert_eq(de.offset, len);
    char line[300], want[100];
    snprintf(want, sizeof want, "at byte %zu: 3 trailing bytes after the body", len);
    cr_assert_str_eq(kfk_decode_error_format(&de, 0, line, sizeof line), want);
    free(longer);
    free(frame);
}

Test(decode_error, a_short_header_is_named) {
    static const uint8_t two[] = {0, 0};
    kfk_decode_error_t de;
    cr_assert_eq(decode(two, sizeof two, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "header.correlation_id");
    static const uint8_t bad_tags[] = {0, 0, 0, 7, 0x05}; /* 5 header tags in 0 bytes */
    cr_assert_eq(decode(bad_tags, sizeof bad_tags, 12, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "header.tagged_fields");
    cr_assert(strstr(de.what, "count 5 past the end"), "%s", de.what);
    cr_assert_eq(de.offset, 4);
}

Test(decode_error, a_topic_count_of_int32_max_is_named) {
    size_t len;
    uint8_t *frame = metadata_frame(1, &len);
    /* v1 after the brokers: controller_id (4), then the topics' int32 count. Find it by
     * walking: brokers 4+ (4+7+4+2) + (4+6+4+4), controller 4. */
    size_t topics = 4 + 4 + 17 + 18 + 4;
    cc_put32(frame + topics, 0x7fffffff);
    kfk_decode_error_t de;
    cr_assert_eq(decode(frame, len, 1, &de), KFK_ERR__BAD_MSG);
    cr_assert_str_eq(de.field, "topics");
    cr_assert(strstr(de.what, "count 2147483647 past the end"), "%s", de.what);
    cr_assert_eq(de.offset, topics);
    free(frame);
}
