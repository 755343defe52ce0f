/*
 * test_api_join_group.c: JoinGroup (key 11) tables, kfk versions 0-7 (flexible from 6). Golden
 * frames written by hand from the protocol spec (v0 and v6 both ways, v7 response), a round trip
 * of every version, and malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_JOIN_GROUP
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

static const uint8_t meta[] = {0xde, 0xad}; /* a protocol's metadata (opaque here) */

/* Request v0: a first join of group "g" with the range assignor. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x31,                                 /* frame size 49 */
    0x00, 0x0b, 0x00, 0x00,                                 /* api_key 11, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                                 /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                            /* client_id "kfk" */
    0x00, 0x01, 'g',                                        /* group_id "g" */
    0x00, 0x00, 0x75, 0x30,                                 /* session_timeout_ms 30000 */
    0x00, 0x00,                                             /* member_id "" */
    0x00, 0x08, 'c',  'o',  'n',  's',  'u', 'm', 'e', 'r', /* protocol_type "consumer" */
    0x00, 0x00, 0x00, 0x01,                                 /* protocols: 1 */
    0x00, 0x05, 'r',  'a',  'n',  'g',  'e',                /*   name "range" */
    0x00, 0x00, 0x00, 0x02, 0xde, 0xad,                     /*   metadata: 2 bytes */
};

/* Request v6 (first flexible): a rejoin with the member id the coordinator gave. */
static const uint8_t req_v6[] = {
    0x00, 0x00, 0x00, 0x31,                          /* frame size 49 */
    0x00, 0x0b, 0x00, 0x06,                          /* api_key 11, api_version 6 */
    0x00, 0x00, 0x00, 0x07,                          /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                     /* client_id "kfk" */
    0x00,                                            /* header tagged fields */
    0x02, 'g',                                       /* group_id "g" */
    0x00, 0x00, 0xaf, 0xc8,                          /* session_timeout_ms 45000 */
    0x00, 0x04, 0x93, 0xe0,                          /* rebalance_timeout_ms 300000 */
    0x03, 'm',  '1',                                 /* member_id "m1" */
    0x00,                                            /* group_instance_id null */
    0x09, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r', /* protocol_type "consumer" */
    0x02,                                            /* protocols: 1 */
    0x06, 'r',  'a',  'n',  'g', 'e',                /*   name "range" */
    0x03, 0xde, 0xad,                                /*   metadata: 2 bytes */
    0x00,                                            /*   protocol tagged fields */
    0x00,                                            /* tagged fields */
};

/* Response v0: the leader's view, with its own member's metadata. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x27,                  /* frame size 39 */
    0x00, 0x00, 0x00, 0x07,                  /* correlation_id 7 */
    0x00, 0x00,                              /* error_code 0 */
    0x00, 0x00, 0x00, 0x01,                  /* generation_id 1 */
    0x00, 0x05, 'r',  'a',  'n',  'g',  'e', /* protocol_name "range" */
    0x00, 0x02, 'm',  '1',                   /* leader "m1" */
    0x00, 0x02, 'm',  '1',                   /* member_id "m1" */
    0x00, 0x00, 0x00, 0x01,                  /* members: 1 */
    0x00, 0x02, 'm',  '1',                   /*   member_id "m1" */
    0x00, 0x00, 0x00, 0x02, 0xde, 0xad,      /*   metadata */
};

/* Response v6 (first flexible): MEMBER_ID_REQUIRED with the id to rejoin with (KIP-394). */
static const uint8_t resp_v6[] = {
    0x00, 0x00, 0x00, 0x17, /* frame size 23 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x4f,             /* error_code 79 */
    0xff, 0xff, 0xff, 0xff, /* generation_id -1 */
    0x01,                   /* protocol_name "" (not nullable before v7) */
    0x01,                   /* leader "" */
    0x04, 'm',  '-',  '1',  /* member_id "m-1" */
    0x01,                   /* members: 0 */
    0x00,                   /* tagged fields */
};

