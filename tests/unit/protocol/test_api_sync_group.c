/*
 * test_api_sync_group.c: SyncGroup (key 14) tables, kfk versions 0-5 (flexible from 4). Golden
 * frames written by hand from the protocol spec (v0, v4 and v5 both ways), a round trip of
 * every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_SYNC_GROUP
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

static const uint8_t blob[] = {0xde, 0xad}; /* an assignment (opaque here) */

/* Request v0: the leader hands its one member an assignment. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x26,             /* frame size 38 */
    0x00, 0x0e, 0x00, 0x00,             /* api_key 14, api_version 0 */
    0x00, 0x00, 0x00, 0x07,             /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',        /* client_id "kfk" */
    0x00, 0x01, 'g',                    /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,             /* generation_id 1 */
    0x00, 0x02, 'm',  '1',              /* member_id "m1" */
    0x00, 0x00, 0x00, 0x01,             /* assignments: 1 */
    0x00, 0x02, 'm',  '1',              /*   member_id "m1" */
    0x00, 0x00, 0x00, 0x02, 0xde, 0xad, /*   assignment */
};

/* Request v4 (first flexible): a static follower, no assignments. */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x1c,      /* frame size 28 */
    0x00, 0x0e, 0x00, 0x04,      /* api_key 14, api_version 4 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x02, 'g',                   /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,      /* generation_id 1 */
    0x03, 'm',  '1',             /* member_id "m1" */
    0x03, 'i',  '1',             /* group_instance_id "i1" */
    0x01,                        /* assignments: 0 */
    0x00,                        /* tagged fields */
};

/* Request v5: protocol type and name added. */
static const uint8_t req_v5[] = {
    0x00, 0x00, 0x00, 0x30,                          /* frame size 48 */
    0x00, 0x0e, 0x00, 0x05,                          /* api_key 14, api_version 5 */
    0x00, 0x00, 0x00, 0x07,                          /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                     /* client_id "kfk" */
    0x00,                                            /* header tagged fields */
    0x02, 'g',                                       /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,                          /* generation_id 1 */
    0x03, 'm',  '1',                                 /* member_id "m1" */
    0x00,                                            /* group_instance_id null */
    0x09, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r', /* protocol_type "consumer" */
    0x06, 'r',  'a',  'n',  'g', 'e',                /* protocol_name "range" */
    0x02,                                            /* assignments: 1 */
    0x03, 'm',  '1',                                 /*   member_id "m1" */
    0x03, 0xde, 0xad,                                /*   assignment */
    0x00,                                            /*   assignment tagged fields */
    0x00,                                            /* tagged fields */
};

/* Response v0. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x0c,             /* frame size 12 */
    0x00, 0x00, 0x00, 0x07,             /* correlation_id 7 */
    0x00, 0x00,                         /* error_code 0 */
    0x00, 0x00, 0x00, 0x02, 0xde, 0xad, /* assignment */
};

/* Response v4 (first flexible): REBALANCE_IN_PROGRESS, empty assignment. */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x0d, /* frame size 13 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x1b,             /* error_code 27 */
    0x01,                   /* assignment: 0 bytes */
    0x00,                   /* tagged fields */
};

/* Response v5. */
static const uint8_t resp_v5[] = {
    0x00, 0x00, 0x00, 0x1e,                          /* frame size 30 */
    0x00, 0x00, 0x00, 0x07,                          /* correlation_id 7 */
    0x00,                                            /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                          /* throttle_time_ms 0 */
    0x00, 0x00,                                      /* error_code 0 */
    0x09, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r', /* protocol_type "consumer" */
    0x06, 'r',  'a',  'n',  'g', 'e',                /* protocol_name "range" */
    0x03, 0xde, 0xad,                                /* assignment */
    0x00,                                            /* tagged fields */
};

