/*
 * test_api_init_producer_id.c: InitProducerId (key 22) tables, versions 0-5 (flexible from 2).
 * Golden frames written by hand from InitProducerIdRequest.json / InitProducerIdResponse.json
 * (v0, v2, v4 and v5: a transactional id, or null for an idempotent producer, and the
 * transaction timeout in every version), a round trip at every version, and malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_INIT_PRODUCER_ID

/* ---- golden frames ------------------------------------------------------------------------ */

/* v0 request: header v1, non-flexible body. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x16,      /* frame size 22 */
    0x00, 0x16,                  /* api_key 22 */
    0x00, 0x00,                  /* api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x03, 't',  'x',  'n', /* transactional_id "txn" (int16 length) */
    0x00, 0x00, 0xea, 0x60,      /* transaction_timeout_ms 60000 */
};

/* v2 request: header v2 (client_id stays int16-length), flexible body. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x14,      /* frame size 20 */
    0x00, 0x16,                  /* api_key 22 */
    0x00, 0x02,                  /* api_version 2 */
    0x00, 0x00, 0x00, 0x08,      /* correlation_id 8 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields: none */
    0x00,                        /* transactional_id null (compact: 0) */
    0x00, 0x00, 0x27, 0x10,      /* transaction_timeout_ms 10000 */
    0x00,                        /* tagged fields: none */
};

/* v4 request: ProducerId and ProducerEpoch (v3+). */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x21,                         /* frame size 33 */
    0x00, 0x16,                                     /* api_key 22 */
    0x00, 0x04,                                     /* api_version 4 */
    0x00, 0x00, 0x00, 0x09,                         /* correlation_id 9 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields: none */
    0x04, 't',  'x',  'n',                          /* transactional_id "txn" (compact: 3+1) */
    0x00, 0x00, 0xea, 0x60,                         /* transaction_timeout_ms 60000 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x05,                                     /* producer_epoch 5 */
    0x00,                                           /* tagged fields: none */
};

/* v5 request (KIP-890's TRANSACTION_ABORTABLE understood): a transactional producer's first
 * call, without a producer id and epoch to resume (-1, -1). */
static const uint8_t req_v5[] = {
    0x00, 0x00, 0x00, 0x21,                         /* frame size 33 */
    0x00, 0x16,                                     /* api_key 22 */
    0x00, 0x05,                                     /* api_version 5 */
    0x00, 0x00, 0x00, 0x0a,                         /* correlation_id 10 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields: none */
    0x04, 't',  'x',  'n',                          /* transactional_id "txn" (compact: 3+1) */
    0x00, 0x00, 0xea, 0x60,                         /* transaction_timeout_ms 60000 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* producer_id -1 */
    0xff, 0xff,                                     /* producer_epoch -1 */
    0x00,                                           /* tagged fields: none */
};

/* v0 response: header v0. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x14,                         /* frame size 20 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x64,                         /* throttle_time_ms 100 */
    0x00, 0x00,                                     /* error_code 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
};

/* v2 response: header v1 (tagged fields), flexible body. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x16,                         /* frame size 22 */
    0x00, 0x00, 0x00, 0x08,                         /* correlation_id 8 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x2f,                                     /* error_code 47 INVALID_PRODUCER_EPOCH */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* producer_id -1 */
    0xff, 0xff,                                     /* producer_epoch -1 */
    0x00,                                           /* tagged fields: none */
};

Test(init_producer_id, encodes_and_decodes_the_v0_request) {
    kfk_init_producer_id_request_t req = {.transactional_id = KFK_STR("txn"),
                                          .transaction_timeout_ms = 60000,
                                          .producer_id = -1,
                                          .producer_epoch = -1};
    cc_expect_request(API, 0, 7, &req, req_v0, sizeof req_v0);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_request_t *got =
        cc_decode_request(API, 0, 7, req_v0, sizeof req_v0, &arena);
    cc_expect_str(got->transactional_id, "txn");
    cr_assert_eq(got->transaction_timeout_ms, 60000);
    cr_assert_eq(got->producer_id, -1, "absent before v3: the default");
    cr_assert_eq(got->producer_epoch, -1, "absent before v3: the default");
    kfk_arena_free(&arena);
}

