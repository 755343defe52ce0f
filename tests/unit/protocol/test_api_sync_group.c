/*
 * test_api_sync_group.c: SyncGroup (key 14) tables, kfk versions 0-5 (flexible from 4). Golden
 * frames written by hand from the protocol spec (v0, v4 and v5 both ways), a round trip of
 * every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_SYNC_GROUP
#define CORR 7

/* Asserts that @p w holds exactly the @p n bytes at @p exp, naming the first byte that differs. */
static void expect_bytes(const kfk_wbuf_t *w, const uint8_t *exp, size_t n) {
    cr_assert_eq(w->err, KFK_ERR_NONE, "encoder error %d", w->err);
    cr_assert_eq(w->len, n, "encoded %zu bytes, expected %zu", w->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w->data[i], exp[i], "byte %zu is 0x%02x, expected 0x%02x", i, w->data[i],
                     exp[i]);
}

/* A golden frame's size prefix must state the bytes after it (a check of the hand count). */
static void expect_frame_size(const uint8_t *f, size_t n) {
    size_t stated = ((size_t)f[0] << 24) | ((size_t)f[1] << 16) | ((size_t)f[2] << 8) | f[3];
    cr_assert_eq(stated, n - 4, "golden frame states %zu bytes but holds %zu", stated, n - 4);
}

/* Encodes a framed request (client_id "kfk") and compares it with the golden frame. */
static void expect_request(int16_t version, const void *body, const uint8_t *exp, size_t n) {
    kfk_request_header_t h = {API, version, CORR, KFK_STR("kfk"), {NULL, 0}};
    expect_frame_size(exp, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, body), KFK_ERR_NONE);
    expect_bytes(&w, exp, n);
    kfk_wbuf_free(&w);
}

/* Encodes a framed response and compares it with the golden frame. */
static void expect_response(int16_t version, const void *body, const uint8_t *exp, size_t n) {
    expect_frame_size(exp, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, API, version, CORR, body), KFK_ERR_NONE);
    expect_bytes(&w, exp, n);
    kfk_wbuf_free(&w);
}

/* Decodes a golden request frame (with its size prefix); the body lives in @p a. */
static const void *decode_request(int16_t version, const uint8_t *frame, size_t n, kfk_arena_t *a) {
    kfk_request_header_t h;
    void *body = NULL;
    cr_assert_eq(kfk_request_decode(frame + 4, n - 4, &h, a, &body), KFK_ERR_NONE);
    cr_assert_eq(h.api_key, API);
    cr_assert_eq(h.api_version, version);
    cr_assert_eq(h.correlation_id, CORR);
    cr_assert(kfk_str_eq(h.client_id, "kfk"));
    return body;
}

/* Decodes a golden response frame (with its size prefix); the body lives in @p a. */
static const void *decode_response(int16_t version, const uint8_t *frame, size_t n,
                                   kfk_arena_t *a) {
    int32_t corr = 0;
    void *body = NULL;
    cr_assert_eq(kfk_response_decode(frame + 4, n - 4, API, version, &corr, a, &body),
                 KFK_ERR_NONE);
    cr_assert_eq(corr, CORR);
    return body;
}

/* Decodes @p n bytes of a frame body copied to a buffer of exactly that size (so that ASan sees
 * any over-read): a request if @p request, else a response at @p version. */
static kfk_err_t decode_exact(bool request, int16_t version, const uint8_t *bytes, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    if (n)
        memcpy(copy, bytes, n);
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body = NULL;
    kfk_err_t err;
    if (request) {
        kfk_request_header_t h;
        err = kfk_request_decode(copy, n, &h, &a, &body);
    } else {
        int32_t corr;
        err = kfk_response_decode(copy, n, API, version, &corr, &a, &body);
    }
    if (err)
        cr_assert_null(body);
    kfk_arena_free(&a);
    free(copy);
    return err;
}

