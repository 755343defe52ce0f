/*
 * test_consumer_protocol.c: the consumer protocol blobs (ConsumerProtocolSubscription and
 * ConsumerProtocolAssignment, v0-3): golden blobs written by hand from the schemas, round trips
 * of every version, newer (v4) blobs read with the v3 layout, and malformed blobs.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "codec_check.h"

/* ---- golden blobs ------------------------------------------------------------------------ */

/* Subscription v0: two topics, no user data. */
static const uint8_t sub_v0[] = {
    0x00, 0x00,             /* version 0 */
    0x00, 0x00, 0x00, 0x02, /* topics: 2 */
    0x00, 0x02, 't',  '1',  /*   "t1" */
    0x00, 0x02, 't',  '2',  /*   "t2" */
    0xff, 0xff, 0xff, 0xff, /* user_data null */
};

/* Subscription v3: owned partitions, generation and rack. */
static const uint8_t sub_v3[] = {
    0x00, 0x03,                  /* version 3 */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x01, 't',             /*   "t" */
    0x00, 0x00, 0x00, 0x01, 'u', /* user_data "u" */
    0x00, 0x00, 0x00, 0x01,      /* owned_partitions: 1 */
    0x00, 0x01, 't',             /*   topic "t" */
    0x00, 0x00, 0x00, 0x02,      /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,      /*     0 */
    0x00, 0x00, 0x00, 0x02,      /*     2 */
    0x00, 0x00, 0x00, 0x05,      /* generation_id 5 */
    0x00, 0x01, 'r',             /* rack_id "r" */
};

/* Subscription "v4": the v3 layout followed by two fields kfk does not know. */
static const uint8_t sub_v4[] = {
    0x00, 0x04,             /* version 4 */
    0x00, 0x00, 0x00, 0x01, /* topics: 1 */
    0x00, 0x01, 't',        /*   "t" */
    0xff, 0xff, 0xff, 0xff, /* user_data null */
    0x00, 0x00, 0x00, 0x00, /* owned_partitions: 0 */
    0x00, 0x00, 0x00, 0x07, /* generation_id 7 */
    0xff, 0xff,             /* rack_id null */
    0x00, 0x00, 0x00, 0x2a, /* (a future int32 field) */
    0x00, 0x02, 'z',  'z',  /* (a future string field) */
};

/* Assignment v0: partitions 0 and 1 of "t". */
static const uint8_t asg_v0[] = {
    0x00, 0x00,             /* version 0 */
    0x00, 0x00, 0x00, 0x01, /* assigned_partitions: 1 */
    0x00, 0x01, 't',        /*   topic "t" */
    0x00, 0x00, 0x00, 0x02, /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00, /*     0 */
    0x00, 0x00, 0x00, 0x01, /*     1 */
    0xff, 0xff, 0xff, 0xff, /* user_data null */
};

/* Assignment v3: the same layout, with user data. */
static const uint8_t asg_v3[] = {
    0x00, 0x03,                  /* version 3 */
    0x00, 0x00, 0x00, 0x01,      /* assigned_partitions: 1 */
    0x00, 0x01, 't',             /*   topic "t" */
    0x00, 0x00, 0x00, 0x02,      /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,      /*     0 */
    0x00, 0x00, 0x00, 0x01,      /*     1 */
    0x00, 0x00, 0x00, 0x01, 'u', /* user_data "u" */
};

/* Assignment "v4": v3 plus a trailing field kfk does not know. */
static const uint8_t asg_v4[] = {
    0x00, 0x04,             /* version 4 */
    0x00, 0x00, 0x00, 0x00, /* assigned_partitions: 0 */
    0x00, 0x00, 0x00, 0x00, /* user_data: 0 bytes */
    0x01,                   /* (a future bool field) */
};