Test(sync_group, encodes_and_decodes_request_v0) {
    kfk_sync_group_request_assignment_t asg[] = {
        {.member_id = KFK_STR("m1"), .assignment = {blob, 2}}};
    kfk_sync_group_request_t req = {.group_id = KFK_STR("g"),
                                    .generation_id = 1,
                                    .member_id = KFK_STR("m1"),
                                    .group_instance_id = KFK_STR("i1"), /* not in v0 */
                                    .assignments = KFK_ARRAY_OF(asg)};
    cc_expect_request(API, 0, CORR, &req, req_v0, sizeof req_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_request_t *d = cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->generation_id, 1);
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->group_instance_id.len, -1);
    cr_assert_eq(d->protocol_type.len, -1);
    cr_assert_eq(d->protocol_name.len, -1);
    cr_assert_eq(d->assignments.count, 1);
    const kfk_sync_group_request_assignment_t *s = d->assignments.items;
    cr_assert(kfk_str_eq(s->member_id, "m1"));
    cr_assert(cc_bytes_is(s->assignment, "\xde\xad"));
    kfk_arena_free(&a);
}

Test(sync_group, encodes_and_decodes_request_v4_flexible) {
    kfk_sync_group_request_t req = {.group_id = KFK_STR("g"),
                                    .generation_id = 1,
                                    .member_id = KFK_STR("m1"),
                                    .group_instance_id = KFK_STR("i1"),
                                    .protocol_type = KFK_STR("consumer"), /* not in v4 */
                                    .protocol_name = KFK_STR("range")};   /* not in v4 */
    cc_expect_request(API, 4, CORR, &req, req_v4, sizeof req_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_request_t *d = cc_decode_request(API, 4, CORR, req_v4, sizeof req_v4, &a);
    cr_assert(kfk_str_eq(d->group_instance_id, "i1"));
    cr_assert_eq(d->protocol_type.len, -1);
    cr_assert_eq(d->assignments.count, 0);
    kfk_arena_free(&a);
}

Test(sync_group, encodes_and_decodes_request_v5) {
    kfk_sync_group_request_assignment_t asg[] = {
        {.member_id = KFK_STR("m1"), .assignment = {blob, 2}}};
    kfk_sync_group_request_t req = {.group_id = KFK_STR("g"),
                                    .generation_id = 1,
                                    .member_id = KFK_STR("m1"),
                                    .group_instance_id = {NULL, -1},
                                    .protocol_type = KFK_STR("consumer"),
                                    .protocol_name = KFK_STR("range"),
                                    .assignments = KFK_ARRAY_OF(asg)};
    cc_expect_request(API, 5, CORR, &req, req_v5, sizeof req_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_request_t *d = cc_decode_request(API, 5, CORR, req_v5, sizeof req_v5, &a);
    cr_assert_eq(d->group_instance_id.len, -1);
    cr_assert(kfk_str_eq(d->protocol_type, "consumer"));
    cr_assert(kfk_str_eq(d->protocol_name, "range"));
    cr_assert_eq(d->assignments.count, 1);
    kfk_arena_free(&a);
}

Test(sync_group, encodes_and_decodes_responses_v0_v4_v5) {
    kfk_sync_group_response_t r0 = {.throttle_time_ms = 4, .assignment = {blob, 2}};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    kfk_sync_group_response_t r4 = {.error_code = KFK_ERR_REBALANCE_IN_PROGRESS,
                                    .protocol_type = KFK_STR("consumer"), /* not in v4 */
                                    .assignment = {NULL, 0}};
    cc_expect_response(API, 4, CORR, &r4, resp_v4, sizeof resp_v4);
    kfk_sync_group_response_t r5 = {.protocol_type = KFK_STR("consumer"),
                                    .protocol_name = KFK_STR("range"),
                                    .assignment = {blob, 2}};
    cc_expect_response(API, 5, CORR, &r5, resp_v5, sizeof resp_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->error_code, 0);
    cr_assert(cc_bytes_is(d->assignment, "\xde\xad"));
    d = cc_decode_response(API, 4, CORR, resp_v4, sizeof resp_v4, &a);
    cr_assert_eq(d->error_code, KFK_ERR_REBALANCE_IN_PROGRESS);
    cr_assert_eq(d->protocol_type.len, -1);
    cr_assert_eq(d->assignment.len, 0);
    d = cc_decode_response(API, 5, CORR, resp_v5, sizeof resp_v5, &a);
    cr_assert(kfk_str_eq(d->protocol_type, "consumer"));
    cr_assert(kfk_str_eq(d->protocol_name, "range"));
    cr_assert(cc_bytes_is(d->assignment, "\xde\xad"));
    kfk_arena_free(&a);
}

Test(sync_group, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_sync_group_request_assignment_t asg[] = {
            {.member_id = KFK_STR("m1"), .assignment = {blob, 2}},
            {.member_id = KFK_STR("m2"), .assignment = {NULL, 0}, .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_sync_group_request_t req = {
            .group_id = KFK_STR("group"),
            .generation_id = 5,
            .member_id = KFK_STR("m1"),
            .group_instance_id = v % 2 ? KFK_STR("i1") : (kfk_str_t){NULL, -1},
            .protocol_type = KFK_STR("consumer"),
            .protocol_name = v % 2 ? (kfk_str_t){NULL, -1} : KFK_STR("range"),
            .assignments = KFK_ARRAY_OF(asg),
            .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_sync_group_request_t *dq =
            cc_round_trip(API, &kfk_sync_group_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(dq->group_id, "group"), "v%d", v);
        cr_assert_eq(dq->generation_id, 5, "v%d", v);
        cr_assert(kfk_str_eq(dq->group_instance_id, v >= 3 && v % 2 ? "i1" : NULL), "v%d", v);
        cr_assert(kfk_str_eq(dq->protocol_type, v >= 5 ? "consumer" : NULL), "v%d", v);
        cr_assert(kfk_str_eq(dq->protocol_name, v >= 5 && v % 2 == 0 ? "range" : NULL), "v%d", v);
        cr_assert_eq(dq->assignments.count, 2, "v%d", v);
        const kfk_sync_group_request_assignment_t *s = dq->assignments.items;
        cr_assert(kfk_str_eq(s[1].member_id, "m2"), "v%d", v);
        cr_assert(cc_bytes_is(s[0].assignment, "\xde\xad"), "v%d", v);
        cr_assert(cc_tags_kept(API, s[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, dq->unknown_tags, v), "v%d", v);

        kfk_sync_group_response_t resp = {.throttle_time_ms = 6,
                                          .error_code = KFK_ERR_ILLEGAL_GENERATION,
                                          .protocol_type = {NULL, -1},
                                          .protocol_name = KFK_STR("range"),
                                          .assignment = {blob, 2},
                                          .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_sync_group_response_t *dr =
            cc_round_trip(API, &kfk_sync_group_response_schema, v, &resp, &a);
        cr_assert_eq(dr->throttle_time_ms, v >= 1 ? 6 : 0, "v%d", v);
        cr_assert_eq(dr->error_code, KFK_ERR_ILLEGAL_GENERATION, "v%d", v);
        cr_assert_eq(dr->protocol_type.len, -1, "v%d", v);
        cr_assert(kfk_str_eq(dr->protocol_name, v >= 5 ? "range" : NULL), "v%d", v);
        cr_assert(cc_bytes_is(dr->assignment, "\xde\xad"), "v%d", v);
        cr_assert(cc_tags_kept(API, dr->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(sync_group, refuses_nulls_the_version_does_not_allow) {
    kfk_sync_group_response_t resp = {.assignment = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_sync_group_response_schema, 5, &resp);
    kfk_sync_group_request_t req = {.member_id = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_sync_group_request_schema, 5, &req);
}

Test(sync_group, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, true, 5, req_v5, sizeof req_v5);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
    cc_expect_truncations_fail(API, false, 5, resp_v5, sizeof resp_v5);
}

Test(sync_group, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v0 response: the assignment length at 10. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 10, huge, 4);
    /* not nullable */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 10, minus1_32, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 10, minus2_32, 4);
    /* v0 request: assignments count at 28, member_id length at 32. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 28, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 28, minus2_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 32, minus2_16, 2);
    /* v4 response: a compact assignment length of 2^32 - 2 (uvarint ff ff ff ff 0f). */
    static const uint8_t compact_huge[] = {
        0x00, 0x00, 0x00, 0x07,      /* correlation_id */
        0x00,                        /* header tagged fields */
        0x00, 0x00, 0x00, 0x00,      /* throttle_time_ms */
        0x00, 0x00,                  /* error_code */
        0xff, 0xff, 0xff, 0xff, 0x0f /* assignment length + 1 = 0xffffffff */
    };
    cr_assert_eq(cc_decode_exact(API, false, 4, compact_huge, sizeof compact_huge),
                 KFK_ERR__BAD_MSG);
}