/* Response v7: protocol_type added; one static member. */
static const uint8_t resp_v7[] = {
    0x00, 0x00, 0x00, 0x30,                          /* frame size 48 */
    0x00, 0x00, 0x00, 0x07,                          /* correlation_id 7 */
    0x00,                                            /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                          /* throttle_time_ms 0 */
    0x00, 0x00,                                      /* error_code 0 */
    0x00, 0x00, 0x00, 0x03,                          /* generation_id 3 */
    0x09, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r', /* protocol_type "consumer" */
    0x06, 'r',  'a',  'n',  'g', 'e',                /* protocol_name "range" */
    0x03, 'm',  '1',                                 /* leader "m1" */
    0x03, 'm',  '2',                                 /* member_id "m2" */
    0x02,                                            /* members: 1 */
    0x03, 'm',  '1',                                 /*   member_id "m1" */
    0x03, 'i',  '1',                                 /*   group_instance_id "i1" */
    0x03, 0xde, 0xad,                                /*   metadata */
    0x00,                                            /*   member tagged fields */
    0x00,                                            /* tagged fields */
};

Test(join_group, encodes_and_decodes_request_v0) {
    kfk_join_group_request_protocol_t protos[] = {
        {.name = KFK_STR("range"), .metadata = {meta, 2}}};
    kfk_join_group_request_t req = {.group_id = KFK_STR("g"),
                                    .session_timeout_ms = 30000,
                                    .rebalance_timeout_ms = 300000, /* not in v0 */
                                    .member_id = KFK_STR(""),
                                    .group_instance_id = KFK_STR("i1"), /* not in v0 */
                                    .protocol_type = KFK_STR("consumer"),
                                    .protocols = KFK_ARRAY_OF(protos)};
    cc_expect_request(API, 0, CORR, &req, req_v0, sizeof req_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_request_t *d = cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->session_timeout_ms, 30000);
    cr_assert_eq(d->rebalance_timeout_ms, -1, "absent in v0: default -1");
    cr_assert(kfk_str_eq(d->member_id, ""));
    cr_assert_eq(d->group_instance_id.len, -1, "absent in v0: default null");
    cr_assert(kfk_str_eq(d->protocol_type, "consumer"));
    cr_assert_eq(d->protocols.count, 1);
    const kfk_join_group_request_protocol_t *p = d->protocols.items;
    cr_assert(kfk_str_eq(p->name, "range"));
    cr_assert(p->metadata.len == 2 && !memcmp(p->metadata.ptr, meta, 2));
    kfk_arena_free(&a);
}

Test(join_group, encodes_and_decodes_request_v6_flexible) {
    kfk_join_group_request_protocol_t protos[] = {
        {.name = KFK_STR("range"), .metadata = {meta, 2}}};
    kfk_join_group_request_t req = {.group_id = KFK_STR("g"),
                                    .session_timeout_ms = 45000,
                                    .rebalance_timeout_ms = 300000,
                                    .member_id = KFK_STR("m1"),
                                    .group_instance_id = {NULL, -1},
                                    .protocol_type = KFK_STR("consumer"),
                                    .protocols = KFK_ARRAY_OF(protos)};
    cc_expect_request(API, 6, CORR, &req, req_v6, sizeof req_v6);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_request_t *d = cc_decode_request(API, 6, CORR, req_v6, sizeof req_v6, &a);
    cr_assert_eq(d->session_timeout_ms, 45000);
    cr_assert_eq(d->rebalance_timeout_ms, 300000);
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->group_instance_id.len, -1);
    const kfk_join_group_request_protocol_t *p = d->protocols.items;
    cr_assert_eq(d->protocols.count, 1);
    cr_assert(kfk_str_eq(p->name, "range"));
    cr_assert(p->metadata.len == 2 && !memcmp(p->metadata.ptr, meta, 2));
    kfk_arena_free(&a);
}