/* Decodes @p n bytes copied to a buffer of exactly that size (so ASan sees any over-read). */
static kfk_err_t decode_exact(bool subscription, const uint8_t *bytes, size_t n) {
    uint8_t *copy = cc_copy_exact(bytes, n);
    kfk_arena_t a;
    kfk_arena_init(&a);
    int16_t version = -1;
    kfk_err_t err;
    if (subscription) {
        kfk_consumer_protocol_subscription_t s;
        err = kfk_consumer_subscription_decode(copy, n, &a, &s, &version);
    } else {
        kfk_consumer_protocol_assignment_t as;
        err = kfk_consumer_assignment_decode(copy, n, &a, &as, &version);
    }
    kfk_arena_free(&a);
    free(copy);
    return err;
}

static bool points_into(const void *p, const uint8_t *blob, size_t n) {
    const uint8_t *b = p;
    return b >= blob && b < blob + n;
}

Test(consumer_protocol, encodes_and_decodes_subscription_v0) {
    kfk_str_t topics[] = {KFK_STR("t1"), KFK_STR("t2")};
    kfk_consumer_protocol_subscription_topic_partition_t owned[] = {{.topic = KFK_STR("x")}};
    kfk_consumer_protocol_subscription_t s = {.topics = KFK_ARRAY_OF(topics),
                                              .user_data = {NULL, -1},
                                              .owned_partitions = KFK_ARRAY_OF(owned), /* v1+ */
                                              .generation_id = 3,                      /* v2+ */
                                              .rack_id = KFK_STR("r")};                /* v3+ */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_consumer_subscription_encode(&s, 0, &w), KFK_ERR_NONE);
    cc_expect_bytes(&w, sub_v0, sizeof sub_v0);
    kfk_wbuf_free(&w);

    kfk_arena_t a;
    kfk_arena_init(&a);
    kfk_consumer_protocol_subscription_t d;
    int16_t version = -1;
    cr_assert_eq(kfk_consumer_subscription_decode(sub_v0, sizeof sub_v0, &a, &d, &version),
                 KFK_ERR_NONE);
    cr_assert_eq(version, 0);
    cr_assert_eq(d.topics.count, 2);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(d.topics, kfk_str_t, 0), "t1"));
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(d.topics, kfk_str_t, 1), "t2"));
    cr_assert(points_into(KFK_ARRAY_AT(d.topics, kfk_str_t, 1).ptr, sub_v0, sizeof sub_v0));
    cr_assert_eq(d.user_data.len, -1);
    cr_assert_eq(d.owned_partitions.count, 0);
    cr_assert_eq(d.generation_id, -1, "absent in v0: default -1");
    cr_assert_eq(d.rack_id.len, -1, "absent in v0: default null");
    kfk_arena_free(&a);
}