/* Every strict prefix of a golden frame's body (size prefix dropped) must fail to decode. */
static void expect_truncations_fail(bool request, int16_t version, const uint8_t *frame, size_t n) {
    cr_assert_eq(decode_exact(request, version, frame + 4, n - 4), KFK_ERR_NONE);
    for (size_t cut = 0; cut < n - 4; cut++)
        cr_assert_neq(decode_exact(request, version, frame + 4, cut), KFK_ERR_NONE,
                      "a frame cut to %zu of %zu bytes decoded", cut, n - 4);
}

/* A golden frame with @p len bytes at @p off replaced by @p patch must give KFK_ERR__BAD_MSG. */
static void expect_bad_patch(bool request, int16_t version, const uint8_t *frame, size_t n,
                             size_t off, const uint8_t *patch, size_t len) {
    uint8_t copy[512];
    cr_assert_leq(n, sizeof copy);
    cr_assert_leq(off + len, n);
    memcpy(copy, frame, n);
    memcpy(copy + off, patch, len);
    cr_assert_eq(decode_exact(request, version, copy + 4, n - 4), KFK_ERR__BAD_MSG,
                 "patch at byte %zu was accepted", off);
}

/* Encodes @p msg with @p schema at @p version, decodes it (from a copy in @p a), re-encodes the
 * result and requires the same bytes. Returns the decoded struct (it lives in @p a). */
static const void *roundtrip(const kfk_schema_t *schema, int16_t version, const void *msg,
                             kfk_arena_t *a) {
    bool flex = kfk_api_is_flexible(API, version);
    kfk_wbuf_t w1, w2;
    kfk_wbuf_init(&w1);
    kfk_wbuf_init(&w2);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, msg, &w1), KFK_ERR_NONE,
                 "%s v%d does not encode", kfk_schema_name(schema), version);
    uint8_t *bytes = kfk_arena_alloc(a, w1.len ? w1.len : 1);
    cr_assert_not_null(bytes);
    memcpy(bytes, w1.data, w1.len);
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, bytes, w1.len);
    void *out = kfk_arena_alloc(a, kfk_schema_size(schema));
    cr_assert_not_null(out);
    cr_assert_eq(kfk_schema_decode(schema, version, flex, &r, a, out), KFK_ERR_NONE,
                 "%s v%d does not decode", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_rbuf_left(&r), 0, "%s v%d left bytes", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, out, &w2), KFK_ERR_NONE);
    cr_assert_eq(w1.len, w2.len, "%s v%d re-encodes to %zu bytes, not %zu", kfk_schema_name(schema),
                 version, w2.len, w1.len);
    cr_assert(!memcmp(w1.data, w2.data, w1.len), "%s v%d re-encodes differently",
              kfk_schema_name(schema), version);
    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    return out;
}

/* Encoding @p msg at @p version must be refused with KFK_ERR__INVALID_ARG. */
static void expect_encode_refused(const kfk_schema_t *schema, int16_t version, const void *msg) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(schema, version, kfk_api_is_flexible(API, version), msg, &w),
                 KFK_ERR__INVALID_ARG, "%s v%d encoded", kfk_schema_name(schema), version);
    kfk_wbuf_free(&w);
}

/* An unknown tagged field (tag 9, one byte 0x2a), kept raw through a decode. */
static const uint8_t unknown_tag[] = {0x09, 0x01, 0x2a};
#define UNKNOWN_TAGS ((kfk_bytes_t){unknown_tag, (int32_t)sizeof unknown_tag})

static bool bytes_is(kfk_bytes_t b, const char *c) {
    if (!c)
        return b.len == -1;
    return b.len == (int32_t)strlen(c) && (b.len == 0 || !memcmp(b.ptr, c, (size_t)b.len));
}

