/*
 * test_api_incremental_alter_configs.c: IncrementalAlterConfigs (key 44) tables, kfk versions
 * 0-1 (flexible from 1). Golden frames written by hand from the protocol spec (v0 and v1 both
 * ways), a round trip of both versions, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_INCREMENTAL_ALTER_CONFIGS
#define CORR 7

typedef kfk_incremental_alter_configs_request_alter_configs_resource_t resource_t;
typedef kfk_incremental_alter_configs_request_alterable_config_t config_t;
typedef kfk_incremental_alter_configs_response_alter_configs_resource_response_t result_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: on topic "t", set a=1 and delete b. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x27,      /* frame size 39 */
    0x00, 0x2c, 0x00, 0x00,      /* api_key 44, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,      /* resources: 1 */
    0x02,                        /*   resource_type 2 (topic) */
    0x00, 0x01, 't',             /*   resource_name "t" */
    0x00, 0x00, 0x00, 0x02,      /*   configs: 2 */
    0x00, 0x01, 'a',             /*     name "a" */
    0x00,                        /*     config_operation 0 (set) */
    0x00, 0x01, '1',             /*     value "1" */
    0x00, 0x01, 'b',             /*     name "b" */
    0x01,                        /*     config_operation 1 (delete) */
    0xff, 0xff,                  /*     value null */
    0x00,                        /* validate_only false */
};

/* Request v1 (first flexible): the same changes, validated only. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x21,      /* frame size 33 */
    0x00, 0x2c, 0x00, 0x01,      /* api_key 44, api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x02,                        /* resources: 1 */
    0x02,                        /*   resource_type 2 (topic) */
    0x02, 't',                   /*   resource_name "t" */
    0x03,                        /*   configs: 2 */
    0x02, 'a',                   /*     name "a" */
    0x00,                        /*     config_operation 0 (set) */
    0x02, '1',                   /*     value "1" */
    0x00,                        /*     config tagged fields */
    0x02, 'b',                   /*     name "b" */
    0x01,                        /*     config_operation 1 (delete) */
    0x00,                        /*     value null */
    0x00,                        /*     config tagged fields */
    0x00,                        /*   resource tagged fields */
    0x01,                        /* validate_only true */
    0x00,                        /* tagged fields */
};

/* Response v0: topic "t" refused. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x17,      /* frame size 23 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00,      /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01,      /* responses: 1 */
    0x00, 0x28,                  /*   error_code 40 INVALID_CONFIG */
    0x00, 0x03, 'b',  'a',  'd', /*   error_message "bad" */
    0x02,                        /*   resource_type 2 (topic) */
    0x00, 0x01, 't',             /*   resource_name "t" */
};

/* Response v1 (first flexible): topic "t" altered, broker "1" refused. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x1c, /* frame size 28 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x03,                   /* responses: 2 */
    0x00, 0x00,             /*   error_code 0 */
    0x00,                   /*   error_message null */
    0x02,                   /*   resource_type 2 (topic) */
    0x02, 't',              /*   resource_name "t" */
    0x00,                   /*   response tagged fields */
    0x00, 0x28,             /*   error_code 40 INVALID_CONFIG */
    0x04, 'b',  'a',  'd',  /*   error_message "bad" */
    0x04,                   /*   resource_type 4 (broker) */
    0x02, '1',              /*   resource_name "1" */
    0x00,                   /*   response tagged fields */
    0x00,                   /* tagged fields */
};

