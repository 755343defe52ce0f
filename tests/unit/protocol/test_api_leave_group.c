/*
 * test_api_leave_group.c: LeaveGroup (key 13) tables, kfk versions 0-4 (flexible from 4; v3
 * replaces the single member_id with a batch of members). Golden frames written by hand from
 * the protocol spec (v0, v3 and v4 both ways), a round trip of every version, malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_LEAVE_GROUP
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
/* An unknown tagged field (tag 9, one byte 0x2a), kept raw through a decode. */
static const uint8_t unknown_tag[] = {0x09, 0x01, 0x2a};
#define UNKNOWN_TAGS ((kfk_bytes_t){unknown_tag, (int32_t)sizeof unknown_tag})

/* True when the decoded unknown tags are ours (flexible versions) or empty (others). */
static bool tags_kept(kfk_bytes_t t, int16_t version) {
    if (!kfk_api_is_flexible(API, version))
        return t.len <= 0;
    return t.len == (int32_t)sizeof unknown_tag && !memcmp(t.ptr, unknown_tag, sizeof unknown_tag);
}

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
    expect_request(0, &r0, req_v0, sizeof req_v0);
    kfk_leave_group_request_t r3 = {.group_id = KFK_STR("g"),
                                    .member_id = KFK_STR("ignored"), /* not in v3 */
                                    .members = KFK_ARRAY_OF(one)};
    expect_request(3, &r3, req_v3, sizeof req_v3);
    kfk_leave_group_request_t r4 = {.group_id = KFK_STR("g"), .members = KFK_ARRAY_OF(two)};
    expect_request(4, &r4, req_v4, sizeof req_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_leave_group_request_t *d = decode_request(0, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->members.count, 0);
    d = decode_request(3, req_v3, sizeof req_v3, &a);
    cr_assert_eq(d->member_id.len, 0, "absent in v3: default empty");
    cr_assert_eq(d->members.count, 1);
    const kfk_leave_group_request_member_identity_t *m = d->members.items;
    cr_assert(kfk_str_eq(m[0].member_id, "m1"));
    cr_assert_eq(m[0].group_instance_id.len, -1);
    d = decode_request(4, req_v4, sizeof req_v4, &a);
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
    expect_response(0, &r0, resp_v0, sizeof resp_v0);
    kfk_leave_group_response_t r3 = {.members = KFK_ARRAY_OF(one)};
    expect_response(3, &r3, resp_v3, sizeof resp_v3);
    kfk_leave_group_response_t r4 = {.members = KFK_ARRAY_OF(two)};
    expect_response(4, &r4, resp_v4, sizeof resp_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_leave_group_response_t *d = decode_response(0, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->members.count, 0);
    d = decode_response(3, resp_v3, sizeof resp_v3, &a);
    cr_assert_eq(d->members.count, 1);
    d = decode_response(4, resp_v4, sizeof resp_v4, &a);
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
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_leave_group_request_t req = {.group_id = KFK_STR("group"),
                                         .member_id = KFK_STR("m1"),
                                         .members = KFK_ARRAY_OF(ids),
                                         .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_leave_group_request_t *q =
            roundtrip(&kfk_leave_group_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(q->group_id, "group"), "v%d", v);
        cr_assert(kfk_str_eq(q->member_id, v <= 2 ? "m1" : ""), "v%d", v);
        cr_assert_eq(q->members.count, v >= 3 ? 2 : 0, "v%d", v);
        if (v >= 3) {
            const kfk_leave_group_request_member_identity_t *m = q->members.items;
            cr_assert(kfk_str_eq(m[0].group_instance_id, "i1"), "v%d", v);
            cr_assert(kfk_str_eq(m[1].member_id, "m2"), "v%d", v);
            cr_assert_eq(m[1].group_instance_id.len, -1, "v%d", v);
            cr_assert(tags_kept(m[1].unknown_tags, v), "v%d", v);
        }
        cr_assert(tags_kept(q->unknown_tags, v), "v%d", v);

        kfk_leave_group_response_member_response_t res[] = {
            {.member_id = KFK_STR("m1"),
             .group_instance_id = KFK_STR("i1"),
             .error_code = KFK_ERR_FENCED_INSTANCE_ID,
             .unknown_tags = UNKNOWN_TAGS},
            {.member_id = KFK_STR("m2"), .group_instance_id = {NULL, -1}}};
        kfk_leave_group_response_t resp = {.throttle_time_ms = 2,
                                           .error_code = KFK_ERR_NONE,
                                           .members = KFK_ARRAY_OF(res),
                                           .unknown_tags = UNKNOWN_TAGS};
        const kfk_leave_group_response_t *r =
            roundtrip(&kfk_leave_group_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, v >= 1 ? 2 : 0, "v%d", v);
        cr_assert_eq(r->members.count, v >= 3 ? 2 : 0, "v%d", v);
        if (v >= 3) {
            const kfk_leave_group_response_member_response_t *m = r->members.items;
            cr_assert_eq(m[0].error_code, KFK_ERR_FENCED_INSTANCE_ID, "v%d", v);
            cr_assert(kfk_str_eq(m[0].group_instance_id, "i1"), "v%d", v);
            cr_assert(tags_kept(m[0].unknown_tags, v), "v%d", v);
            cr_assert_eq(m[1].group_instance_id.len, -1, "v%d", v);
        }
        cr_assert(tags_kept(r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(leave_group, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 0, req_v0, sizeof req_v0);
    expect_truncations_fail(true, 3, req_v3, sizeof req_v3);
    expect_truncations_fail(true, 4, req_v4, sizeof req_v4);
    expect_truncations_fail(false, 0, resp_v0, sizeof resp_v0);
    expect_truncations_fail(false, 3, resp_v3, sizeof resp_v3);
    expect_truncations_fail(false, 4, resp_v4, sizeof resp_v4);
}

Test(leave_group, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v3 response: members count at 14, group_instance_id length at 22. */
    expect_bad_patch(false, 3, resp_v3, sizeof resp_v3, 14, huge, 4);
    expect_bad_patch(false, 3, resp_v3, sizeof resp_v3, 14, minus1_32, 4); /* not nullable */
    expect_bad_patch(false, 3, resp_v3, sizeof resp_v3, 14, minus2_32, 4);
    expect_bad_patch(false, 3, resp_v3, sizeof resp_v3, 22, minus2_16, 2);
    /* v3 request: members count at 20. */
    expect_bad_patch(true, 3, req_v3, sizeof req_v3, 20, huge, 4);
    /* v4 request: the member_id of the second member (at 26) is null. */
    static const uint8_t null_compact[] = {0x00};
    expect_bad_patch(true, 4, req_v4, sizeof req_v4, 26, null_compact, 1);
}
