/*
 * test_api_end_txn.c: EndTxn (key 26) tables, versions 0-5 (flexible from 3; v5 answers the
 * producer id and epoch, KIP-890 part 2). Golden frames written by hand from EndTxnRequest.json
 * / EndTxnResponse.json (v0 and v5 both ways), a round trip of every version, the defaults of
 * the fields v0-4 lack, nulls refused, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_END_TXN
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: producer 4097 epoch 2 commits "txn". */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x1d,                         /* frame size 29 */
    0x00, 0x1a, 0x00, 0x00,                         /* api_key 26, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x03, 't',  'x',  'n',                    /* transactional_id "txn" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
    0x01,                                           /* committed true */
};

/* Request v5 (flexible): producer 4097 epoch 2 aborts "txn". */
static const uint8_t req_v5[] = {
    0x00, 0x00, 0x00, 0x1e,                         /* frame size 30 */
    0x00, 0x1a, 0x00, 0x05,                         /* api_key 26, api_version 5 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x04, 't',  'x',  'n',                          /* transactional_id "txn" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
    0x00,                                           /* committed false (abort) */
    0x00,                                           /* tagged fields */
};

/* Response v0: fenced by a newer epoch. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x0a, /* frame size 10 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x2f,             /* error_code 47 INVALID_PRODUCER_EPOCH */
};

/* Response v5: done; the next transaction uses epoch 3. */
static const uint8_t resp_v5[] = {
    0x00, 0x00, 0x00, 0x16,                         /* frame size 22 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x00,                                     /* error_code 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x03,                                     /* producer_epoch 3 */
    0x00,                                           /* tagged fields */
};

Test(end_txn, encodes_and_decodes_request_v0_v5) {
    kfk_end_txn_request_t r0 = {.transactional_id = KFK_STR("txn"),
                                .producer_id = 4097,
                                .producer_epoch = 2,
                                .committed = true};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    kfk_end_txn_request_t r5 = r0;
    r5.committed = false;
    cc_expect_request(API, 5, CORR, &r5, req_v5, sizeof req_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_end_txn_request_t *d = cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cc_expect_str(d->transactional_id, "txn");
    cr_assert_eq(d->producer_id, 4097);
    cr_assert_eq(d->producer_epoch, 2);
    cr_assert(d->committed);
    d = cc_decode_request(API, 5, CORR, req_v5, sizeof req_v5, &a);
    cc_expect_str(d->transactional_id, "txn");
    cr_assert_eq(d->producer_id, 4097);
    cr_assert_not(d->committed);
    kfk_arena_free(&a);
}

Test(end_txn, encodes_and_decodes_response_v0_v5) {
    /* producer_id and producer_epoch are not in v0: not written whatever they hold. */
    kfk_end_txn_response_t r0 = {
        .error_code = KFK_ERR_INVALID_PRODUCER_EPOCH, .producer_id = 99, .producer_epoch = 9};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    kfk_end_txn_response_t r5 = {.producer_id = 4097, .producer_epoch = 3};
    cc_expect_response(API, 5, CORR, &r5, resp_v5, sizeof resp_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_end_txn_response_t *d = cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->error_code, KFK_ERR_INVALID_PRODUCER_EPOCH);
    cr_assert_eq(d->producer_id, -1, "absent before v5: Kafka's default");
    cr_assert_eq(d->producer_epoch, -1, "absent before v5: Kafka's default");
    d = cc_decode_response(API, 5, CORR, resp_v5, sizeof resp_v5, &a);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->producer_id, 4097);
    cr_assert_eq(d->producer_epoch, 3);
    kfk_arena_free(&a);
}

Test(end_txn, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_not_null(api);
    cr_assert_str_eq(api->name, "EndTxn");
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 5);
    cr_assert_eq(api->flexible_from, 3);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        for (int commit = 0; commit <= 1; commit++) {
            kfk_end_txn_request_t req = {.transactional_id = KFK_STR("a-txn"),
                                         .producer_id = INT64_C(1) << 40,
                                         .producer_epoch = 32767,
                                         .committed = commit,
                                         .unknown_tags = CC_UNKNOWN_TAGS};
            kfk_arena_t a;
            kfk_arena_init(&a);
            const kfk_end_txn_request_t *q =
                cc_round_trip(API, &kfk_end_txn_request_schema, v, &req, &a);
            cc_expect_str(q->transactional_id, "a-txn");
            cr_assert_eq(q->producer_id, INT64_C(1) << 40, "v%d", v);
            cr_assert_eq(q->producer_epoch, 32767, "v%d", v);
            cr_assert_eq(q->committed, commit, "v%d", v);
            cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

            kfk_end_txn_response_t resp = {.throttle_time_ms = 8,
                                           .error_code = KFK_ERR_PRODUCER_FENCED,
                                           .producer_id = INT64_MAX,
                                           .producer_epoch = 0,
                                           .unknown_tags = CC_UNKNOWN_TAGS};
            const kfk_end_txn_response_t *r =
                cc_round_trip(API, &kfk_end_txn_response_schema, v, &resp, &a);
            cr_assert_eq(r->throttle_time_ms, 8, "v%d", v);
            cr_assert_eq(r->error_code, KFK_ERR_PRODUCER_FENCED, "v%d", v);
            cr_assert_eq(r->producer_id, v >= 5 ? INT64_MAX : -1, "v%d", v);
            cr_assert_eq(r->producer_epoch, v >= 5 ? 0 : -1, "v%d", v);
            cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
            kfk_arena_free(&a);
        }
    }
}

Test(end_txn, refuses_nulls_the_version_does_not_allow) {
    for (int16_t v = 0; v <= 5; v++) {
        kfk_end_txn_request_t req = {.transactional_id = {NULL, -1}};
        cc_expect_encode_refused(API, &kfk_end_txn_request_schema, v, &req);
    }
}

Test(end_txn, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 5, req_v5, sizeof req_v5);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 5, resp_v5, sizeof resp_v5);
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_trailing_byte_refused(API, false, 5, resp_v5, sizeof resp_v5);
}

Test(end_txn, hostile_lengths_are_bad_messages) {
    static const uint8_t huge16[] = {0x7f, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t past_end_compact[] = {0x7f};
    /* v0 request: transactional id length at 17 (null, past the end). */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge16, 2);
    /* v5 request: transactional id at 18 (null, past the end), tagged-field count at 33. */
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 18, null_compact, 1);
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 18, past_end_compact, 1);
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 33, past_end_compact, 1);
    /* v5 response: tagged-field count past the end at 25. */
    cc_expect_bad_patch(API, false, 5, resp_v5, sizeof resp_v5, 25, past_end_compact, 1);
}
