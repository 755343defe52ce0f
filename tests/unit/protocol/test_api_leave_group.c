/*
 * test_api_leave_group.c: LeaveGroup (key 13) tables, kfk versions 0-4 (flexible from 4; v3
 * replaces the single member_id with a batch of members). Golden frames written by hand from
 * the protocol spec (v0, v3 and v4 both ways), a round trip of every version, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_LEAVE_GROUP
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: member "m1" leaves group "g". */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x14,      /* frame size 20 */
    0x00, 0x0d, 0x00, 0x00,      /* api_key 13, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x01, 'g',             /* group_id "g" */
    0x00, 0x02, 'm',  '1',       /* member_id "m1" */
};

/* Request v3: the batch form, one dynamic member. */
static const uint8_t req_v3[] = {
    0x00, 0x00, 0x00, 0x1a,      /* frame size 26 */
    0x00, 0x0d, 0x00, 0x03,      /* api_key 13, api_version 3 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x01, 'g',             /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,      /* members: 1 */
    0x00, 0x02, 'm',  '1',       /*   member_id "m1" */
    0xff, 0xff,                  /*   group_instance_id null */
};

/* Request v4 (first flexible): a dynamic member and a static one. */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x1c,      /* frame size 28 */
    0x00, 0x0d, 0x00, 0x04,      /* api_key 13, api_version 4 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x02, 'g',                   /* group_id "g" */
    0x03,                        /* members: 2 */
    0x03, 'm',  '1',             /*   member_id "m1" */
    0x00,                        /*   group_instance_id null */
    0x00,                        /*   member tagged fields */
    0x01,                        /*   member_id "" */
    0x03, 'i',  '2',             /*   group_instance_id "i2" */
    0x00,                        /*   member tagged fields */
    0x00,                        /* tagged fields */
};

/* Response v0. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x06, /* frame size 6 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00,             /* error_code 0 */
};

/* Response v3: one member's result. */
static const uint8_t resp_v3[] = {
    0x00, 0x00, 0x00, 0x16, /* frame size 22 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00,             /* error_code 0 */
    0x00, 0x00, 0x00, 0x01, /* members: 1 */
    0x00, 0x02, 'm',  '1',  /*   member_id "m1" */
    0xff, 0xff,             /*   group_instance_id null */
    0x00, 0x00,             /*   error_code 0 */
};

/* Response v4 (first flexible): per-member results. */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x1b, /* frame size 27 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00,             /* error_code 0 */
    0x03,                   /* members: 2 */
    0x03, 'm',  '1',        /*   member_id "m1" */
    0x00,                   /*   group_instance_id null */
    0x00, 0x00,             /*   error_code 0 */
    0x00,                   /*   member tagged fields */
    0x01,                   /*   member_id "" */
    0x03, 'i',  '2',        /*   group_instance_id "i2" */
    0x00, 0x19,             /*   error_code 25 UNKNOWN_MEMBER_ID */
    0x00,                   /*   member tagged fields */
    0x00,                   /* tagged fields */
};

Test(leave_group, encodes_and_decodes_request_v0_v3_v4) {
    kfk_leave_group_request_member_identity_t one[] = {
        {.member_id = KFK_STR("m1"), .group_instance_id = {NULL, -1}}};
    kfk_leave_group_request_member_identity_t two[] = {
        {.member_id = KFK_STR("m1"), .group_instance_id = {NULL, -1}},
        {.member_id = KFK_STR(""), .group_instance_id = KFK_STR("i2")}};
    kfk_leave_group_request_t r0 = {.group_id = KFK_STR("g"),
                                    .member_id = KFK_STR("m1"),
                                    .members = KFK_ARRAY_OF(two)}; /* members not in v0 */
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    kfk_leave_group_request_t r3 = {.group_id = KFK_STR("g"),
                                    .member_id = KFK_STR("ignored"), /* not in v3 */
                                    .members = KFK_ARRAY_OF(one)};
    cc_expect_request(API, 3, CORR, &r3, req_v3, sizeof req_v3);
    kfk_leave_group_request_t r4 = {.group_id = KFK_STR("g"), .members = KFK_ARRAY_OF(two)};
    cc_expect_request(API, 4, CORR, &r4, req_v4, sizeof req_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_leave_group_request_t *d = cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->members.count, 0);
    d = cc_decode_request(API, 3, CORR, req_v3, sizeof req_v3, &a);
    cr_assert_eq(d->member_id.len, 0, "absent in v3: default empty");
    cr_assert_eq(d->members.count, 1);
    const kfk_leave_group_request_member_identity_t *m = d->members.items;
    cr_assert(kfk_str_eq(m[0].member_id, "m1"));
    cr_assert_eq(m[0].group_instance_id.len, -1);
    d = cc_decode_request(API, 4, CORR, req_v4, sizeof req_v4, &a);
    cr_assert_eq(d->members.count, 2);
    m = d->members.items;
    cr_assert(kfk_str_eq(m[0].member_id, "m1"));
    cr_assert_eq(m[0].group_instance_id.len, -1);
    cr_assert(kfk_str_eq(m[1].member_id, ""));
    cr_assert(kfk_str_eq(m[1].group_instance_id, "i2"));
    kfk_arena_free(&a);
}

