/*
 * test_protocol_consumer_group.c: the KIP-848 consumer group APIs of the protocol layer alone
 * against the real broker, over a blocking socket (no libuv, no kfk client), at the highest
 * versions both speak: a member joins with ConsumerGroupHeartbeat member epoch 0 and gets all
 * three partitions of a new topic, acknowledges them by heartbeat, commits with OffsetCommit v9
 * and its member epoch (a stale epoch is refused), ConsumerGroupDescribe shows it with its
 * assignment, and it leaves with epoch -1 (the group is then empty). Registered for Kafka 4.3.1
 * and 3.9.x: 3.9 advertises ConsumerGroupHeartbeat v0 but, with the protocol off by default
 * (group.coordinator.rebalance.protocols=classic), answers the join with UNSUPPORTED_VERSION;
 * the test checks that and stops there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "kfk/protocol.h"
#include "rawconn.h"

typedef struct {
    int fd;
    int32_t corr;
    int16_t versions[80];
    kfk_arena_t arena;
    uint8_t *frame;
} session_t;

/* Sends one request and decodes its response (valid until the next call). */
static void *call(session_t *s, int16_t key, const void *req) {
    int16_t version = s->versions[key];
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_request_header_t h = {key, version, ++s->corr, KFK_STR("kfk-cg-test"), {NULL, 0}};
    cr_assert_eq(kfk_request_encode(&w, &h, req), 0, "encode api %d v%d", key, version);
    cr_assert_eq(kt_send_all(s->fd, w.data, w.len), 0);
    kfk_wbuf_free(&w);
    free(s->frame);
    s->frame = NULL;
    size_t len;
    cr_assert_eq(kt_recv_frame(s->fd, &s->frame, &len, 64u << 20), 0, "no answer to api %d", key);
    kfk_arena_free(&s->arena);
    int32_t corr;
    void *body;
    kfk_err_t err = kfk_response_decode(s->frame, len, key, version, &corr, &s->arena, &body);
    cr_assert_eq(err, 0, "decode api %d v%d: %s", key, version, kfk_err_name(err));
    cr_assert_eq(corr, s->corr);
    return body;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* True while @p err is one a client retries after a pause, within 60 s of @p start. */
static bool retry(kfk_err_t err, double start) {
    bool again = err == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
                 err == KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS || err == KFK_ERR_NOT_COORDINATOR ||
                 err == KFK_ERR_LEADER_NOT_AVAILABLE || err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (!again || now_s() - start > 60)
        return false;
    usleep(100000);
    return true;
}

static void open_session(session_t *s) {
    memset(s, 0, sizeof *s);
    kfk_arena_init(&s->arena);
    s->fd = kt_connect(kt_env_required("BOOTSTRAP"));
    cr_assert_geq(s->fd, 0);
    s->versions[KFK_API_API_VERSIONS] = 3;
    kfk_api_versions_request_t req;
    memset(&req, 0, sizeof req);
    req.client_software_name = KFK_STR("kfk");
    req.client_software_version = KFK_STR("0.1.0");
    kfk_api_versions_response_t *r = call(s, KFK_API_API_VERSIONS, &req);
    cr_assert_eq(r->error_code, 0);
    for (int i = 0; i < 80; i++)
        if (i != KFK_API_API_VERSIONS)
            s->versions[i] = -1;
    for (int32_t i = 0; i < r->api_keys.count; i++) {
        kfk_api_versions_response_api_version_t *k =
            &KFK_ARRAY_AT(r->api_keys, kfk_api_versions_response_api_version_t, i);
        int16_t v;
        if (k->api_key >= 0 && k->api_key < 80 &&
            kfk_api_pick_version(k->api_key, k->min_version, k->max_version, &v, NULL, 0) == 0)
            s->versions[k->api_key] = v;
    }
    fprintf(stderr,
            "Kafka %s: ConsumerGroupHeartbeat v%d, ConsumerGroupDescribe v%d, OffsetCommit v%d\n",
            kt_kafka_version(), s->versions[KFK_API_CONSUMER_GROUP_HEARTBEAT],
            s->versions[KFK_API_CONSUMER_GROUP_DESCRIBE], s->versions[KFK_API_OFFSET_COMMIT]);
}

static void close_session(session_t *s) {
    close(s->fd);
    free(s->frame);
    kfk_arena_free(&s->arena);
}

/* Creates @p topic with 3 partitions and waits (60 s) until Metadata gives its id and leaders. */
static kfk_uuid_t create_topic(session_t *s, const char *topic) {
    kfk_create_topics_request_creatable_topic_t ct;
    memset(&ct, 0, sizeof ct);
    ct.name = kfk_str_c(topic);
    ct.num_partitions = 3;
    ct.replication_factor = 1;
    kfk_create_topics_request_t req;
    memset(&req, 0, sizeof req);
    req.topics = (kfk_array_t){&ct, 1};
    req.timeout_ms = 10000;
    kfk_create_topics_response_t *r = call(s, KFK_API_CREATE_TOPICS, &req);
    cr_assert_eq(r->topics.count, 1);
    cr_assert_eq(
        KFK_ARRAY_AT(r->topics, kfk_create_topics_response_creatable_topic_result_t, 0).error_code,
        0);
    double start = now_s();
    for (;;) {
        kfk_metadata_request_topic_t mt;
        memset(&mt, 0, sizeof mt);
        mt.name = kfk_str_c(topic);
        kfk_metadata_request_t mreq;
        memset(&mreq, 0, sizeof mreq);
        mreq.topics = (kfk_array_t){&mt, 1};
        kfk_metadata_response_t *mr = call(s, KFK_API_METADATA, &mreq);
        cr_assert_eq(mr->topics.count, 1);
        kfk_metadata_response_topic_t *t = mr->topics.items;
        int led = 0;
        for (int32_t k = 0; t->error_code == 0 && k < t->partitions.count; k++)
            led += KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, k).leader_id >= 0;
        if (led == 3)
            return t->topic_id;
        cr_assert_lt(now_s() - start, 60, "topic %s has no leaders after 60 s", topic);
        usleep(100000);
    }
}