Test(join_group, encodes_and_decodes_response_v0) {
    kfk_join_group_response_member_t members[] = {
        {.member_id = KFK_STR("m1"), .metadata = {meta, 2}}};
    kfk_join_group_response_t resp = {.generation_id = 1,
                                      .protocol_type = KFK_STR("consumer"), /* not in v0 */
                                      .protocol_name = KFK_STR("range"),
                                      .leader = KFK_STR("m1"),
                                      .member_id = KFK_STR("m1"),
                                      .members = KFK_ARRAY_OF(members)};
    cc_expect_response(API, 0, CORR, &resp, resp_v0, sizeof resp_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->generation_id, 1);
    cr_assert_eq(d->protocol_type.len, -1, "absent in v0: default null");
    cr_assert(kfk_str_eq(d->protocol_name, "range"));
    cr_assert(kfk_str_eq(d->leader, "m1"));
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->members.count, 1);
    const kfk_join_group_response_member_t *m = d->members.items;
    cr_assert(kfk_str_eq(m->member_id, "m1"));
    cr_assert_eq(m->group_instance_id.len, -1);
    cr_assert(m->metadata.len == 2 && !memcmp(m->metadata.ptr, meta, 2));
    kfk_arena_free(&a);
}

Test(join_group, encodes_and_decodes_response_v6_member_id_required) {
    kfk_join_group_response_t resp = {.error_code = KFK_ERR_MEMBER_ID_REQUIRED,
                                      .generation_id = -1,
                                      .protocol_name = KFK_STR(""),
                                      .leader = KFK_STR(""),
                                      .member_id = KFK_STR("m-1")};
    cc_expect_response(API, 6, CORR, &resp, resp_v6, sizeof resp_v6);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_response_t *d =
        cc_decode_response(API, 6, CORR, resp_v6, sizeof resp_v6, &a);
    cr_assert_eq(d->error_code, KFK_ERR_MEMBER_ID_REQUIRED);
    cr_assert_eq(d->generation_id, -1);
    cr_assert(kfk_str_eq(d->member_id, "m-1"));
    cr_assert_eq(d->members.count, 0);
    kfk_arena_free(&a);
}

Test(join_group, encodes_and_decodes_response_v7_with_protocol_type) {
    kfk_join_group_response_member_t members[] = {
        {.member_id = KFK_STR("m1"), .group_instance_id = KFK_STR("i1"), .metadata = {meta, 2}}};
    kfk_join_group_response_t resp = {.generation_id = 3,
                                      .protocol_type = KFK_STR("consumer"),
                                      .protocol_name = KFK_STR("range"),
                                      .leader = KFK_STR("m1"),
                                      .member_id = KFK_STR("m2"),
                                      .members = KFK_ARRAY_OF(members)};
    cc_expect_response(API, 7, CORR, &resp, resp_v7, sizeof resp_v7);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_response_t *d =
        cc_decode_response(API, 7, CORR, resp_v7, sizeof resp_v7, &a);
    cr_assert_eq(d->generation_id, 3);
    cr_assert(kfk_str_eq(d->protocol_type, "consumer"));
    cr_assert(kfk_str_eq(d->protocol_name, "range"));
    cr_assert(kfk_str_eq(d->leader, "m1"));
    cr_assert(kfk_str_eq(d->member_id, "m2"));
    const kfk_join_group_response_member_t *m = d->members.items;
    cr_assert_eq(d->members.count, 1);
    cr_assert(kfk_str_eq(m->group_instance_id, "i1"));
    kfk_arena_free(&a);
}

/* ---- round trips ------------------------------------------------------------------------- */