Test(leave_group, encodes_and_decodes_response_v0_v3_v4) {
    kfk_leave_group_response_member_response_t one[] = {
        {.member_id = KFK_STR("m1"), .group_instance_id = {NULL, -1}}};
    kfk_leave_group_response_member_response_t two[] = {
        {.member_id = KFK_STR("m1"), .group_instance_id = {NULL, -1}},
        {.member_id = KFK_STR(""),
         .group_instance_id = KFK_STR("i2"),
         .error_code = KFK_ERR_UNKNOWN_MEMBER_ID}};
    kfk_leave_group_response_t r0 = {.throttle_time_ms = 1, .members = KFK_ARRAY_OF(two)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    kfk_leave_group_response_t r3 = {.members = KFK_ARRAY_OF(one)};
    cc_expect_response(API, 3, CORR, &r3, resp_v3, sizeof resp_v3);
    kfk_leave_group_response_t r4 = {.members = KFK_ARRAY_OF(two)};
    cc_expect_response(API, 4, CORR, &r4, resp_v4, sizeof resp_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_leave_group_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->members.count, 0);
    d = cc_decode_response(API, 3, CORR, resp_v3, sizeof resp_v3, &a);
    cr_assert_eq(d->members.count, 1);
    d = cc_decode_response(API, 4, CORR, resp_v4, sizeof resp_v4, &a);
    cr_assert_eq(d->members.count, 2);
    const kfk_leave_group_response_member_response_t *m = d->members.items;
    cr_assert(kfk_str_eq(m[0].member_id, "m1"));
    cr_assert_eq(m[0].group_instance_id.len, -1);
    cr_assert_eq(m[0].error_code, 0);
    cr_assert(kfk_str_eq(m[1].group_instance_id, "i2"));
    cr_assert_eq(m[1].error_code, KFK_ERR_UNKNOWN_MEMBER_ID);
    kfk_arena_free(&a);
}

Test(leave_group, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_leave_group_request_member_identity_t ids[] = {
            {.member_id = KFK_STR("m1"), .group_instance_id = KFK_STR("i1")},
            {.member_id = KFK_STR("m2"),
             .group_instance_id = {NULL, -1},
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_leave_group_request_t req = {.group_id = KFK_STR("group"),
                                         .member_id = KFK_STR("m1"),
                                         .members = KFK_ARRAY_OF(ids),
                                         .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_leave_group_request_t *q =
            cc_round_trip(API, &kfk_leave_group_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(q->group_id, "group"), "v%d", v);
        cr_assert(kfk_str_eq(q->member_id, v <= 2 ? "m1" : ""), "v%d", v);
        cr_assert_eq(q->members.count, v >= 3 ? 2 : 0, "v%d", v);
        if (v >= 3) {
            const kfk_leave_group_request_member_identity_t *m = q->members.items;
            cr_assert(kfk_str_eq(m[0].group_instance_id, "i1"), "v%d", v);
            cr_assert(kfk_str_eq(m[1].member_id, "m2"), "v%d", v);
            cr_assert_eq(m[1].group_instance_id.len, -1, "v%d", v);
            cr_assert(cc_tags_kept(API, m[1].unknown_tags, v), "v%d", v);
        }
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        kfk_leave_group_response_member_response_t res[] = {
            {.member_id = KFK_STR("m1"),
             .group_instance_id = KFK_STR("i1"),
             .error_code = KFK_ERR_FENCED_INSTANCE_ID,
             .unknown_tags = CC_UNKNOWN_TAGS},
            {.member_id = KFK_STR("m2"), .group_instance_id = {NULL, -1}}};
        kfk_leave_group_response_t resp = {.throttle_time_ms = 2,
                                           .error_code = KFK_ERR_NONE,
                                           .members = KFK_ARRAY_OF(res),
                                           .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_leave_group_response_t *r =
            cc_round_trip(API, &kfk_leave_group_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, v >= 1 ? 2 : 0, "v%d", v);
        cr_assert_eq(r->members.count, v >= 3 ? 2 : 0, "v%d", v);
        if (v >= 3) {
            const kfk_leave_group_response_member_response_t *m = r->members.items;
            cr_assert_eq(m[0].error_code, KFK_ERR_FENCED_INSTANCE_ID, "v%d", v);
            cr_assert(kfk_str_eq(m[0].group_instance_id, "i1"), "v%d", v);
            cr_assert(cc_tags_kept(API, m[0].unknown_tags, v), "v%d", v);
            cr_assert_eq(m[1].group_instance_id.len, -1, "v%d", v);
        }
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(leave_group, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 3, req_v3, sizeof req_v3);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 3, resp_v3, sizeof resp_v3);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
}

Test(leave_group, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v3 response: members count at 14, group_instance_id length at 22. */
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 14, huge, 4);
    /* not nullable */
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 14, minus1_32, 4);
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 14, minus2_32, 4);
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 22, minus2_16, 2);
    /* v3 request: members count at 20. */
    cc_expect_bad_patch(API, true, 3, req_v3, sizeof req_v3, 20, huge, 4);
    /* v4 request: the member_id of the second member (at 26) is null. */
    static const uint8_t null_compact[] = {0x00};
    cc_expect_bad_patch(API, true, 4, req_v4, sizeof req_v4, 26, null_compact, 1);
}
