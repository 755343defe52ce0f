/*
 * test_api_add_offsets_to_txn.c: AddOffsetsToTxn (key 25) tables, versions 0-4 (flexible from
 * 3). Golden frames written by hand from AddOffsetsToTxnRequest.json /
 * AddOffsetsToTxnResponse.json (v0 and v4 both ways), a round trip of every version, nulls
 * refused, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_ADD_OFFSETS_TO_TXN
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: producer 4097 epoch 2 of "txn" adds group "g"'s offsets. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x1f,                         /* frame size 31 */
    0x00, 0x19, 0x00, 0x00,                         /* api_key 25, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x03, 't',  'x',  'n',                    /* transactional_id "txn" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
    0x00, 0x01, 'g',                                /* group_id "g" */
};

/* Request v4 (flexible, KIP-890's TRANSACTION_ABORTABLE understood). */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x1f,                         /* frame size 31 */
    0x00, 0x19, 0x00, 0x04,                         /* api_key 25, api_version 4 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x04, 't',  'x',  'n',                          /* transactional_id "txn" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
    0x02, 'g',                                      /* group_id "g" */
    0x00,                                           /* tagged fields */
};

/* Response v0: done. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x0a, /* frame size 10 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00,             /* error_code 0 */
};

/* Response v4: the transaction must abort. */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x0c, /* frame size 12 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x05, /* throttle_time_ms 5 */
    0x00, 0x78,             /* error_code 120 TRANSACTION_ABORTABLE */
    0x00,                   /* tagged fields */
};

Test(add_offsets_to_txn, encodes_and_decodes_request_v0_v4) {
    kfk_add_offsets_to_txn_request_t r = {.transactional_id = KFK_STR("txn"),
                                          .producer_id = 4097,
                                          .producer_epoch = 2,
                                          .group_id = KFK_STR("g")};
    cc_expect_request(API, 0, CORR, &r, req_v0, sizeof req_v0);
    cc_expect_request(API, 4, CORR, &r, req_v4, sizeof req_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    for (int i = 0; i < 2; i++) {
        const kfk_add_offsets_to_txn_request_t *d =
            i == 0 ? cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a)
                   : cc_decode_request(API, 4, CORR, req_v4, sizeof req_v4, &a);
        cc_expect_str(d->transactional_id, "txn");
        cr_assert_eq(d->producer_id, 4097);
        cr_assert_eq(d->producer_epoch, 2);
        cc_expect_str(d->group_id, "g");
    }
    kfk_arena_free(&a);
}

Test(add_offsets_to_txn, encodes_and_decodes_response_v0_v4) {
    kfk_add_offsets_to_txn_response_t r0 = {0};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    kfk_add_offsets_to_txn_response_t r4 = {.throttle_time_ms = 5,
                                            .error_code = KFK_ERR_TRANSACTION_ABORTABLE};
    cc_expect_response(API, 4, CORR, &r4, resp_v4, sizeof resp_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_add_offsets_to_txn_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->error_code, 0);
    d = cc_decode_response(API, 4, CORR, resp_v4, sizeof resp_v4, &a);
    cr_assert_eq(d->throttle_time_ms, 5);
    cr_assert_eq(d->error_code, KFK_ERR_TRANSACTION_ABORTABLE);
    kfk_arena_free(&a);
}

Test(add_offsets_to_txn, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_not_null(api);
    cr_assert_str_eq(api->name, "AddOffsetsToTxn");
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 4);
    cr_assert_eq(api->flexible_from, 3);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_add_offsets_to_txn_request_t req = {.transactional_id = KFK_STR("a-txn"),
                                                .producer_id = INT64_MAX,
                                                .producer_epoch = -1,
                                                .group_id = KFK_STR(""),
                                                .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_add_offsets_to_txn_request_t *q =
            cc_round_trip(API, &kfk_add_offsets_to_txn_request_schema, v, &req, &a);
        cc_expect_str(q->transactional_id, "a-txn");
        cr_assert_eq(q->producer_id, INT64_MAX, "v%d", v);
        cr_assert_eq(q->producer_epoch, -1, "v%d", v);
        cc_expect_str(q->group_id, "");
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        kfk_add_offsets_to_txn_response_t resp = {.throttle_time_ms = 8,
                                                  .error_code = KFK_ERR_COORDINATOR_NOT_AVAILABLE,
                                                  .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_add_offsets_to_txn_response_t *r =
            cc_round_trip(API, &kfk_add_offsets_to_txn_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 8, "v%d", v);
        cr_assert_eq(r->error_code, KFK_ERR_COORDINATOR_NOT_AVAILABLE, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(add_offsets_to_txn, refuses_nulls_the_version_does_not_allow) {
    for (int16_t v = 0; v <= 4; v++) {
        kfk_add_offsets_to_txn_request_t req = {.transactional_id = {NULL, -1},
                                                .group_id = KFK_STR("g")};
        cc_expect_encode_refused(API, &kfk_add_offsets_to_txn_request_schema, v, &req);
        req = (kfk_add_offsets_to_txn_request_t){.transactional_id = KFK_STR("x"),
                                                 .group_id = {NULL, -1}};
        cc_expect_encode_refused(API, &kfk_add_offsets_to_txn_request_schema, v, &req);
    }
}

Test(add_offsets_to_txn, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_trailing_byte_refused(API, false, 4, resp_v4, sizeof resp_v4);
}

Test(add_offsets_to_txn, hostile_lengths_are_bad_messages) {
    static const uint8_t huge16[] = {0x7f, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t past_end_compact[] = {0x7f};
    /* v0 request: transactional id length at 17, group id length at 32. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus2_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 32, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 32, huge16, 2);
    /* v4 request: transactional id at 18, group id at 32 (null, past the end). */
    cc_expect_bad_patch(API, true, 4, req_v4, sizeof req_v4, 18, null_compact, 1);
    cc_expect_bad_patch(API, true, 4, req_v4, sizeof req_v4, 18, past_end_compact, 1);
    cc_expect_bad_patch(API, true, 4, req_v4, sizeof req_v4, 32, null_compact, 1);
    cc_expect_bad_patch(API, true, 4, req_v4, sizeof req_v4, 32, past_end_compact, 1);
    /* v4 response: a tagged-field count past the end at 15. */
    cc_expect_bad_patch(API, false, 4, resp_v4, sizeof resp_v4, 15, past_end_compact, 1);
}
