/*
 * test_api_metadata.c: Metadata (key 3) tables, kfk versions 1-12 (flexible from 9). Golden
 * frames written by hand from the protocol spec (v1, the first flexible v9 and the top v12, in
 * both directions), a round trip of every version, and malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_METADATA
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

static const uint8_t uuid_a[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                   0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

/* Request v1: topics ["foo"]. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x16,      /* frame size 22 */
    0x00, 0x03,                  /* api_key 3 */
    0x00, 0x01,                  /* api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x03, 'f',  'o',  'o', /*   name "foo" */
};

/* Request v1: topics null (every topic). */
static const uint8_t req_v1_all[] = {
    0x00, 0x00, 0x00, 0x11,      /* frame size 17 */
    0x00, 0x03, 0x00, 0x01,      /* api_key 3, api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0xff, 0xff, 0xff, 0xff,      /* topics: null */
};

/* Request v9 (first flexible): topics ["foo"], no auto-creation, both authorized-ops flags. */
static const uint8_t req_v9[] = {
    0x00, 0x00, 0x00, 0x18,      /* frame size 24 */
    0x00, 0x03, 0x00, 0x09,      /* api_key 3, api_version 9 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" (int16 length even in header v2) */
    0x00,                        /* header tagged fields: none */
    0x02,                        /* topics: compact count 1 + 1 */
    0x04, 'f',  'o',  'o',       /*   name: compact length 3 + 1, "foo" */
    0x00,                        /*   topic tagged fields */
    0x00,                        /* allow_auto_topic_creation false */
    0x01,                        /* include_cluster_authorized_operations true */
    0x01,                        /* include_topic_authorized_operations true */
    0x00,                        /* tagged fields */
};

/* Request v12: one topic by id with a null name; include_cluster_authorized_operations is gone. */
static const uint8_t req_v12[] = {
    0x00, 0x00, 0x00, 0x24,                         /* frame size 36 */
    0x00, 0x03, 0x00, 0x0c,                         /* api_key 3, api_version 12 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x02,                                           /* topics: 1 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /*   topic_id */
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, /*   ... */
    0x00,                                           /*   name: null */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* allow_auto_topic_creation false */
    0x01,                                           /* include_topic_authorized_operations */
    0x00,                                           /* tagged fields */
};

/* Response v1: one broker without rack, one topic with one partition. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x44,      /* frame size 68 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x01,      /* brokers: 1 */
    0x00, 0x00, 0x00, 0x01,      /*   node_id 1 */
    0x00, 0x02, 'h',  '1',       /*   host "h1" */
    0x00, 0x00, 0x23, 0x84,      /*   port 9092 */
    0xff, 0xff,                  /*   rack null */
    0x00, 0x00, 0x00, 0x01,      /* controller_id 1 */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x00,                  /*   error_code 0 */
    0x00, 0x03, 'f',  'o',  'o', /*   name "foo" */
    0x01,                        /*   is_internal true */
    0x00, 0x00, 0x00, 0x01,      /*   partitions: 1 */
    0x00, 0x00,                  /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00,      /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x01,      /*     leader_id 1 */
    0x00, 0x00, 0x00, 0x01,      /*     replica_nodes: 1 */
    0x00, 0x00, 0x00, 0x01,      /*       1 */
    0x00, 0x00, 0x00, 0x01,      /*     isr_nodes: 1 */
    0x00, 0x00, 0x00, 0x01,      /*       1 */
};