Test(init_producer_id, encodes_and_decodes_the_flexible_v2_request_with_a_null_id) {
    kfk_init_producer_id_request_t req = {.transactional_id = {NULL, -1},
                                          .transaction_timeout_ms = 10000,
                                          .producer_id = -1,
                                          .producer_epoch = -1};
    cc_expect_request(API, 2, 8, &req, req_v2, sizeof req_v2);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_request_t *got =
        cc_decode_request(API, 2, 8, req_v2, sizeof req_v2, &arena);
    cc_expect_str(got->transactional_id, NULL);
    cr_assert_eq(got->transaction_timeout_ms, 10000);
    kfk_arena_free(&arena);
}

Test(init_producer_id, encodes_and_decodes_the_v4_request_with_producer_id_and_epoch) {
    kfk_init_producer_id_request_t req = {.transactional_id = KFK_STR("txn"),
                                          .transaction_timeout_ms = 60000,
                                          .producer_id = 4097,
                                          .producer_epoch = 5};
    cc_expect_request(API, 4, 9, &req, req_v4, sizeof req_v4);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_request_t *got =
        cc_decode_request(API, 4, 9, req_v4, sizeof req_v4, &arena);
    cc_expect_str(got->transactional_id, "txn");
    cr_assert_eq(got->producer_id, 4097);
    cr_assert_eq(got->producer_epoch, 5);
    kfk_arena_free(&arena);
}

Test(init_producer_id, encodes_and_decodes_the_v5_request_of_a_transactional_producer) {
    kfk_init_producer_id_request_t req = {.transactional_id = KFK_STR("txn"),
                                          .transaction_timeout_ms = 60000,
                                          .producer_id = -1,
                                          .producer_epoch = -1};
    cc_expect_request(API, 5, 10, &req, req_v5, sizeof req_v5);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_request_t *got =
        cc_decode_request(API, 5, 10, req_v5, sizeof req_v5, &arena);
    cc_expect_str(got->transactional_id, "txn");
    cr_assert_eq(got->transaction_timeout_ms, 60000);
    cr_assert_eq(got->producer_id, -1);
    cr_assert_eq(got->producer_epoch, -1);
    kfk_arena_free(&arena);
}

Test(init_producer_id, speaks_versions_0_to_5) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_not_null(api);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 5, "v6 (KIP-939) is unstable in Kafka 4.3.1");
    cr_assert_eq(api->flexible_from, 2);
    /* A broker with unstable versions enabled advertises 0-6: kfk asks v5. */
    int16_t v = -1;
    cr_assert_eq(kfk_api_pick_version(API, 0, 6, &v, NULL, 0), KFK_ERR_NONE);
    cr_assert_eq(v, 5);
}

Test(init_producer_id, encodes_and_decodes_the_v0_response) {
    kfk_init_producer_id_response_t resp = {
        .throttle_time_ms = 100, .error_code = 0, .producer_id = 4097, .producer_epoch = 2};
    cc_expect_response(API, 0, 7, &resp, resp_v0, sizeof resp_v0);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_response_t *got =
        cc_decode_response(API, 0, 7, resp_v0, sizeof resp_v0, &arena);
    cr_assert_eq(got->throttle_time_ms, 100);
    cr_assert_eq(got->error_code, 0);
    cr_assert_eq(got->producer_id, 4097);
    cr_assert_eq(got->producer_epoch, 2);
    kfk_arena_free(&arena);
}