Test(incremental_alter_configs, encodes_and_decodes_request_v0_v1) {
    config_t cs[] = {{.name = KFK_STR("a"), .config_operation = 0, .value = KFK_STR("1")},
                     {.name = KFK_STR("b"), .config_operation = 1, .value = {NULL, -1}}};
    resource_t rs[] = {
        {.resource_type = 2, .resource_name = KFK_STR("t"), .configs = KFK_ARRAY_OF(cs)}};
    kfk_incremental_alter_configs_request_t r0 = {.resources = KFK_ARRAY_OF(rs)};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    kfk_incremental_alter_configs_request_t r1 = {.resources = KFK_ARRAY_OF(rs),
                                                  .validate_only = true};
    cc_expect_request(API, 1, CORR, &r1, req_v1, sizeof req_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const uint8_t *frames[] = {req_v0, req_v1};
    size_t sizes[] = {sizeof req_v0, sizeof req_v1};
    for (int16_t v = 0; v <= 1; v++) {
        const kfk_incremental_alter_configs_request_t *d =
            cc_decode_request(API, v, CORR, frames[v], sizes[v], &a);
        cr_assert_eq(d->resources.count, 1);
        const resource_t *r = d->resources.items;
        cr_assert_eq(r[0].resource_type, 2);
        cr_assert(kfk_str_eq(r[0].resource_name, "t"));
        cr_assert_eq(r[0].configs.count, 2);
        const config_t *c = r[0].configs.items;
        cr_assert(kfk_str_eq(c[0].name, "a"));
        cr_assert_eq(c[0].config_operation, 0);
        cr_assert(kfk_str_eq(c[0].value, "1"));
        cr_assert(kfk_str_eq(c[1].name, "b"));
        cr_assert_eq(c[1].config_operation, 1);
        cr_assert_eq(c[1].value.len, -1);
        cr_assert_eq(d->validate_only, v == 1);
    }
    kfk_arena_free(&a);
}

Test(incremental_alter_configs, encodes_and_decodes_response_v0_v1) {
    result_t one[] = {{.error_code = KFK_ERR_INVALID_CONFIG,
                       .error_message = KFK_STR("bad"),
                       .resource_type = 2,
                       .resource_name = KFK_STR("t")}};
    kfk_incremental_alter_configs_response_t r0 = {.responses = KFK_ARRAY_OF(one)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    result_t two[] = {
        {.error_message = {NULL, -1}, .resource_type = 2, .resource_name = KFK_STR("t")},
        {.error_code = KFK_ERR_INVALID_CONFIG,
         .error_message = KFK_STR("bad"),
         .resource_type = 4,
         .resource_name = KFK_STR("1")}};
    kfk_incremental_alter_configs_response_t r1 = {.responses = KFK_ARRAY_OF(two)};
    cc_expect_response(API, 1, CORR, &r1, resp_v1, sizeof resp_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_incremental_alter_configs_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->responses.count, 1);
    const result_t *r = d->responses.items;
    cr_assert_eq(r[0].error_code, KFK_ERR_INVALID_CONFIG);
    cr_assert(kfk_str_eq(r[0].error_message, "bad"));
    d = cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(d->responses.count, 2);
    r = d->responses.items;
    cr_assert_eq(r[0].error_code, 0);
    cr_assert_eq(r[0].error_message.len, -1);
    cr_assert_eq(r[1].resource_type, 4);
    cr_assert(kfk_str_eq(r[1].resource_name, "1"));
    kfk_arena_free(&a);
}

Test(incremental_alter_configs, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 1);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        config_t cs[] = {{.name = KFK_STR("cleanup.policy"),
                          .config_operation = 2,
                          .value = KFK_STR("compact"),
                          .unknown_tags = CC_UNKNOWN_TAGS},
                         {.name = KFK_STR("retention.ms"), .value = {NULL, -1}}};
        resource_t rs[] = {{.resource_type = 2,
                            .resource_name = KFK_STR("topic"),
                            .configs = KFK_ARRAY_OF(cs),
                            .unknown_tags = CC_UNKNOWN_TAGS},
                           {.resource_type = 4, .resource_name = KFK_STR("")}};
        kfk_incremental_alter_configs_request_t req = {
            .resources = KFK_ARRAY_OF(rs), .validate_only = true, .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_incremental_alter_configs_request_t *q =
            cc_round_trip(API, &kfk_incremental_alter_configs_request_schema, v, &req, &a);
        cr_assert_eq(q->resources.count, 2, "v%d", v);
        const resource_t *qr = q->resources.items;
        cr_assert_eq(qr[0].configs.count, 2, "v%d", v);
        const config_t *qc = qr[0].configs.items;
        cr_assert_eq(qc[0].config_operation, 2, "v%d", v);
        cr_assert(cc_tags_kept(API, qc[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(qc[1].value.len, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, qr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(qr[1].configs.count, 0, "v%d", v);
        cr_assert(q->validate_only, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        result_t res[] = {{.error_code = KFK_ERR_POLICY_VIOLATION,
                           .error_message = KFK_STR("no"),
                           .resource_type = 2,
                           .resource_name = KFK_STR("topic"),
                           .unknown_tags = CC_UNKNOWN_TAGS},
                          {.error_message = {NULL, -1}, .resource_type = 4}};
        kfk_incremental_alter_configs_response_t resp = {
            .throttle_time_ms = 4, .responses = KFK_ARRAY_OF(res), .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_incremental_alter_configs_response_t *r =
            cc_round_trip(API, &kfk_incremental_alter_configs_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 4, "v%d", v);
        cr_assert_eq(r->responses.count, 2, "v%d", v);
        const result_t *rr = r->responses.items;
        cr_assert_eq(rr[0].error_code, KFK_ERR_POLICY_VIOLATION, "v%d", v);
        cr_assert(cc_tags_kept(API, rr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(rr[1].error_message.len, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(incremental_alter_configs, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_trailing_byte_refused(API, true, 0, req_v0, sizeof req_v0);
}

Test(incremental_alter_configs, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t null_compact[] = {0x00};
    /* v0 request: resources count at 17, configs count at 25 (not nullable), the first config's
     * name at 29 (not nullable), the second's value at 40 (nullable, but not -2). */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 25, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 29, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 40, minus2_16, 2);
    /* v1 request: resources count at 18 null, the resource's name at 20 null. */
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 18, null_compact, 1);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 20, null_compact, 1);
    /* v0 response: responses count at 12, resource_name at 24 (not nullable). */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 24, minus1_16, 2);
}