/* Response v9 (first flexible). */
static const uint8_t resp_v9[] = {
    0x00, 0x00, 0x00, 0x4d,       /* frame size 77 */
    0x00, 0x00, 0x00, 0x07,       /* correlation_id 7 */
    0x00,                         /* header tagged fields */
    0x00, 0x00, 0x00, 0x05,       /* throttle_time_ms 5 */
    0x02,                         /* brokers: 1 */
    0x00, 0x00, 0x00, 0x01,       /*   node_id 1 */
    0x03, 'h',  '1',              /*   host "h1" */
    0x00, 0x00, 0x23, 0x84,       /*   port 9092 */
    0x03, 'r',  '1',              /*   rack "r1" */
    0x00,                         /*   broker tagged fields */
    0x03, 'c',  '1',              /* cluster_id "c1" */
    0x00, 0x00, 0x00, 0x01,       /* controller_id 1 */
    0x02,                         /* topics: 1 */
    0x00, 0x00,                   /*   error_code 0 */
    0x04, 'f',  'o',  'o',        /*   name "foo" */
    0x00,                         /*   is_internal false */
    0x02,                         /*   partitions: 1 */
    0x00, 0x00,                   /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00,       /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x01,       /*     leader_id 1 */
    0x00, 0x00, 0x00, 0x03,       /*     leader_epoch 3 */
    0x02, 0x00, 0x00, 0x00, 0x01, /*     replica_nodes [1] */
    0x02, 0x00, 0x00, 0x00, 0x01, /*     isr_nodes [1] */
    0x01,                         /*     offline_replicas [] */
    0x00,                         /*     partition tagged fields */
    0x80, 0x00, 0x00, 0x00,       /*   topic_authorized_operations INT32_MIN (not asked) */
    0x00,                         /*   topic tagged fields */
    0x80, 0x00, 0x00, 0x00,       /* cluster_authorized_operations INT32_MIN */
    0x00,                         /* tagged fields */
};

/* Response v12: an unknown topic id (error 100) answered with a null name. */
static const uint8_t resp_v12[] = {
    0x00, 0x00, 0x00, 0x2b,                         /* frame size 43 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x01,                                           /* brokers: 0 */
    0x00,                                           /* cluster_id null */
    0xff, 0xff, 0xff, 0xff,                         /* controller_id -1 */
    0x02,                                           /* topics: 1 */
    0x00, 0x64,                                     /*   error_code 100 UNKNOWN_TOPIC_ID */
    0x00,                                           /*   name null */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /*   topic_id */
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, /*   ... */
    0x00,                                           /*   is_internal false */
    0x01,                                           /*   partitions: 0 */
    0x80, 0x00, 0x00, 0x00,                         /*   topic_authorized_operations */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

Test(metadata, encodes_and_decodes_request_v1) {
    kfk_metadata_request_topic_t topics[] = {{.name = KFK_STR("foo")}};
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 1, CORR, &req, req_v1, sizeof req_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = cc_decode_request(API, 1, CORR, req_v1, sizeof req_v1, &a);
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(d->topics, kfk_metadata_request_topic_t, 0).name, "foo"));
    cr_assert_eq(d->allow_auto_topic_creation, true, "v1 has no field: default true");
    kfk_arena_free(&a);
}