Test(init_producer_id, encodes_and_decodes_the_flexible_v2_response) {
    kfk_init_producer_id_response_t resp = {.throttle_time_ms = 0,
                                            .error_code = KFK_ERR_INVALID_PRODUCER_EPOCH,
                                            .producer_id = -1,
                                            .producer_epoch = -1};
    cc_expect_response(API, 2, 8, &resp, resp_v2, sizeof resp_v2);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_response_t *got =
        cc_decode_response(API, 2, 8, resp_v2, sizeof resp_v2, &arena);
    cr_assert_eq(got->error_code, KFK_ERR_INVALID_PRODUCER_EPOCH);
    cr_assert_eq(got->producer_id, -1);
    cr_assert_eq(got->producer_epoch, -1);
    kfk_arena_free(&arena);
}

/* v5 response: the coordinator's answer to a transactional producer that must abort first. */
static const uint8_t resp_v5[] = {
    0x00, 0x00, 0x00, 0x16,                         /* frame size 22 */
    0x00, 0x00, 0x00, 0x0a,                         /* correlation_id 10 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x78,                                     /* error_code 120 TRANSACTION_ABORTABLE */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* producer_id -1 */
    0xff, 0xff,                                     /* producer_epoch -1 */
    0x00,                                           /* tagged fields: none */
};

Test(init_producer_id, encodes_and_decodes_the_v5_response) {
    kfk_init_producer_id_response_t resp = {
        .error_code = KFK_ERR_TRANSACTION_ABORTABLE, .producer_id = -1, .producer_epoch = -1};
    cc_expect_response(API, 5, 10, &resp, resp_v5, sizeof resp_v5);

    kfk_arena_t arena = {0};
    kfk_init_producer_id_response_t *got =
        cc_decode_response(API, 5, 10, resp_v5, sizeof resp_v5, &arena);
    cr_assert_eq(got->error_code, KFK_ERR_TRANSACTION_ABORTABLE);
    cr_assert_eq(got->producer_id, -1);
    cr_assert_eq(got->producer_epoch, -1);
    kfk_arena_free(&arena);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(init_producer_id, round_trips_every_request_version) {
    for (int16_t v = 0; v <= 5; v++) {
        for (int with_null = 0; with_null <= 1; with_null++) {
            kfk_init_producer_id_request_t req = {
                .transactional_id = with_null ? (kfk_str_t){NULL, -1} : KFK_STR("my-txn"),
                .transaction_timeout_ms = 12345,
                .producer_id = 77,
                .producer_epoch = 3};
            kfk_arena_t arena = {0};
            kfk_init_producer_id_request_t *out =
                cc_round_trip(API, &kfk_init_producer_id_request_schema, v, &req, &arena);
            cc_expect_str(out->transactional_id, with_null ? NULL : "my-txn");
            cr_assert_eq(out->transaction_timeout_ms, 12345);
            cr_assert_eq(out->producer_id, v >= 3 ? 77 : -1, "v%d", v);
            cr_assert_eq(out->producer_epoch, v >= 3 ? 3 : -1, "v%d", v);
            kfk_arena_free(&arena);
        }
    }
}

Test(init_producer_id, round_trips_every_response_version) {
    for (int16_t v = 0; v <= 5; v++) {
        kfk_init_producer_id_response_t resp = {.throttle_time_ms = 5,
                                                .error_code = KFK_ERR_CONCURRENT_TRANSACTIONS,
                                                .producer_id = INT64_MAX,
                                                .producer_epoch = 32767};
        kfk_arena_t arena = {0};
        kfk_init_producer_id_response_t *out =
            cc_round_trip(API, &kfk_init_producer_id_response_schema, v, &resp, &arena);
        cr_assert_eq(out->throttle_time_ms, 5);
        cr_assert_eq(out->error_code, KFK_ERR_CONCURRENT_TRANSACTIONS);
        cr_assert_eq(out->producer_id, INT64_MAX);
        cr_assert_eq(out->producer_epoch, 32767);
        kfk_arena_free(&arena);
    }
}

Test(init_producer_id, keeps_unknown_tagged_fields_of_a_flexible_response) {
    /* v2 response body with one unknown tagged field (tag 5, 2 bytes). */
    static const uint8_t body[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0x05, 0x02, 0xab, 0xcd};
    kfk_init_producer_id_response_t out;
    kfk_arena_t arena = {0};
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, body, sizeof body);
    cr_assert_eq(
        kfk_schema_decode(&kfk_init_producer_id_response_schema, 2, true, &r, &arena, &out),
        KFK_ERR_NONE);
    cr_assert_eq(out.producer_id, 1);
    cr_assert_eq(out.producer_epoch, 1);
    cr_assert_eq(out.unknown_tags.len, 4);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(&kfk_init_producer_id_response_schema, 2, true, &out, &w),
                 KFK_ERR_NONE);
    cc_expect_bytes(&w, body, sizeof body);
    kfk_wbuf_free(&w);
    kfk_arena_free(&arena);
}