static void find_coordinator(session_t *s, const char *group) {
    kfk_find_coordinator_request_t req = {.key = kfk_str_c(group), .key_type = 0};
    double start = now_s();
    kfk_find_coordinator_response_t *r;
    do
        r = call(s, KFK_API_FIND_COORDINATOR, &req);
    while (retry((kfk_err_t)r->error_code, start));
    cr_assert_eq(r->error_code, 0, "FindCoordinator: %s", kfk_err_name((kfk_err_t)r->error_code));
}

/* A heartbeat with only the required fields set; every "unchanged" field null. */
static kfk_consumer_group_heartbeat_request_t hb_base(const char *group, const char *member,
                                                      int32_t epoch) {
    kfk_consumer_group_heartbeat_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(group);
    req.member_id = kfk_str_c(member);
    req.member_epoch = epoch;
    req.instance_id = (kfk_str_t){NULL, -1};
    req.rack_id = (kfk_str_t){NULL, -1};
    req.rebalance_timeout_ms = -1;
    req.subscribed_topic_names = (kfk_array_t){NULL, -1};
    req.subscribed_topic_regex = (kfk_str_t){NULL, -1};
    req.server_assignor = (kfk_str_t){NULL, -1};
    req.topic_partitions = (kfk_array_t){NULL, -1};
    return req;
}

/* The partitions of @p topic_id in @p a, as a bit set. */
static unsigned owned_bits(const kfk_consumer_group_heartbeat_response_assignment_t *a,
                           kfk_uuid_t topic_id) {
    unsigned bits = 0;
    for (int32_t i = 0; a && i < a->topic_partitions.count; i++) {
        kfk_consumer_group_heartbeat_response_topic_partitions_t *tp = &KFK_ARRAY_AT(
            a->topic_partitions, kfk_consumer_group_heartbeat_response_topic_partitions_t, i);
        cr_assert(!memcmp(tp->topic_id.bytes, topic_id.bytes, 16), "a partition of another topic");
        for (int32_t k = 0; k < tp->partitions.count; k++)
            bits |= 1u << KFK_ARRAY_AT(tp->partitions, int32_t, k);
    }
    return bits;
}

static kfk_err_t commit(session_t *s, const char *group, const char *member, int32_t epoch,
                        const char *topic, int64_t offset) {
    kfk_offset_commit_request_partition_t p;
    memset(&p, 0, sizeof p);
    p.partition_index = 0;
    p.committed_offset = offset;
    p.committed_leader_epoch = -1;
    p.committed_metadata = (kfk_str_t){NULL, -1};
    kfk_offset_commit_request_topic_t t;
    memset(&t, 0, sizeof t);
    t.name = kfk_str_c(topic);
    t.partitions = (kfk_array_t){&p, 1};
    kfk_offset_commit_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(group);
    req.generation_id_or_member_epoch = epoch;
    req.member_id = kfk_str_c(member);
    req.group_instance_id = (kfk_str_t){NULL, -1};
    req.retention_time_ms = -1;
    req.topics = (kfk_array_t){&t, 1};
    kfk_offset_commit_response_t *r = call(s, KFK_API_OFFSET_COMMIT, &req);
    cr_assert_eq(r->topics.count, 1);
    kfk_offset_commit_response_topic_t *rt = r->topics.items;
    cr_assert_eq(rt->partitions.count, 1);
    return (kfk_err_t)KFK_ARRAY_AT(rt->partitions, kfk_offset_commit_response_partition_t, 0)
        .error_code;
}