/* True when the decoded unknown tags are ours (flexible versions) or empty (others). */
static bool tags_kept(kfk_bytes_t t, int16_t version) {
    if (!kfk_api_is_flexible(API, version))
        return t.len <= 0;
    return t.len == (int32_t)sizeof unknown_tag && !memcmp(t.ptr, unknown_tag, sizeof unknown_tag);
}

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
    expect_request(0, &req, req_v0, sizeof req_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_request_t *d = decode_request(0, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->generation_id, 1);
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->group_instance_id.len, -1);
    cr_assert_eq(d->protocol_type.len, -1);
    cr_assert_eq(d->protocol_name.len, -1);
    cr_assert_eq(d->assignments.count, 1);
    const kfk_sync_group_request_assignment_t *s = d->assignments.items;
    cr_assert(kfk_str_eq(s->member_id, "m1"));
    cr_assert(bytes_is(s->assignment, "\xde\xad"));
    kfk_arena_free(&a);
}

Test(sync_group, encodes_and_decodes_request_v4_flexible) {
    kfk_sync_group_request_t req = {.group_id = KFK_STR("g"),
                                    .generation_id = 1,
                                    .member_id = KFK_STR("m1"),
                                    .group_instance_id = KFK_STR("i1"),
                                    .protocol_type = KFK_STR("consumer"), /* not in v4 */
                                    .protocol_name = KFK_STR("range")};   /* not in v4 */
    expect_request(4, &req, req_v4, sizeof req_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_request_t *d = decode_request(4, req_v4, sizeof req_v4, &a);
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
    expect_request(5, &req, req_v5, sizeof req_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_request_t *d = decode_request(5, req_v5, sizeof req_v5, &a);
    cr_assert_eq(d->group_instance_id.len, -1);
    cr_assert(kfk_str_eq(d->protocol_type, "consumer"));
    cr_assert(kfk_str_eq(d->protocol_name, "range"));
    cr_assert_eq(d->assignments.count, 1);
    kfk_arena_free(&a);
}

Test(sync_group, encodes_and_decodes_responses_v0_v4_v5) {
    kfk_sync_group_response_t r0 = {.throttle_time_ms = 4, .assignment = {blob, 2}};
    expect_response(0, &r0, resp_v0, sizeof resp_v0);
    kfk_sync_group_response_t r4 = {.error_code = KFK_ERR_REBALANCE_IN_PROGRESS,
                                    .protocol_type = KFK_STR("consumer"), /* not in v4 */
                                    .assignment = {NULL, 0}};
    expect_response(4, &r4, resp_v4, sizeof resp_v4);
    kfk_sync_group_response_t r5 = {.protocol_type = KFK_STR("consumer"),
                                    .protocol_name = KFK_STR("range"),
                                    .assignment = {blob, 2}};
    expect_response(5, &r5, resp_v5, sizeof resp_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sync_group_response_t *d = decode_response(0, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->error_code, 0);
    cr_assert(bytes_is(d->assignment, "\xde\xad"));
    d = decode_response(4, resp_v4, sizeof resp_v4, &a);
    cr_assert_eq(d->error_code, KFK_ERR_REBALANCE_IN_PROGRESS);
    cr_assert_eq(d->protocol_type.len, -1);
    cr_assert_eq(d->assignment.len, 0);
    d = decode_response(5, resp_v5, sizeof resp_v5, &a);
    cr_assert(kfk_str_eq(d->protocol_type, "consumer"));
    cr_assert(kfk_str_eq(d->protocol_name, "range"));
    cr_assert(bytes_is(d->assignment, "\xde\xad"));
    kfk_arena_free(&a);
}

Test(sync_group, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_sync_group_request_assignment_t asg[] = {
            {.member_id = KFK_STR("m1"), .assignment = {blob, 2}},
            {.member_id = KFK_STR("m2"), .assignment = {NULL, 0}, .unknown_tags = UNKNOWN_TAGS}};
        kfk_sync_group_request_t req = {
            .group_id = KFK_STR("group"),
            .generation_id = 5,
            .member_id = KFK_STR("m1"),
            .group_instance_id = v % 2 ? KFK_STR("i1") : (kfk_str_t){NULL, -1},
            .protocol_type = KFK_STR("consumer"),
            .protocol_name = v % 2 ? (kfk_str_t){NULL, -1} : KFK_STR("range"),
            .assignments = KFK_ARRAY_OF(asg),
            .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_sync_group_request_t *dq = roundtrip(&kfk_sync_group_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(dq->group_id, "group"), "v%d", v);
        cr_assert_eq(dq->generation_id, 5, "v%d", v);
        cr_assert(kfk_str_eq(dq->group_instance_id, v >= 3 && v % 2 ? "i1" : NULL), "v%d", v);
        cr_assert(kfk_str_eq(dq->protocol_type, v >= 5 ? "consumer" : NULL), "v%d", v);
        cr_assert(kfk_str_eq(dq->protocol_name, v >= 5 && v % 2 == 0 ? "range" : NULL), "v%d", v);
        cr_assert_eq(dq->assignments.count, 2, "v%d", v);
        const kfk_sync_group_request_assignment_t *s = dq->assignments.items;
        cr_assert(kfk_str_eq(s[1].member_id, "m2"), "v%d", v);
        cr_assert(bytes_is(s[0].assignment, "\xde\xad"), "v%d", v);
        cr_assert(tags_kept(s[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(dq->unknown_tags, v), "v%d", v);

        kfk_sync_group_response_t resp = {.throttle_time_ms = 6,
                                          .error_code = KFK_ERR_ILLEGAL_GENERATION,
                                          .protocol_type = {NULL, -1},
                                          .protocol_name = KFK_STR("range"),
                                          .assignment = {blob, 2},
                                          .unknown_tags = UNKNOWN_TAGS};
        const kfk_sync_group_response_t *dr =
            roundtrip(&kfk_sync_group_response_schema, v, &resp, &a);
        cr_assert_eq(dr->throttle_time_ms, v >= 1 ? 6 : 0, "v%d", v);
        cr_assert_eq(dr->error_code, KFK_ERR_ILLEGAL_GENERATION, "v%d", v);
        cr_assert_eq(dr->protocol_type.len, -1, "v%d", v);
        cr_assert(kfk_str_eq(dr->protocol_name, v >= 5 ? "range" : NULL), "v%d", v);
        cr_assert(bytes_is(dr->assignment, "\xde\xad"), "v%d", v);
        cr_assert(tags_kept(dr->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(sync_group, refuses_nulls_the_version_does_not_allow) {
    kfk_sync_group_response_t resp = {.assignment = {NULL, -1}};
    expect_encode_refused(&kfk_sync_group_response_schema, 5, &resp);
    kfk_sync_group_request_t req = {.member_id = {NULL, -1}};
    expect_encode_refused(&kfk_sync_group_request_schema, 5, &req);
}

Test(sync_group, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 0, req_v0, sizeof req_v0);
    expect_truncations_fail(true, 4, req_v4, sizeof req_v4);
    expect_truncations_fail(true, 5, req_v5, sizeof req_v5);
    expect_truncations_fail(false, 0, resp_v0, sizeof resp_v0);
    expect_truncations_fail(false, 4, resp_v4, sizeof resp_v4);
    expect_truncations_fail(false, 5, resp_v5, sizeof resp_v5);
}

Test(sync_group, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v0 response: the assignment length at 10. */
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 10, huge, 4);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 10, minus1_32, 4); /* not nullable */
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 10, minus2_32, 4);
    /* v0 request: assignments count at 28, member_id length at 32. */
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 28, huge, 4);
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 28, minus2_32, 4);
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 32, minus2_16, 2);
    /* v4 response: a compact assignment length of 2^32 - 2 (uvarint ff ff ff ff 0f). */
    static const uint8_t compact_huge[] = {
        0x00, 0x00, 0x00, 0x07,      /* correlation_id */
        0x00,                        /* header tagged fields */
        0x00, 0x00, 0x00, 0x00,      /* throttle_time_ms */
        0x00, 0x00,                  /* error_code */
        0xff, 0xff, 0xff, 0xff, 0x0f /* assignment length + 1 = 0xffffffff */
    };
    cr_assert_eq(decode_exact(false, 4, compact_huge, sizeof compact_huge), KFK_ERR__BAD_MSG);
}
