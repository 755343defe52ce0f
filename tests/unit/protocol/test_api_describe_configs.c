/*
 * test_api_describe_configs.c: DescribeConfigs (key 32) tables, kfk versions 1-4 (Kafka 4.x
 * dropped v0; flexible from 4; v3 adds documentation and config types). Golden frames written by
 * hand from the protocol spec (v1 and v4 both ways), a round trip of every version, malformed
 * input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_DESCRIBE_CONFIGS
#define CORR 7

typedef kfk_describe_configs_request_describe_configs_resource_t resource_t;
typedef kfk_describe_configs_response_describe_configs_result_t result_t;
typedef kfk_describe_configs_response_describe_configs_resource_result_t config_t;
typedef kfk_describe_configs_response_describe_configs_synonym_t synonym_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v1: every config of topic "t", with synonyms. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x1a,      /* frame size 26 */
    0x00, 0x20, 0x00, 0x01,      /* api_key 32, api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,      /* resources: 1 */
    0x02,                        /*   resource_type 2 (topic) */
    0x00, 0x01, 't',             /*   resource_name "t" */
    0xff, 0xff, 0xff, 0xff,      /*   configuration_keys null (all) */
    0x01,                        /* include_synonyms true */
};

/* Request v4 (first flexible): topic "t" whole, and key "a.b" of broker "1". */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x20,      /* frame size 32 */
    0x00, 0x20, 0x00, 0x04,      /* api_key 32, api_version 4 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x03,                        /* resources: 2 */
    0x02,                        /*   resource_type 2 (topic) */
    0x02, 't',                   /*   resource_name "t" */
    0x00,                        /*   configuration_keys null (all) */
    0x00,                        /*   resource tagged fields */
    0x04,                        /*   resource_type 4 (broker) */
    0x02, '1',                   /*   resource_name "1" */
    0x02,                        /*   configuration_keys: 1 */
    0x04, 'a',  '.',  'b',       /*     "a.b" */
    0x00,                        /*   resource tagged fields */
    0x01,                        /* include_synonyms true */
    0x00,                        /* include_documentation false */
    0x00,                        /* tagged fields */
};

/* Response v1: topic "t" has k=v, set dynamically, with one synonym. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x2c, /* frame size 44 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01, /* results: 1 */
    0x00, 0x00,             /*   error_code 0 */
    0xff, 0xff,             /*   error_message null */
    0x02,                   /*   resource_type 2 (topic) */
    0x00, 0x01, 't',        /*   resource_name "t" */
    0x00, 0x00, 0x00, 0x01, /*   configs: 1 */
    0x00, 0x01, 'k',        /*     name "k" */
    0x00, 0x01, 'v',        /*     value "v" */
    0x00,                   /*     read_only false */
    0x01,                   /*     config_source 1 (dynamic topic) */
    0x00,                   /*     is_sensitive false */
    0x00, 0x00, 0x00, 0x01, /*     synonyms: 1 */
    0x00, 0x01, 'k',        /*       name "k" */
    0x00, 0x01, 'v',        /*       value "v" */
    0x01,                   /*       source 1 */
};

/* Response v4 (first flexible): a sensitive password config, its value hidden (null). */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x20, /* frame size 32 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x02,                   /* results: 1 */
    0x00, 0x00,             /*   error_code 0 */
    0x00,                   /*   error_message null */
    0x02,                   /*   resource_type 2 (topic) */
    0x02, 't',              /*   resource_name "t" */
    0x02,                   /*   configs: 1 */
    0x02, 'k',              /*     name "k" */
    0x00,                   /*     value null */
    0x00,                   /*     read_only false */
    0x05,                   /*     config_source 5 (default) */
    0x01,                   /*     is_sensitive true */
    0x01,                   /*     synonyms: 0 */
    0x09,                   /*     config_type 9 (password) */
    0x04, 'd',  'o',  'c',  /*     documentation "doc" */
    0x00,                   /*     config tagged fields */
    0x00,                   /*   result tagged fields */
    0x00,                   /* tagged fields */
};