Test(consumer_protocol, encodes_and_decodes_subscription_v3) {
    kfk_str_t topics[] = {KFK_STR("t")};
    int32_t parts[] = {0, 2};
    kfk_consumer_protocol_subscription_topic_partition_t owned[] = {
        {.topic = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_consumer_protocol_subscription_t s = {.topics = KFK_ARRAY_OF(topics),
                                              .user_data = {(const uint8_t *)"u", 1},
                                              .owned_partitions = KFK_ARRAY_OF(owned),
                                              .generation_id = 5,
                                              .rack_id = KFK_STR("r")};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_consumer_subscription_encode(&s, 3, &w), KFK_ERR_NONE);
    cc_expect_bytes(&w, sub_v3, sizeof sub_v3);
    kfk_wbuf_free(&w);

    kfk_arena_t a;
    kfk_arena_init(&a);
    kfk_consumer_protocol_subscription_t d;
    int16_t version = -1;
    cr_assert_eq(kfk_consumer_subscription_decode(sub_v3, sizeof sub_v3, &a, &d, &version),
                 KFK_ERR_NONE);
    cr_assert_eq(version, 3);
    cr_assert_eq(d.topics.count, 1);
    cr_assert(d.user_data.len == 1 && d.user_data.ptr[0] == 'u');
    cr_assert(points_into(d.user_data.ptr, sub_v3, sizeof sub_v3));
    cr_assert_eq(d.owned_partitions.count, 1);
    const kfk_consumer_protocol_subscription_topic_partition_t *o = d.owned_partitions.items;
    cr_assert(kfk_str_eq(o->topic, "t"));
    cr_assert_eq(o->partitions.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(o->partitions, int32_t, 1), 2);
    cr_assert_eq(d.generation_id, 5);
    cr_assert(kfk_str_eq(d.rack_id, "r"));
    kfk_arena_free(&a);
}

Test(consumer_protocol, encodes_and_decodes_assignment_v0_and_v3) {
    int32_t parts[] = {0, 1};
    kfk_consumer_protocol_assignment_topic_partition_t assigned[] = {
        {.topic = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_consumer_protocol_assignment_t as = {.assigned_partitions = KFK_ARRAY_OF(assigned),
                                             .user_data = {NULL, -1}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_consumer_assignment_encode(&as, 0, &w), KFK_ERR_NONE);
    cc_expect_bytes(&w, asg_v0, sizeof asg_v0);
    kfk_wbuf_free(&w);
    as.user_data = (kfk_bytes_t){(const uint8_t *)"u", 1};
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_consumer_assignment_encode(&as, 3, &w), KFK_ERR_NONE);
    cc_expect_bytes(&w, asg_v3, sizeof asg_v3);
    kfk_wbuf_free(&w);

    kfk_arena_t a;
    kfk_arena_init(&a);
    kfk_consumer_protocol_assignment_t d;
    int16_t version = -1;
    cr_assert_eq(kfk_consumer_assignment_decode(asg_v0, sizeof asg_v0, &a, &d, &version),
                 KFK_ERR_NONE);
    cr_assert_eq(version, 0);
    cr_assert_eq(d.assigned_partitions.count, 1);
    const kfk_consumer_protocol_assignment_topic_partition_t *t = d.assigned_partitions.items;
    cr_assert(kfk_str_eq(t->topic, "t"));
    cr_assert_eq(t->partitions.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(t->partitions, int32_t, 1), 1);
    cr_assert_eq(d.user_data.len, -1);
    cr_assert_eq(kfk_consumer_assignment_decode(asg_v3, sizeof asg_v3, &a, &d, &version),
                 KFK_ERR_NONE);
    cr_assert_eq(version, 3);
    cr_assert(d.user_data.len == 1 && d.user_data.ptr[0] == 'u');
    kfk_arena_free(&a);
}

Test(consumer_protocol, newer_blobs_are_read_as_v3_and_their_tail_ignored) {
    kfk_arena_t a;
    kfk_arena_init(&a);
    kfk_consumer_protocol_subscription_t s;
    int16_t version = -1;
    cr_assert_eq(kfk_consumer_subscription_decode(sub_v4, sizeof sub_v4, &a, &s, &version),
                 KFK_ERR_NONE);
    cr_assert_eq(version, 4);
    cr_assert_eq(s.topics.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(s.topics, kfk_str_t, 0), "t"));
    cr_assert_eq(s.user_data.len, -1);
    cr_assert_eq(s.owned_partitions.count, 0);
    cr_assert_eq(s.generation_id, 7);
    cr_assert_eq(s.rack_id.len, -1);

    kfk_consumer_protocol_assignment_t as;
    cr_assert_eq(kfk_consumer_assignment_decode(asg_v4, sizeof asg_v4, &a, &as, &version),
                 KFK_ERR_NONE);
    cr_assert_eq(version, 4);
    cr_assert_eq(as.assigned_partitions.count, 0);
    cr_assert_eq(as.user_data.len, 0);
    kfk_arena_free(&a);

    /* Without the tail a v4 blob is read as well; with the v3 part cut it is not. */
    cr_assert_eq(decode_exact(true, sub_v4, sizeof sub_v4 - 8), KFK_ERR_NONE);
    for (size_t cut = 0; cut < sizeof sub_v4 - 8; cut++)
        cr_assert_neq(decode_exact(true, sub_v4, cut), KFK_ERR_NONE, "cut at %zu", cut);
    cr_assert_eq(decode_exact(false, asg_v4, sizeof asg_v4 - 1), KFK_ERR_NONE);
    cr_assert_eq(decode_exact(false, asg_v4, sizeof asg_v4 - 2), KFK_ERR__BAD_MSG);
}

Test(consumer_protocol, subscriptions_round_trip_in_every_version) {
    for (int16_t v = 0; v <= KFK_CONSUMER_PROTOCOL_MAX_VERSION; v++) {
        kfk_str_t topics[] = {KFK_STR("orders"), KFK_STR("events"), KFK_STR("")};
        int32_t p1[] = {0, 1, 5}, p2[] = {3};
        kfk_consumer_protocol_subscription_topic_partition_t owned[] = {
            {.topic = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(p1)},
            {.topic = KFK_STR("events"), .partitions = KFK_ARRAY_OF(p2)}};
        kfk_consumer_protocol_subscription_t s = {
            .topics = KFK_ARRAY_OF(topics),
            .user_data =
                v % 2 ? (kfk_bytes_t){(const uint8_t *)"\x00\x01", 2} : (kfk_bytes_t){NULL, -1},
            .owned_partitions = KFK_ARRAY_OF(owned),
            .generation_id = 9,
            .rack_id = KFK_STR("rack-a")};
        kfk_wbuf_t w1, w2;
        kfk_wbuf_init(&w1);
        kfk_wbuf_init(&w2);
        cr_assert_eq(kfk_consumer_subscription_encode(&s, v, &w1), KFK_ERR_NONE);
        kfk_arena_t a;
        kfk_arena_init(&a);
        kfk_consumer_protocol_subscription_t d;
        int16_t version = -1;
        cr_assert_eq(kfk_consumer_subscription_decode(w1.data, w1.len, &a, &d, &version),
                     KFK_ERR_NONE, "v%d", v);
        cr_assert_eq(version, v);
        cr_assert_eq(kfk_consumer_subscription_encode(&d, v, &w2), KFK_ERR_NONE);
        cr_assert(w1.len == w2.len && !memcmp(w1.data, w2.data, w1.len), "v%d", v);
        cr_assert_eq(d.topics.count, 3, "v%d", v);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(d.topics, kfk_str_t, 1), "events"), "v%d", v);
        cr_assert_eq(d.user_data.len, v % 2 ? 2 : -1, "v%d", v);
        cr_assert_eq(d.owned_partitions.count, v >= 1 ? 2 : 0, "v%d", v);
        if (v >= 1) {
            const kfk_consumer_protocol_subscription_topic_partition_t *o =
                d.owned_partitions.items;
            cr_assert(kfk_str_eq(o[1].topic, "events"), "v%d", v);
            cr_assert_eq(o[0].partitions.count, 3, "v%d", v);
            cr_assert_eq(KFK_ARRAY_AT(o[0].partitions, int32_t, 2), 5, "v%d", v);
        }
        cr_assert_eq(d.generation_id, v >= 2 ? 9 : -1, "v%d", v);
        cr_assert(kfk_str_eq(d.rack_id, v >= 3 ? "rack-a" : NULL), "v%d", v);
        kfk_arena_free(&a);
        kfk_wbuf_free(&w1);
        kfk_wbuf_free(&w2);
    }
}