Test(metadata, null_topics_ask_for_every_topic_in_v1) {
    kfk_metadata_request_t req = {.topics = {NULL, -1}};
    cc_expect_request(API, 1, CORR, &req, req_v1_all, sizeof req_v1_all);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d =
        cc_decode_request(API, 1, CORR, req_v1_all, sizeof req_v1_all, &a);
    cr_assert_eq(d->topics.count, -1);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_request_v9_flexible) {
    kfk_metadata_request_topic_t topics[] = {{.name = KFK_STR("foo")}};
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                  .allow_auto_topic_creation = false,
                                  .include_cluster_authorized_operations = true,
                                  .include_topic_authorized_operations = true};
    cc_expect_request(API, 9, CORR, &req, req_v9, sizeof req_v9);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = cc_decode_request(API, 9, CORR, req_v9, sizeof req_v9, &a);
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(d->topics, kfk_metadata_request_topic_t, 0).name, "foo"));
    cr_assert_eq(d->allow_auto_topic_creation, false);
    cr_assert_eq(d->include_cluster_authorized_operations, true);
    cr_assert_eq(d->include_topic_authorized_operations, true);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_request_v12_by_topic_id) {
    kfk_metadata_request_topic_t topics[1] = {{.name = {NULL, -1}}};
    memcpy(topics[0].topic_id.bytes, uuid_a, 16);
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                  .allow_auto_topic_creation = false,
                                  .include_cluster_authorized_operations = true, /* not in v12 */
                                  .include_topic_authorized_operations = true};
    cc_expect_request(API, 12, CORR, &req, req_v12, sizeof req_v12);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = cc_decode_request(API, 12, CORR, req_v12, sizeof req_v12, &a);
    const kfk_metadata_request_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_request_topic_t, 0);
    cr_assert_eq(d->topics.count, 1);
    cr_assert(!memcmp(t->topic_id.bytes, uuid_a, 16));
    cr_assert_eq(t->name.len, -1);
    cr_assert_eq(d->include_cluster_authorized_operations, false, "absent in v12: default");
    cr_assert_eq(d->include_topic_authorized_operations, true);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_response_v1) {
    int32_t one[] = {1};
    kfk_metadata_response_broker_t brokers[] = {
        {.node_id = 1, .host = KFK_STR("h1"), .port = 9092, .rack = {NULL, -1}}};
    kfk_metadata_response_partition_t parts[] = {{.partition_index = 0,
                                                  .leader_id = 1,
                                                  .leader_epoch = 3, /* not in v1 */
                                                  .replica_nodes = KFK_ARRAY_OF(one),
                                                  .isr_nodes = KFK_ARRAY_OF(one)}};
    kfk_metadata_response_topic_t topics[] = {
        {.name = KFK_STR("foo"), .is_internal = true, .partitions = KFK_ARRAY_OF(parts)}};
    kfk_metadata_response_t resp = {.throttle_time_ms = 5, /* not in v1 */
                                    .brokers = KFK_ARRAY_OF(brokers),
                                    .cluster_id = KFK_STR("c1"), /* not in v1 */
                                    .controller_id = 1,
                                    .topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 1, CORR, &resp, resp_v1, sizeof resp_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_response_t *d =
        cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->cluster_id.len, -1, "absent in v1: default null");
    cr_assert_eq(d->controller_id, 1);
    cr_assert_eq(d->brokers.count, 1);
    const kfk_metadata_response_broker_t *b =
        &KFK_ARRAY_AT(d->brokers, kfk_metadata_response_broker_t, 0);
    cr_assert_eq(b->node_id, 1);
    cr_assert(kfk_str_eq(b->host, "h1"));
    cr_assert_eq(b->port, 9092);
    cr_assert_eq(b->rack.len, -1);
    cr_assert_eq(d->topics.count, 1);
    const kfk_metadata_response_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_response_topic_t, 0);
    cr_assert(kfk_str_eq(t->name, "foo"));
    cr_assert_eq(t->is_internal, true);
    cr_assert_eq(t->topic_authorized_operations, INT32_MIN);
    cr_assert_eq(t->partitions.count, 1);
    const kfk_metadata_response_partition_t *p =
        &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 0);
    cr_assert_eq(p->leader_id, 1);
    cr_assert_eq(p->leader_epoch, -1, "absent in v1: default -1");
    cr_assert_eq(p->replica_nodes.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(p->replica_nodes, int32_t, 0), 1);
    cr_assert_eq(p->isr_nodes.count, 1);
    cr_assert_eq(p->offline_replicas.count, 0);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_response_v9_flexible) {
    int32_t one[] = {1};
    kfk_metadata_response_broker_t brokers[] = {
        {.node_id = 1, .host = KFK_STR("h1"), .port = 9092, .rack = KFK_STR("r1")}};
    kfk_metadata_response_partition_t parts[] = {{.partition_index = 0,
                                                  .leader_id = 1,
                                                  .leader_epoch = 3,
                                                  .replica_nodes = KFK_ARRAY_OF(one),
                                                  .isr_nodes = KFK_ARRAY_OF(one)}};
    kfk_metadata_response_topic_t topics[] = {{.name = KFK_STR("foo"),
                                               .partitions = KFK_ARRAY_OF(parts),
                                               .topic_authorized_operations = INT32_MIN}};
    kfk_metadata_response_t resp = {.throttle_time_ms = 5,
                                    .brokers = KFK_ARRAY_OF(brokers),
                                    .cluster_id = KFK_STR("c1"),
                                    .controller_id = 1,
                                    .topics = KFK_ARRAY_OF(topics),
                                    .cluster_authorized_operations = INT32_MIN};
    cc_expect_response(API, 9, CORR, &resp, resp_v9, sizeof resp_v9);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_response_t *d =
        cc_decode_response(API, 9, CORR, resp_v9, sizeof resp_v9, &a);
    cr_assert_eq(d->throttle_time_ms, 5);
    cr_assert(kfk_str_eq(d->cluster_id, "c1"));
    cr_assert_eq(d->controller_id, 1);
    cr_assert_eq(d->cluster_authorized_operations, INT32_MIN);
    const kfk_metadata_response_broker_t *b =
        &KFK_ARRAY_AT(d->brokers, kfk_metadata_response_broker_t, 0);
    cr_assert(kfk_str_eq(b->rack, "r1"));
    const kfk_metadata_response_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_response_topic_t, 0);
    cr_assert(kfk_str_eq(t->name, "foo"));
    cr_assert_eq(t->is_internal, false);
    const kfk_metadata_response_partition_t *p =
        &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 0);
    cr_assert_eq(p->leader_epoch, 3);
    cr_assert_eq(KFK_ARRAY_AT(p->isr_nodes, int32_t, 0), 1);
    cr_assert_eq(p->offline_replicas.count, 0);
    cr_assert_eq(d->unknown_tags.len, 0);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_response_v12_with_null_topic_name) {
    kfk_metadata_response_topic_t topics[1] = {{.error_code = KFK_ERR_UNKNOWN_TOPIC_ID,
                                                .name = {NULL, -1},
                                                .topic_authorized_operations = INT32_MIN}};
    memcpy(topics[0].topic_id.bytes, uuid_a, 16);
    kfk_metadata_response_t resp = {.cluster_id = {NULL, -1},
                                    .controller_id = -1,
                                    .topics = KFK_ARRAY_OF(topics),
                                    .cluster_authorized_operations = 77 /* not in v12 */};
    cc_expect_response(API, 12, CORR, &resp, resp_v12, sizeof resp_v12);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_response_t *d =
        cc_decode_response(API, 12, CORR, resp_v12, sizeof resp_v12, &a);
    cr_assert_eq(d->brokers.count, 0);
    cr_assert_eq(d->cluster_id.len, -1);
    cr_assert_eq(d->controller_id, -1);
    cr_assert_eq(d->cluster_authorized_operations, INT32_MIN, "absent in v12: default");
    const kfk_metadata_response_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_response_topic_t, 0);
    cr_assert_eq(t->error_code, KFK_ERR_UNKNOWN_TOPIC_ID);
    cr_assert_eq(t->name.len, -1);
    cr_assert(!memcmp(t->topic_id.bytes, uuid_a, 16));
    kfk_arena_free(&a);
}

