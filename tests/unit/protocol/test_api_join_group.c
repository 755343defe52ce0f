/*
 * test_api_join_group.c: JoinGroup (key 11) tables, kfk versions 0-7 (flexible from 6). Golden
 * frames written by hand from the protocol spec (v0 and v6 both ways, v7 response), a round trip
 * of every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_JOIN_GROUP
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
    expect_request(0, &req, req_v0, sizeof req_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_request_t *d = decode_request(0, req_v0, sizeof req_v0, &a);
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
    expect_request(6, &req, req_v6, sizeof req_v6);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_request_t *d = decode_request(6, req_v6, sizeof req_v6, &a);
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
    expect_response(0, &resp, resp_v0, sizeof resp_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_response_t *d = decode_response(0, resp_v0, sizeof resp_v0, &a);
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
    expect_response(6, &resp, resp_v6, sizeof resp_v6);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_response_t *d = decode_response(6, resp_v6, sizeof resp_v6, &a);
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
    expect_response(7, &resp, resp_v7, sizeof resp_v7);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_join_group_response_t *d = decode_response(7, resp_v7, sizeof resp_v7, &a);
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
            {.name = KFK_STR("range"), .metadata = {NULL, 0}, .unknown_tags = UNKNOWN_TAGS}};
        kfk_join_group_request_t req = {.group_id = KFK_STR("group"),
                                        .session_timeout_ms = 45000,
                                        .rebalance_timeout_ms = 300000,
                                        .member_id = KFK_STR("member-1"),
                                        .group_instance_id =
                                            v % 2 ? KFK_STR("instance-1") : (kfk_str_t){NULL, -1},
                                        .protocol_type = KFK_STR("consumer"),
                                        .protocols = KFK_ARRAY_OF(protos),
                                        .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_join_group_request_t *d = roundtrip(&kfk_join_group_request_schema, v, &req, &a);
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
        cr_assert(bytes_is(p[0].metadata, "\xde\xad"), "v%d", v);
        cr_assert_eq(p[1].metadata.len, 0, "v%d", v);
        cr_assert(tags_kept(p[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
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
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_join_group_response_t resp = {
            .throttle_time_ms = 8,
            .error_code = 0,
            .generation_id = 12,
            .protocol_type = v % 2 ? KFK_STR("consumer") : (kfk_str_t){NULL, -1},
            .protocol_name = v >= 7 && v % 2 == 0 ? (kfk_str_t){NULL, -1} : KFK_STR("range"),
            .leader = KFK_STR("m1"),
            .member_id = KFK_STR("m2"),
            .members = KFK_ARRAY_OF(members),
            .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_join_group_response_t *d =
            roundtrip(&kfk_join_group_response_schema, v, &resp, &a);
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
        cr_assert(bytes_is(m[0].metadata, "\xde\xad"), "v%d", v);
        cr_assert_eq(m[1].group_instance_id.len, -1, "v%d", v);
        cr_assert(tags_kept(m[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(join_group, refuses_nulls_the_version_does_not_allow) {
    kfk_join_group_response_t resp = {.protocol_name = {NULL, -1}};
    expect_encode_refused(&kfk_join_group_response_schema, 6, &resp); /* nullable from v7 */
    kfk_join_group_request_t req = {.group_id = {NULL, -1}};
    expect_encode_refused(&kfk_join_group_request_schema, 7, &req);
    kfk_join_group_request_protocol_t protos[] = {
        {.name = KFK_STR("range"), .metadata = {NULL, -1}}};
    kfk_join_group_request_t req2 = {.protocols = KFK_ARRAY_OF(protos)};
    expect_encode_refused(&kfk_join_group_request_schema, 7, &req2); /* metadata not nullable */
}

/* ---- malformed input --------------------------------------------------------------------- */

Test(join_group, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 0, req_v0, sizeof req_v0);
    expect_truncations_fail(true, 6, req_v6, sizeof req_v6);
    expect_truncations_fail(false, 0, resp_v0, sizeof resp_v0);
    expect_truncations_fail(false, 6, resp_v6, sizeof resp_v6);
    expect_truncations_fail(false, 7, resp_v7, sizeof resp_v7);
}

Test(join_group, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t past_end[] = {0x7f, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v0 response: protocol_name length at 14, members count at 29, member metadata at 37. */
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 14, past_end, 2);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 14, minus2_16, 2);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 29, huge, 4);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 29, minus2_32, 4);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 37, huge, 4);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 37, minus1_32, 4); /* not nullable */
    /* v0 request: protocols count at 36. */
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 36, huge, 4);
    /* v6 response: members compact count (at 25) far past the end. */
    static const uint8_t compact_big[] = {0x7f};
    expect_bad_patch(false, 6, resp_v6, sizeof resp_v6, 25, compact_big, 1);
}