Test(init_producer_id, encodes_a_null_transactional_id_at_v0) {
    /* TransactionalId is nullable in every version: a null id encodes at v0 as length -1. */
    kfk_init_producer_id_request_t req = {.transactional_id = {NULL, -1}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(&kfk_init_producer_id_request_schema, 0, false, &req, &w),
                 KFK_ERR_NONE);
    static const uint8_t want[] = {0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bytes(&w, want, sizeof want);
    kfk_wbuf_free(&w);
}

Test(init_producer_id, writes_the_transactional_id_and_timeout_in_every_version) {
    /* The body starts with transactional_id then transaction_timeout_ms at every version:
     * int16 length before v2, compact (length + 1) from v2. */
    for (int16_t v = 0; v <= 5; v++) {
        kfk_init_producer_id_request_t req = {.transactional_id = KFK_STR("tx"),
                                              .transaction_timeout_ms = 0x01020304,
                                              .producer_id = -1,
                                              .producer_epoch = -1};
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        cr_assert_eq(kfk_schema_encode(&kfk_init_producer_id_request_schema, v, v >= 2, &req, &w),
                     KFK_ERR_NONE, "v%d", v);
        static const uint8_t old[] = {0x00, 0x02, 't', 'x', 0x01, 0x02, 0x03, 0x04};
        static const uint8_t flex[] = {0x03, 't', 'x', 0x01, 0x02, 0x03, 0x04};
        const uint8_t *want = v >= 2 ? flex : old;
        size_t n = v >= 2 ? sizeof flex : sizeof old;
        cr_assert_geq(w.len, n, "v%d", v);
        cr_assert(!memcmp(w.data, want, n), "v%d: the id and timeout lead the body", v);
        kfk_wbuf_free(&w);
    }
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(init_producer_id, rejects_every_truncated_golden_frame) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, true, 5, req_v5, sizeof req_v5);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_truncations_fail(API, false, 5, resp_v5, sizeof resp_v5);
}

Test(init_producer_id, rejects_trailing_bytes) {
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_trailing_byte_refused(API, false, 5, resp_v5, sizeof resp_v5);
}

Test(init_producer_id, rejects_hostile_string_lengths) {
    /* v0 request bodies: transactional_id length past the end, and length -2. */
    static const uint8_t past_end[] = {0x7f, 0xff, 't', 'x', 'n', 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_init_producer_id_request_schema, 0, past_end, sizeof past_end);
    static const uint8_t minus_two[] = {0xff, 0xfe, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_init_producer_id_request_schema, 0, minus_two, sizeof minus_two);
    /* v2 request bodies: compact length 0xffffffff (a 5-byte varint), and one past the end. */
    static const uint8_t compact_huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_init_producer_id_request_schema, 2, compact_huge,
                       sizeof compact_huge);
    static const uint8_t compact_past[] = {0x10, 't', 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_init_producer_id_request_schema, 2, compact_past,
                       sizeof compact_past);
    /* v2 response body: a varint of six bytes in the tagged-field count. */
    static const uint8_t long_varint[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    cc_expect_bad_body(API, &kfk_init_producer_id_response_schema, 2, long_varint,
                       sizeof long_varint);
}