Test(describe_configs, encodes_and_decodes_request_v1_v4) {
    resource_t one[] = {
        {.resource_type = 2, .resource_name = KFK_STR("t"), .configuration_keys = {NULL, -1}}};
    kfk_describe_configs_request_t r1 = {
        .resources = KFK_ARRAY_OF(one), .include_synonyms = true, .include_documentation = true};
    cc_expect_request(API, 1, CORR, &r1, req_v1, sizeof req_v1); /* no documentation in v1 */
    kfk_str_t keys[] = {KFK_STR("a.b")};
    resource_t two[] = {
        {.resource_type = 2, .resource_name = KFK_STR("t"), .configuration_keys = {NULL, -1}},
        {.resource_type = 4,
         .resource_name = KFK_STR("1"),
         .configuration_keys = KFK_ARRAY_OF(keys)}};
    kfk_describe_configs_request_t r4 = {.resources = KFK_ARRAY_OF(two), .include_synonyms = true};
    cc_expect_request(API, 4, CORR, &r4, req_v4, sizeof req_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_describe_configs_request_t *d =
        cc_decode_request(API, 1, CORR, req_v1, sizeof req_v1, &a);
    cr_assert_eq(d->resources.count, 1);
    const resource_t *res = d->resources.items;
    cr_assert_eq(res[0].resource_type, 2);
    cr_assert(kfk_str_eq(res[0].resource_name, "t"));
    cr_assert_eq(res[0].configuration_keys.count, -1);
    cr_assert(d->include_synonyms);
    cr_assert(!d->include_documentation);
    d = cc_decode_request(API, 4, CORR, req_v4, sizeof req_v4, &a);
    cr_assert_eq(d->resources.count, 2);
    res = d->resources.items;
    cr_assert_eq(res[0].configuration_keys.count, -1);
    cr_assert_eq(res[1].resource_type, 4);
    cr_assert_eq(res[1].configuration_keys.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(res[1].configuration_keys, kfk_str_t, 0), "a.b"));
    kfk_arena_free(&a);
}