/* ConsumerGroupDescribe of @p group: its one group entry (valid until the next call). */
static kfk_consumer_group_describe_response_described_group_t *describe(session_t *s,
                                                                        const char *group) {
    kfk_str_t ids[] = {kfk_str_c(group)};
    kfk_consumer_group_describe_request_t req;
    memset(&req, 0, sizeof req);
    req.group_ids = KFK_ARRAY_OF(ids);
    kfk_consumer_group_describe_response_t *r = call(s, KFK_API_CONSUMER_GROUP_DESCRIBE, &req);
    cr_assert_eq(r->groups.count, 1);
    kfk_consumer_group_describe_response_described_group_t *g = r->groups.items;
    cr_assert_eq(g->error_code, 0, "ConsumerGroupDescribe: %s",
                 kfk_err_name((kfk_err_t)g->error_code));
    cr_assert(kfk_str_eq(g->group_id, group));
    return g;
}

Test(protocol_consumer_group, join_get_assignment_heartbeat_commit_describe_and_leave,
     .timeout = 120) {
    session_t s;
    open_session(&s);
    bool v3 = strncmp(kt_kafka_version(), "3.", 2) == 0;
    if (s.versions[KFK_API_CONSUMER_GROUP_HEARTBEAT] < 0) {
        cr_assert(v3, "Kafka %s does not advertise ConsumerGroupHeartbeat", kt_kafka_version());
        close_session(&s);
        cr_skip_test("Kafka %s does not advertise the consumer group protocol", kt_kafka_version());
    }
    cr_assert_geq(s.versions[KFK_API_CONSUMER_GROUP_DESCRIBE], 0);
    cr_assert_eq(s.versions[KFK_API_OFFSET_COMMIT], 9, "OffsetCommit v9 carries the member epoch");

    char topic[64], group[64], member[64];
    unsigned salt = (unsigned)time(NULL) ^ (unsigned)getpid();
    snprintf(topic, sizeof topic, "kfk-cg-raw-%u", salt);
    snprintf(group, sizeof group, "kfk-cg-raw-group-%u", salt);
    /* KIP-1082: from v1 the member makes its own id (Java: a random Uuid's string). */
    snprintf(member, sizeof member, "kfk-member-%08x%08x", salt, (unsigned)rand());
    kfk_uuid_t topic_id = create_topic(&s, topic);
    find_coordinator(&s, group);

    /* Join: epoch 0, the subscription, no owned partitions. */
    kfk_str_t topics[] = {kfk_str_c(topic)};
    kfk_consumer_group_heartbeat_request_t join = hb_base(group, member, 0);
    join.rebalance_timeout_ms = 30000;
    join.subscribed_topic_names = KFK_ARRAY_OF(topics);
    join.server_assignor = KFK_STR("uniform");
    join.topic_partitions = (kfk_array_t){NULL, 0};
    double start = now_s();
    kfk_consumer_group_heartbeat_response_t *r;
    do
        r = call(&s, KFK_API_CONSUMER_GROUP_HEARTBEAT, &join);
    while (retry((kfk_err_t)r->error_code, start));
    if (v3) {
        /* 3.9 advertises ConsumerGroupHeartbeat v0 but keeps the protocol off unless
         * group.coordinator.rebalance.protocols includes consumer: it refuses the join. */
        cr_assert_eq(r->error_code, KFK_ERR_UNSUPPORTED_VERSION, "3.x join: %s",
                     kfk_err_name((kfk_err_t)r->error_code));
        close_session(&s);
        return;
    }
    cr_assert_eq(r->error_code, 0, "join: %s (%.*s)", kfk_err_name((kfk_err_t)r->error_code),
                 r->error_message.len > 0 ? (int)r->error_message.len : 0,
                 r->error_message.len > 0 ? r->error_message.ptr : "");
    cr_assert(kfk_str_eq(r->member_id, member), "the broker keeps the member's own id");
    cr_assert_gt(r->member_epoch, 0);
    cr_assert_gt(r->heartbeat_interval_ms, 0);
    int32_t epoch = r->member_epoch;
    unsigned owned = owned_bits(r->assignment, topic_id);
    fprintf(stderr, "joined: epoch %d, heartbeat interval %d ms, assignment %s (partitions %#x)\n",
            epoch, r->heartbeat_interval_ms, r->assignment ? "given" : "null", owned);

    /* Heartbeat until the whole topic is assigned (the first answer may come before it). */
    start = now_s();
    while (owned != 7u) {
        cr_assert_lt(now_s() - start, 30, "no full assignment after 30 s (have %#x)", owned);
        usleep(200000);
        kfk_consumer_group_heartbeat_request_t hb = hb_base(group, member, epoch);
        r = call(&s, KFK_API_CONSUMER_GROUP_HEARTBEAT, &hb);
        cr_assert_eq(r->error_code, 0, "heartbeat: %s", kfk_err_name((kfk_err_t)r->error_code));
        epoch = r->member_epoch;
        if (r->assignment)
            owned = owned_bits(r->assignment, topic_id);
    }

    /* Acknowledge: the owned partitions in full; the broker keeps the epoch and the member. */
    int32_t parts[] = {0, 1, 2};
    kfk_consumer_group_heartbeat_request_topic_partitions_t tp = {
        .topic_id = topic_id, .partitions = KFK_ARRAY_OF(parts)};
    kfk_consumer_group_heartbeat_request_t ack = hb_base(group, member, epoch);
    ack.topic_partitions = (kfk_array_t){&tp, 1};
    r = call(&s, KFK_API_CONSUMER_GROUP_HEARTBEAT, &ack);
    cr_assert_eq(r->error_code, 0, "ack: %s", kfk_err_name((kfk_err_t)r->error_code));
    cr_assert_eq(r->member_epoch, epoch);

    /* OffsetCommit v9 takes the member epoch; an older epoch is stale. */
    cr_assert_eq(commit(&s, group, member, epoch, topic, 42), 0);
    cr_assert_eq(commit(&s, group, member, epoch + 1, topic, 43), KFK_ERR_STALE_MEMBER_EPOCH);
    cr_assert_eq(commit(&s, group, "no-such-member", epoch, topic, 44), KFK_ERR_UNKNOWN_MEMBER_ID);

    /* ConsumerGroupDescribe: one member, the three partitions, the uniform assignor. */
    kfk_consumer_group_describe_response_described_group_t *g = describe(&s, group);
    fprintf(stderr, "described: state %.*s, epoch %d, assignor %.*s, %d member(s)\n",
            (int)g->group_state.len, g->group_state.ptr, g->group_epoch, (int)g->assignor_name.len,
            g->assignor_name.ptr, g->members.count);
    cr_assert(kfk_str_eq(g->group_state, "Stable"));
    cr_assert(kfk_str_eq(g->assignor_name, "uniform"));
    cr_assert_eq(g->members.count, 1);
    kfk_consumer_group_describe_response_member_t *m = g->members.items;
    cr_assert(kfk_str_eq(m->member_id, member));
    cr_assert_eq(m->member_epoch, epoch);
    cr_assert(kfk_str_eq(m->client_id, "kfk-cg-test"));
    cr_assert_eq(m->subscribed_topic_names.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(m->subscribed_topic_names, kfk_str_t, 0), topic));
    cr_assert_eq(m->assignment.topic_partitions.count, 1);
    kfk_consumer_group_describe_response_topic_partitions_t *dtp =
        m->assignment.topic_partitions.items;
    cr_assert(kfk_str_eq(dtp->topic_name, topic));
    cr_assert(!memcmp(dtp->topic_id.bytes, topic_id.bytes, 16));
    cr_assert_eq(dtp->partitions.count, 3);
    if (s.versions[KFK_API_CONSUMER_GROUP_DESCRIBE] >= 1)
        cr_assert_eq(m->member_type, 1, "member_type 1: a consumer-protocol member (KIP-1099)");

    /* Leave: epoch -1, answered with epoch -1; the group is then empty. */
    kfk_consumer_group_heartbeat_request_t leave = hb_base(group, member, -1);
    r = call(&s, KFK_API_CONSUMER_GROUP_HEARTBEAT, &leave);
    cr_assert_eq(r->error_code, 0, "leave: %s", kfk_err_name((kfk_err_t)r->error_code));
    cr_assert_eq(r->member_epoch, -1);
    g = describe(&s, group);
    cr_assert_eq(g->members.count, 0);
    cr_assert(kfk_str_eq(g->group_state, "Empty"));
    /* The member is gone: its epoch is fenced now. */
    kfk_consumer_group_heartbeat_request_t late = hb_base(group, member, epoch);
    r = call(&s, KFK_API_CONSUMER_GROUP_HEARTBEAT, &late);
    cr_assert(r->error_code == KFK_ERR_UNKNOWN_MEMBER_ID ||
                  r->error_code == KFK_ERR_FENCED_MEMBER_EPOCH,
              "a heartbeat after leaving: %s", kfk_err_name((kfk_err_t)r->error_code));
    close_session(&s);
}