/* ---- round trips ------------------------------------------------------------------------- */

Test(metadata, request_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_metadata_request_topic_t topics[3] = {
            {.name = KFK_STR("alpha")},
            {.name = KFK_STR("beta"), .unknown_tags = CC_UNKNOWN_TAGS},
            {.name = v >= 10 ? (kfk_str_t){NULL, -1} : KFK_STR("gamma")}};
        memcpy(topics[2].topic_id.bytes, uuid_a, 16);
        kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                      .allow_auto_topic_creation = false,
                                      .include_cluster_authorized_operations = true,
                                      .include_topic_authorized_operations = true,
                                      .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_metadata_request_t *d =
            cc_round_trip(API, &kfk_metadata_request_schema, v, &req, &a);
        cr_assert_eq(d->topics.count, 3, "v%d", v);
        const kfk_metadata_request_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[0].name, "alpha"), "v%d", v);
        cr_assert(kfk_str_eq(t[1].name, "beta"), "v%d", v);
        cr_assert(kfk_str_eq(t[2].name, v >= 10 ? NULL : "gamma"), "v%d", v);
        static const uint8_t zero[16];
        cr_assert(!memcmp(t[2].topic_id.bytes, v >= 10 ? uuid_a : zero, 16), "v%d", v);
        cr_assert(cc_tags_kept(API, t[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        cr_assert_eq(d->allow_auto_topic_creation, v < 4, "v%d", v);
        cr_assert_eq(d->include_cluster_authorized_operations, v >= 8 && v <= 10, "v%d", v);
        cr_assert_eq(d->include_topic_authorized_operations, v >= 8, "v%d", v);
        kfk_arena_free(&a);

        /* And the null (every topic) form, from v1 (v0 asks for every topic with an empty
         * array). */
        if (v >= 1) {
            kfk_metadata_request_t all = {.topics = {NULL, -1}};
            kfk_arena_init(&a);
            d = cc_round_trip(API, &kfk_metadata_request_schema, v, &all, &a);
            cr_assert_eq(d->topics.count, -1, "v%d", v);
            kfk_arena_free(&a);
        }
    }
}

Test(metadata, response_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        int32_t replicas[] = {1, 2, 3}, isr[] = {1, 2}, offline[] = {3};
        kfk_metadata_response_broker_t brokers[2] = {
            {.node_id = 1, .host = KFK_STR("h1"), .port = 9092, .rack = {NULL, -1}},
            {.node_id = 2,
             .host = KFK_STR("h2"),
             .port = 9093,
             .rack = KFK_STR("r2"),
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_metadata_response_partition_t parts[2] = {
            {.error_code = 0,
             .partition_index = 0,
             .leader_id = 1,
             .leader_epoch = 4,
             .replica_nodes = KFK_ARRAY_OF(replicas),
             .isr_nodes = KFK_ARRAY_OF(isr),
             .offline_replicas = KFK_ARRAY_OF(offline),
             .unknown_tags = CC_UNKNOWN_TAGS},
            {.error_code = KFK_ERR_LEADER_NOT_AVAILABLE, .partition_index = 1, .leader_id = -1}};
        kfk_metadata_response_topic_t topics[2] = {
            {.name = KFK_STR("t1"),
             .is_internal = true,
             .partitions = KFK_ARRAY_OF(parts),
             .topic_authorized_operations = 0x0ff8},
            {.error_code = KFK_ERR_UNKNOWN_TOPIC_ID,
             .name = v >= 12 ? (kfk_str_t){NULL, -1} : KFK_STR("t2"),
             .topic_authorized_operations = INT32_MIN}};
        memcpy(topics[1].topic_id.bytes, uuid_a, 16);
        kfk_metadata_response_t resp = {.throttle_time_ms = 11,
                                        .brokers = KFK_ARRAY_OF(brokers),
                                        .cluster_id =
                                            v % 2 ? KFK_STR("cluster") : (kfk_str_t){NULL, -1},
                                        .controller_id = 2,
                                        .topics = KFK_ARRAY_OF(topics),
                                        .cluster_authorized_operations = 123,
                                        .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_metadata_response_t *d =
            cc_round_trip(API, &kfk_metadata_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 3 ? 11 : 0, "v%d", v);
        cr_assert_eq(d->brokers.count, 2, "v%d", v);
        const kfk_metadata_response_broker_t *b = d->brokers.items;
        cr_assert(kfk_str_eq(b[1].host, "h2"), "v%d", v);
        cr_assert_eq(b[1].port, 9093, "v%d", v);
        cr_assert_eq(b[0].rack.len, -1, "v%d", v);
        cr_assert(kfk_str_eq(b[1].rack, v >= 1 ? "r2" : NULL), "v%d", v);
        cr_assert(cc_tags_kept(API, b[1].unknown_tags, v), "v%d", v);
        cr_assert(kfk_str_eq(d->cluster_id, v >= 2 && v % 2 ? "cluster" : NULL), "v%d", v);
        cr_assert_eq(d->controller_id, v >= 1 ? 2 : -1, "v%d", v);
        cr_assert_eq(d->topics.count, 2, "v%d", v);
        const kfk_metadata_response_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[0].name, "t1"), "v%d", v);
        cr_assert(kfk_str_eq(t[1].name, v >= 12 ? NULL : "t2"), "v%d", v);
        cr_assert_eq(t[1].error_code, KFK_ERR_UNKNOWN_TOPIC_ID, "v%d", v);
        cr_assert_eq(t[1].topic_id.bytes[15], v >= 10 ? 0x10 : 0, "v%d", v);
        cr_assert_eq(t[0].is_internal, v >= 1, "v%d", v);
        cr_assert_eq(t[0].topic_authorized_operations, v >= 8 ? 0x0ff8 : INT32_MIN, "v%d", v);
        cr_assert_eq(t[0].partitions.count, 2, "v%d", v);
        const kfk_metadata_response_partition_t *p = t[0].partitions.items;
        cr_assert_eq(p[0].leader_epoch, v >= 7 ? 4 : -1, "v%d", v);
        cr_assert_eq(p[0].replica_nodes.count, 3, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(p[0].replica_nodes, int32_t, 2), 3, "v%d", v);
        cr_assert_eq(p[0].isr_nodes.count, 2, "v%d", v);
        cr_assert_eq(p[0].offline_replicas.count, v >= 5 ? 1 : 0, "v%d", v);
        cr_assert(cc_tags_kept(API, p[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_LEADER_NOT_AVAILABLE, "v%d", v);
        cr_assert_eq(p[1].leader_id, -1, "v%d", v);
        cr_assert_eq(d->cluster_authorized_operations, v >= 8 && v <= 10 ? 123 : INT32_MIN, "v%d",
                     v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(metadata, refuses_nulls_the_version_does_not_allow) {
    kfk_metadata_request_t all = {.topics = {NULL, -1}};
    kfk_metadata_request_topic_t nameless[] = {{.name = {NULL, -1}}};
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(nameless)};
    cc_expect_encode_refused(API, &kfk_metadata_request_schema, 0,
                             &all); /* v0 arrays are not nullable */
    cc_expect_encode_refused(API, &kfk_metadata_request_schema, 9,
                             &req); /* names nullable from v10 */

    kfk_metadata_response_topic_t topics[] = {{.name = {NULL, -1}}};
    kfk_metadata_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_encode_refused(API, &kfk_metadata_response_schema, 11, &resp); /* nullable from v12 */
    kfk_metadata_response_broker_t brokers[] = {{.host = {NULL, -1}}};
    kfk_metadata_response_t resp2 = {.brokers = KFK_ARRAY_OF(brokers)};
    cc_expect_encode_refused(API, &kfk_metadata_response_schema, 12, &resp2);
}

/* ---- malformed input --------------------------------------------------------------------- */

Test(metadata, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, true, 1, req_v1_all, sizeof req_v1_all);
    cc_expect_truncations_fail(API, true, 9, req_v9, sizeof req_v9);
    cc_expect_truncations_fail(API, true, 12, req_v12, sizeof req_v12);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 9, resp_v9, sizeof resp_v9);
    cc_expect_truncations_fail(API, false, 12, resp_v12, sizeof resp_v12);
}

Test(metadata, trailing_bytes_after_a_response_are_an_error) {
    cc_expect_trailing_byte_refused(API, false, 9, resp_v9, sizeof resp_v9);
}

Test(metadata, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t past_end[] = {0x7f, 0xff};
    /* v1 response: brokers count at 8, host length at 16, rack length at 24, replica count 56. */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 8, huge, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 8, minus2_32, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 16, past_end, 2);
    /* host not nullable */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 16, minus1_16, 2);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 24, minus2_16, 2);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 56, huge, 4);
    /* v1 request: topics count at 17, name length at 21. */
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 17, huge, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 17, minus2_32, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 21, past_end, 2);
    /* v9 response: a compact brokers count of 0x7ffffffe (uvarint 0x7fffffff). */
    static const uint8_t compact_huge[] = {
        0x00, 0x00, 0x00, 0x07,      /* correlation_id */
        0x00,                        /* header tagged fields */
        0x00, 0x00, 0x00, 0x00,      /* throttle_time_ms */
        0xff, 0xff, 0xff, 0xff, 0x07 /* brokers: count 0x7ffffffe */
    };
    cr_assert_eq(cc_decode_exact(API, false, 9, compact_huge, sizeof compact_huge),
                 KFK_ERR__BAD_MSG);
    /* v9 response: host compact length 0x7f (126 bytes) runs past the end (host at 18). */
    static const uint8_t len_7f[] = {0x7f};
    cc_expect_bad_patch(API, false, 9, resp_v9, sizeof resp_v9, 18, len_7f, 1);
    /* v9 request: a topic name that is null (0) before v10. */
    static const uint8_t null_compact[] = {0x00};
    cc_expect_bad_patch(API, true, 9, req_v9, sizeof req_v9, 19, null_compact, 1);
}

Test(metadata, the_client_asks_v1_or_later_though_the_codec_speaks_v0) {
    int16_t v = -1;
    char why[160];
    cr_assert_eq(kfk_api_get(API)->min_version, 0, "the codec (and the mock) speak v0");
    cr_assert_eq(kfk_api_pick_version(API, 0, 0, &v, why, sizeof why), KFK_ERR__NO_COMMON_VERSION,
                 "a broker with Metadata v0 only has no version kfk's client asks");
    cr_assert_eq(kfk_api_pick_version(API, 0, 1, &v, why, sizeof why), KFK_ERR_NONE);
    cr_assert_eq(v, 1);
    cr_assert_eq(kfk_api_pick_version(API, 0, 13, &v, why, sizeof why), KFK_ERR_NONE);
    cr_assert_eq(v, 12);
}