Test(consumer_protocol, assignments_round_trip_in_every_version) {
    for (int16_t v = 0; v <= KFK_CONSUMER_PROTOCOL_MAX_VERSION; v++) {
        int32_t p1[] = {4, 2}, p2[] = {0};
        kfk_consumer_protocol_assignment_topic_partition_t assigned[] = {
            {.topic = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(p1)},
            {.topic = KFK_STR("events"), .partitions = KFK_ARRAY_OF(p2)},
            {.topic = KFK_STR("idle"), .partitions = {NULL, 0}}};
        kfk_consumer_protocol_assignment_t as = {
            .assigned_partitions = KFK_ARRAY_OF(assigned),
            .user_data =
                v % 2 ? (kfk_bytes_t){NULL, -1} : (kfk_bytes_t){(const uint8_t *)"sticky", 6}};
        kfk_wbuf_t w1, w2;
        kfk_wbuf_init(&w1);
        kfk_wbuf_init(&w2);
        cr_assert_eq(kfk_consumer_assignment_encode(&as, v, &w1), KFK_ERR_NONE);
        kfk_arena_t a;
        kfk_arena_init(&a);
        kfk_consumer_protocol_assignment_t d;
        int16_t version = -1;
        cr_assert_eq(kfk_consumer_assignment_decode(w1.data, w1.len, &a, &d, &version),
                     KFK_ERR_NONE, "v%d", v);
        cr_assert_eq(version, v);
        cr_assert_eq(kfk_consumer_assignment_encode(&d, v, &w2), KFK_ERR_NONE);
        cr_assert(w1.len == w2.len && !memcmp(w1.data, w2.data, w1.len), "v%d", v);
        cr_assert_eq(d.assigned_partitions.count, 3, "v%d", v);
        const kfk_consumer_protocol_assignment_topic_partition_t *t = d.assigned_partitions.items;
        cr_assert(kfk_str_eq(t[0].topic, "orders"), "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(t[0].partitions, int32_t, 0), 4, "v%d", v);
        cr_assert_eq(t[2].partitions.count, 0, "v%d", v);
        cr_assert_eq(d.user_data.len, v % 2 ? -1 : 6, "v%d", v);
        kfk_arena_free(&a);
        kfk_wbuf_free(&w1);
        kfk_wbuf_free(&w2);
    }
}

Test(consumer_protocol, encode_refuses_unknown_versions_and_bad_values) {
    kfk_consumer_protocol_subscription_t s = {.user_data = {NULL, -1}, .rack_id = {NULL, -1}};
    kfk_consumer_protocol_assignment_t as = {.user_data = {NULL, -1}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_consumer_subscription_encode(&s, 4, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_consumer_subscription_encode(&s, -1, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_consumer_assignment_encode(&as, 4, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_consumer_assignment_encode(NULL, 0, &w), KFK_ERR__INVALID_ARG);
    cr_assert_eq(w.len, 0);
    kfk_str_t null_topic[] = {{NULL, -1}};
    s.topics = (kfk_array_t)KFK_ARRAY_OF(null_topic);
    cr_assert_eq(kfk_consumer_subscription_encode(&s, 0, &w), KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&w);
    kfk_consumer_protocol_assignment_topic_partition_t nameless[] = {{.topic = {NULL, -1}}};
    as.assigned_partitions = (kfk_array_t)KFK_ARRAY_OF(nameless);
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_consumer_assignment_encode(&as, 3, &w), KFK_ERR__INVALID_ARG);
    kfk_wbuf_free(&w);
}

Test(consumer_protocol, decode_refuses_null_arguments) {
    kfk_arena_t a;
    kfk_arena_init(&a);
    kfk_consumer_protocol_subscription_t s;
    cr_assert_eq(kfk_consumer_subscription_decode(sub_v0, sizeof sub_v0, NULL, &s, NULL),
                 KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_consumer_subscription_decode(sub_v0, sizeof sub_v0, &a, NULL, NULL),
                 KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_consumer_subscription_decode(NULL, 4, &a, &s, NULL), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_consumer_subscription_decode(NULL, 0, &a, &s, NULL), KFK_ERR__BAD_MSG);
    cr_assert_eq(kfk_consumer_subscription_decode(sub_v0, sizeof sub_v0, &a, &s, NULL),
                 KFK_ERR_NONE, "the version out-parameter is optional");
    kfk_arena_free(&a);
}

/* ---- malformed blobs --------------------------------------------------------------------- */

Test(consumer_protocol, truncated_blobs_fail_at_every_length) {
    const uint8_t *subs[] = {sub_v0, sub_v3};
    size_t sub_len[] = {sizeof sub_v0, sizeof sub_v3};
    const uint8_t *asgs[] = {asg_v0, asg_v3};
    size_t asg_len[] = {sizeof asg_v0, sizeof asg_v3};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(decode_exact(true, subs[i], sub_len[i]), KFK_ERR_NONE);
        for (size_t cut = 0; cut < sub_len[i]; cut++)
            cr_assert_eq(decode_exact(true, subs[i], cut), KFK_ERR__BAD_MSG, "sub %zu cut %zu", i,
                         cut);
        cr_assert_eq(decode_exact(false, asgs[i], asg_len[i]), KFK_ERR_NONE);
        for (size_t cut = 0; cut < asg_len[i]; cut++)
            cr_assert_eq(decode_exact(false, asgs[i], cut), KFK_ERR__BAD_MSG, "asg %zu cut %zu", i,
                         cut);
    }
}

Test(consumer_protocol, trailing_bytes_after_a_known_version_are_an_error) {
    uint8_t longer[sizeof sub_v3 + 1];
    memcpy(longer, sub_v3, sizeof sub_v3);
    longer[sizeof sub_v3] = 0;
    cr_assert_eq(decode_exact(true, longer, sizeof longer), KFK_ERR__BAD_MSG);
    uint8_t longer_asg[sizeof asg_v0 + 2];
    memcpy(longer_asg, asg_v0, sizeof asg_v0);
    longer_asg[sizeof asg_v0] = longer_asg[sizeof asg_v0 + 1] = 0;
    cr_assert_eq(decode_exact(false, longer_asg, sizeof longer_asg), KFK_ERR__BAD_MSG);
}

/* A copy of @p blob with @p len bytes at @p off replaced must be a bad message. */
static void expect_bad_patch(bool subscription, const uint8_t *blob, size_t n, size_t off,
                             const uint8_t *patch, size_t len) {
    uint8_t copy[64];
    cr_assert_leq(n, sizeof copy);
    memcpy(copy, blob, n);
    memcpy(copy + off, patch, len);
    cr_assert_eq(decode_exact(subscription, copy, n), KFK_ERR__BAD_MSG, "patch at %zu", off);
}

Test(consumer_protocol, negative_versions_and_hostile_counts_are_bad_messages) {
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t min_16[] = {0x80, 0x00};
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t past_end[] = {0x00, 0x7f};
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 0, minus1_16, 2); /* version -1 */
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 0, min_16, 2);    /* version -32768 */
    expect_bad_patch(false, asg_v0, sizeof asg_v0, 0, minus1_16, 2);
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 2, huge, 4); /* topics count */
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 2, minus2_32, 4);
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 2, minus1_32, 4);  /* not nullable */
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 6, past_end, 2);   /* topic length */
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 6, minus1_16, 2);  /* null topic */
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 14, minus2_32, 4); /* user_data length */
    expect_bad_patch(true, sub_v0, sizeof sub_v0, 14, huge, 4);
    expect_bad_patch(true, sub_v3, sizeof sub_v3, 14, huge, 4); /* owned count */
    expect_bad_patch(true, sub_v3, sizeof sub_v3, 21, huge, 4); /* partitions count */
    expect_bad_patch(true, sub_v3, sizeof sub_v3, 37, (const uint8_t[]){0xff, 0xfe}, 2); /* rack */
    expect_bad_patch(false, asg_v0, sizeof asg_v0, 2, huge, 4);       /* assigned count */
    expect_bad_patch(false, asg_v0, sizeof asg_v0, 9, minus2_32, 4);  /* partitions count */
    expect_bad_patch(false, asg_v0, sizeof asg_v0, 21, minus2_32, 4); /* user_data length */
}
