/*
 * test_api_delete_groups.c: DeleteGroups (key 42) tables, kfk versions 0-2 (flexible from 2;
 * v1 is v0 with the response sent before throttling). Golden frames written by hand from the
 * protocol spec (v0 and v2 both ways), a round trip of every version, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_DELETE_GROUPS
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: delete groups "g1" and "g2". */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x19,      /* frame size 25 */
    0x00, 0x2a, 0x00, 0x00,      /* api_key 42, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x02,      /* groups_names: 2 */
    0x00, 0x02, 'g',  '1',       /*   "g1" */
    0x00, 0x02, 'g',  '2',       /*   "g2" */
};

/* Request v2 (first flexible): the same two groups. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x16,      /* frame size 22 */
    0x00, 0x2a, 0x00, 0x02,      /* api_key 42, api_version 2 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x03,                        /* groups_names: 2 */
    0x03, 'g',  '1',             /*   "g1" */
    0x03, 'g',  '2',             /*   "g2" */
    0x00,                        /* tagged fields */
};

/* Response v0: "g1" deleted. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x12, /* frame size 18 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01, /* results: 1 */
    0x00, 0x02, 'g',  '1',  /*   group_id "g1" */
    0x00, 0x00,             /*   error_code 0 */
};

/* Response v2 (first flexible): "g1" deleted, "g2" still has members. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x17, /* frame size 23 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x05, /* throttle_time_ms 5 */
    0x03,                   /* results: 2 */
    0x03, 'g',  '1',        /*   group_id "g1" */
    0x00, 0x00,             /*   error_code 0 */
    0x00,                   /*   result tagged fields */
    0x03, 'g',  '2',        /*   group_id "g2" */
    0x00, 0x44,             /*   error_code 68 NON_EMPTY_GROUP */
    0x00,                   /*   result tagged fields */
    0x00,                   /* tagged fields */
};

Test(delete_groups, encodes_and_decodes_request_v0_v2) {
    kfk_str_t names[] = {KFK_STR("g1"), KFK_STR("g2")};
    kfk_delete_groups_request_t r = {.groups_names = KFK_ARRAY_OF(names)};
    cc_expect_request(API, 0, CORR, &r, req_v0, sizeof req_v0);
    cc_expect_request(API, 2, CORR, &r, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const uint8_t *frames[] = {req_v0, req_v2};
    size_t sizes[] = {sizeof req_v0, sizeof req_v2};
    for (int i = 0; i < 2; i++) {
        const kfk_delete_groups_request_t *d =
            cc_decode_request(API, (int16_t)(2 * i), CORR, frames[i], sizes[i], &a);
        cr_assert_eq(d->groups_names.count, 2);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(d->groups_names, kfk_str_t, 0), "g1"));
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(d->groups_names, kfk_str_t, 1), "g2"));
    }
    kfk_arena_free(&a);
}

Test(delete_groups, encodes_and_decodes_response_v0_v2) {
    kfk_delete_groups_response_deletable_group_result_t one[] = {{.group_id = KFK_STR("g1")}};
    kfk_delete_groups_response_deletable_group_result_t two[] = {
        {.group_id = KFK_STR("g1")},
        {.group_id = KFK_STR("g2"), .error_code = KFK_ERR_NON_EMPTY_GROUP}};
    kfk_delete_groups_response_t r0 = {.results = KFK_ARRAY_OF(one)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    kfk_delete_groups_response_t r2 = {.throttle_time_ms = 5, .results = KFK_ARRAY_OF(two)};
    cc_expect_response(API, 2, CORR, &r2, resp_v2, sizeof resp_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_delete_groups_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->results.count, 1);
    d = cc_decode_response(API, 2, CORR, resp_v2, sizeof resp_v2, &a);
    cr_assert_eq(d->throttle_time_ms, 5);
    cr_assert_eq(d->results.count, 2);
    const kfk_delete_groups_response_deletable_group_result_t *g = d->results.items;
    cr_assert(kfk_str_eq(g[0].group_id, "g1"));
    cr_assert_eq(g[0].error_code, 0);
    cr_assert(kfk_str_eq(g[1].group_id, "g2"));
    cr_assert_eq(g[1].error_code, KFK_ERR_NON_EMPTY_GROUP);
    kfk_arena_free(&a);
}

Test(delete_groups, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 2);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_str_t names[] = {KFK_STR("group-a"), KFK_STR(""), KFK_STR("group-c")};
        kfk_delete_groups_request_t req = {.groups_names = KFK_ARRAY_OF(names),
                                           .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_delete_groups_request_t *q =
            cc_round_trip(API, &kfk_delete_groups_request_schema, v, &req, &a);
        cr_assert_eq(q->groups_names.count, 3, "v%d", v);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(q->groups_names, kfk_str_t, 2), "group-c"), "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        kfk_delete_groups_response_deletable_group_result_t res[] = {
            {.group_id = KFK_STR("group-a"),
             .error_code = KFK_ERR_GROUP_ID_NOT_FOUND,
             .unknown_tags = CC_UNKNOWN_TAGS},
            {.group_id = KFK_STR("group-c")}};
        kfk_delete_groups_response_t resp = {
            .throttle_time_ms = 2, .results = KFK_ARRAY_OF(res), .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_delete_groups_response_t *r =
            cc_round_trip(API, &kfk_delete_groups_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 2, "v%d", v);
        cr_assert_eq(r->results.count, 2, "v%d", v);
        const kfk_delete_groups_response_deletable_group_result_t *g = r->results.items;
        cr_assert_eq(g[0].error_code, KFK_ERR_GROUP_ID_NOT_FOUND, "v%d", v);
        cr_assert(cc_tags_kept(API, g[0].unknown_tags, v), "v%d", v);
        cr_assert(kfk_str_eq(g[1].group_id, "group-c"), "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(delete_groups, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_trailing_byte_refused(API, false, 2, resp_v2, sizeof resp_v2);
}

Test(delete_groups, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t huge_varint[] = {0xff, 0xff, 0xff, 0xff, 0x07};
    /* v0 request: groups_names count at 17 (not nullable), the first name's length at 21. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 21, minus2_16, 2);
    /* v0 response: results count at 12. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, minus1_32, 4);
    /* v2 response: results count at 13 (null, then 2^31), group_id of the second at 20 null. */
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 13, null_compact, 1);
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 13, huge_varint, 5);
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 20, null_compact, 1);
}