Test(join_group, request_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_join_group_request_protocol_t protos[] = {
            {.name = KFK_STR("cooperative-sticky"), .metadata = {meta, 2}},
            {.name = KFK_STR("range"), .metadata = {NULL, 0}, .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_join_group_request_t req = {.group_id = KFK_STR("group"),
                                        .session_timeout_ms = 45000,
                                        .rebalance_timeout_ms = 300000,
                                        .member_id = KFK_STR("member-1"),
                                        .group_instance_id =
                                            v % 2 ? KFK_STR("instance-1") : (kfk_str_t){NULL, -1},
                                        .protocol_type = KFK_STR("consumer"),
                                        .protocols = KFK_ARRAY_OF(protos),
                                        .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_join_group_request_t *d =
            cc_round_trip(API, &kfk_join_group_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(d->group_id, "group"), "v%d", v);
        cr_assert_eq(d->session_timeout_ms, 45000, "v%d", v);
        cr_assert_eq(d->rebalance_timeout_ms, v >= 1 ? 300000 : -1, "v%d", v);
        cr_assert(kfk_str_eq(d->member_id, "member-1"), "v%d", v);
        cr_assert(kfk_str_eq(d->group_instance_id, v >= 5 && v % 2 ? "instance-1" : NULL), "v%d",
                  v);
        cr_assert(kfk_str_eq(d->protocol_type, "consumer"), "v%d", v);
        cr_assert_eq(d->protocols.count, 2, "v%d", v);
        const kfk_join_group_request_protocol_t *p = d->protocols.items;
        cr_assert(kfk_str_eq(p[0].name, "cooperative-sticky"), "v%d", v);
        cr_assert(cc_bytes_is(p[0].metadata, "\xde\xad"), "v%d", v);
        cr_assert_eq(p[1].metadata.len, 0, "v%d", v);
        cr_assert(cc_tags_kept(API, p[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(join_group, response_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_join_group_response_member_t members[] = {
            {.member_id = KFK_STR("m1"), .group_instance_id = KFK_STR("i1"), .metadata = {meta, 2}},
            {.member_id = KFK_STR("m2"),
             .group_instance_id = {NULL, -1},
             .metadata = {NULL, 0},
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_join_group_response_t resp = {
            .throttle_time_ms = 8,
            .error_code = 0,
            .generation_id = 12,
            .protocol_type = v % 2 ? KFK_STR("consumer") : (kfk_str_t){NULL, -1},
            .protocol_name = v >= 7 && v % 2 == 0 ? (kfk_str_t){NULL, -1} : KFK_STR("range"),
            .leader = KFK_STR("m1"),
            .member_id = KFK_STR("m2"),
            .members = KFK_ARRAY_OF(members),
            .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_join_group_response_t *d =
            cc_round_trip(API, &kfk_join_group_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 2 ? 8 : 0, "v%d", v);
        cr_assert_eq(d->generation_id, 12, "v%d", v);
        cr_assert(kfk_str_eq(d->protocol_type, v >= 7 && v % 2 ? "consumer" : NULL), "v%d", v);
        cr_assert(kfk_str_eq(d->protocol_name, v >= 7 && v % 2 == 0 ? NULL : "range"), "v%d", v);
        cr_assert(kfk_str_eq(d->leader, "m1"), "v%d", v);
        cr_assert(kfk_str_eq(d->member_id, "m2"), "v%d", v);
        cr_assert_eq(d->members.count, 2, "v%d", v);
        const kfk_join_group_response_member_t *m = d->members.items;
        cr_assert(kfk_str_eq(m[0].member_id, "m1"), "v%d", v);
        cr_assert(kfk_str_eq(m[0].group_instance_id, v >= 5 ? "i1" : NULL), "v%d", v);
        cr_assert(cc_bytes_is(m[0].metadata, "\xde\xad"), "v%d", v);
        cr_assert_eq(m[1].group_instance_id.len, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, m[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(join_group, refuses_nulls_the_version_does_not_allow) {
    kfk_join_group_response_t resp = {.protocol_name = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_join_group_response_schema, 6, &resp); /* nullable from v7 */
    kfk_join_group_request_t req = {.group_id = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_join_group_request_schema, 7, &req);
    kfk_join_group_request_protocol_t protos[] = {
        {.name = KFK_STR("range"), .metadata = {NULL, -1}}};
    kfk_join_group_request_t req2 = {.protocols = KFK_ARRAY_OF(protos)};
    cc_expect_encode_refused(API, &kfk_join_group_request_schema, 7,
                             &req2); /* metadata not nullable */
}

/* ---- malformed input --------------------------------------------------------------------- */

Test(join_group, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 6, req_v6, sizeof req_v6);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 6, resp_v6, sizeof resp_v6);
    cc_expect_truncations_fail(API, false, 7, resp_v7, sizeof resp_v7);
}

Test(join_group, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t past_end[] = {0x7f, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v0 response: protocol_name length at 14, members count at 29, member metadata at 37. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 14, past_end, 2);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 14, minus2_16, 2);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 29, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 29, minus2_32, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 37, huge, 4);
    /* not nullable */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 37, minus1_32, 4);
    /* v0 request: protocols count at 36. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 36, huge, 4);
    /* v6 response: members compact count (at 25) far past the end. */
    static const uint8_t compact_big[] = {0x7f};
    cc_expect_bad_patch(API, false, 6, resp_v6, sizeof resp_v6, 25, compact_big, 1);
}