Test(describe_configs, encodes_and_decodes_response_v1_v4) {
    synonym_t syn[] = {{.name = KFK_STR("k"), .value = KFK_STR("v"), .source = 1}};
    config_t c1[] = {{.name = KFK_STR("k"),
                      .value = KFK_STR("v"),
                      .config_source = 1,
                      .synonyms = KFK_ARRAY_OF(syn),
                      .config_type = 2,
                      .documentation = KFK_STR("not in v1")}};
    result_t res1[] = {{.error_message = {NULL, -1},
                        .resource_type = 2,
                        .resource_name = KFK_STR("t"),
                        .configs = KFK_ARRAY_OF(c1)}};
    kfk_describe_configs_response_t r1 = {.results = KFK_ARRAY_OF(res1)};
    cc_expect_response(API, 1, CORR, &r1, resp_v1, sizeof resp_v1);
    config_t c4[] = {{.name = KFK_STR("k"),
                      .value = {NULL, -1},
                      .config_source = 5,
                      .is_sensitive = true,
                      .config_type = 9,
                      .documentation = KFK_STR("doc")}};
    result_t res4[] = {{.error_message = {NULL, -1},
                        .resource_type = 2,
                        .resource_name = KFK_STR("t"),
                        .configs = KFK_ARRAY_OF(c4)}};
    kfk_describe_configs_response_t r4 = {.results = KFK_ARRAY_OF(res4)};
    cc_expect_response(API, 4, CORR, &r4, resp_v4, sizeof resp_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_describe_configs_response_t *d =
        cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(d->results.count, 1);
    const result_t *r = d->results.items;
    cr_assert_eq(r[0].error_message.len, -1);
    cr_assert(kfk_str_eq(r[0].resource_name, "t"));
    cr_assert_eq(r[0].configs.count, 1);
    const config_t *c = r[0].configs.items;
    cr_assert(kfk_str_eq(c[0].value, "v"));
    cr_assert_eq(c[0].config_source, 1);
    cr_assert_eq(c[0].config_type, 0, "absent in v1: default 0");
    cr_assert_eq(c[0].documentation.len, 0, "absent in v1: default empty");
    cr_assert_eq(c[0].synonyms.count, 1);
    const synonym_t *s = c[0].synonyms.items;
    cr_assert(kfk_str_eq(s[0].name, "k"));
    cr_assert_eq(s[0].source, 1);
    d = cc_decode_response(API, 4, CORR, resp_v4, sizeof resp_v4, &a);
    r = d->results.items;
    c = r[0].configs.items;
    cr_assert_eq(c[0].value.len, -1);
    cr_assert(c[0].is_sensitive);
    cr_assert_eq(c[0].config_source, 5);
    cr_assert_eq(c[0].synonyms.count, 0);
    cr_assert_eq(c[0].config_type, 9);
    cr_assert(kfk_str_eq(c[0].documentation, "doc"));
    kfk_arena_free(&a);
}

Test(describe_configs, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 1);
    cr_assert_eq(api->max_version, 4);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_str_t keys[] = {KFK_STR("retention.ms"), KFK_STR("cleanup.policy")};
        resource_t rs[] = {
            {.resource_type = 2,
             .resource_name = KFK_STR("topic"),
             .configuration_keys = KFK_ARRAY_OF(keys),
             .unknown_tags = CC_UNKNOWN_TAGS},
            {.resource_type = 4, .resource_name = KFK_STR("0"), .configuration_keys = {NULL, -1}}};
        kfk_describe_configs_request_t req = {.resources = KFK_ARRAY_OF(rs),
                                              .include_synonyms = true,
                                              .include_documentation = true,
                                              .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_describe_configs_request_t *q =
            cc_round_trip(API, &kfk_describe_configs_request_schema, v, &req, &a);
        cr_assert_eq(q->resources.count, 2, "v%d", v);
        const resource_t *qr = q->resources.items;
        cr_assert_eq(qr[0].configuration_keys.count, 2, "v%d", v);
        cr_assert_eq(qr[1].configuration_keys.count, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, qr[0].unknown_tags, v), "v%d", v);
        cr_assert(q->include_synonyms, "v%d", v);
        cr_assert_eq(q->include_documentation, v >= 3, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        synonym_t syn[] = {
            {.name = KFK_STR("log.retention.ms"), .value = {NULL, -1}, .source = 4},
            {.name = KFK_STR("retention.ms"), .value = KFK_STR("1000"), .source = 1}};
        config_t cs[] = {{.name = KFK_STR("retention.ms"),
                          .value = KFK_STR("1000"),
                          .read_only = true,
                          .config_source = 1,
                          .synonyms = KFK_ARRAY_OF(syn),
                          .config_type = 5,
                          .documentation = {NULL, -1},
                          .unknown_tags = CC_UNKNOWN_TAGS}};
        result_t res[] = {{.error_code = KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION,
                           .error_message = KFK_STR("no such topic"),
                           .resource_type = 2,
                           .resource_name = KFK_STR("gone")},
                          {.error_message = {NULL, -1},
                           .resource_type = 2,
                           .resource_name = KFK_STR("topic"),
                           .configs = KFK_ARRAY_OF(cs)}};
        kfk_describe_configs_response_t resp = {
            .throttle_time_ms = 3, .results = KFK_ARRAY_OF(res), .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_describe_configs_response_t *r =
            cc_round_trip(API, &kfk_describe_configs_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 3, "v%d", v);
        cr_assert_eq(r->results.count, 2, "v%d", v);
        const result_t *rr = r->results.items;
        cr_assert_eq(rr[0].error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION, "v%d", v);
        cr_assert(kfk_str_eq(rr[0].error_message, "no such topic"), "v%d", v);
        cr_assert_eq(rr[1].error_message.len, -1, "v%d", v);
        const config_t *c = rr[1].configs.items;
        cr_assert(c[0].read_only, "v%d", v);
        cr_assert_eq(c[0].synonyms.count, 2, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(c[0].synonyms, synonym_t, 0).value.len, -1, "v%d", v);
        cr_assert_eq(c[0].config_type, v >= 3 ? 5 : 0, "v%d", v);
        cr_assert_eq(c[0].documentation.len, v >= 3 ? -1 : 0, "v%d", v);
        cr_assert(cc_tags_kept(API, c[0].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(describe_configs, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
    cc_expect_trailing_byte_refused(API, false, 4, resp_v4, sizeof resp_v4);
}

Test(describe_configs, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t big_compact[] = {0x7f};
    /* v1 request: resources count at 17 (not nullable), resource_name at 22, configuration_keys
     * at 25 (nullable, but not -2). */
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 17, huge, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 17, minus1_32, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 22, minus1_16, 2);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 25, minus2_32, 4);
    /* v1 response: results count at 12, configs count at 24, synonyms count at 37, the
     * synonym's name (not nullable) at 41. */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 12, huge, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 24, minus1_32, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 37, huge, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 41, minus1_16, 2);
    /* v4 response: configs count at 20 null, the config's name at 21 null, documentation at 29
     * past the end. */
    cc_expect_bad_patch(API, false, 4, resp_v4, sizeof resp_v4, 20, null_compact, 1);
    cc_expect_bad_patch(API, false, 4, resp_v4, sizeof resp_v4, 21, null_compact, 1);
    cc_expect_bad_patch(API, false, 4, resp_v4, sizeof resp_v4, 29, big_compact, 1);
}
