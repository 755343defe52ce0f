/*
 * test_protocol_txn.c: the transaction APIs of the protocol layer alone against the real broker,
 * over a blocking socket (no libuv, no kfk client), at the highest versions both speak:
 * FindCoordinator (key_type 1), InitProducerId with a transactional id, AddPartitionsToTxn,
 * a transactional Produce, AddOffsetsToTxn and TxnOffsetCommit, EndTxn commit; a second
 * transaction aborted; Fetch read_committed shows the abort and the stable offset past both
 * markers, OffsetFetch the offset committed in the transaction; a second InitProducerId fences
 * the first epoch. EndTxn and TxnOffsetCommit stay at v4 as Java's client does without
 * transaction version 2 (kfk's Produce stops at v11, before KIP-890 part 2). Registered for
 * Kafka 4.3.1 and 3.9.x.
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
    int16_t versions[64];
    kfk_arena_t arena;
    uint8_t *frame;
} session_t;

/* Sends one request and decodes its response (valid until the next call). */
static void *call(session_t *s, int16_t key, const void *req) {
    int16_t version = s->versions[key];
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_request_header_t h = {key, version, ++s->corr, KFK_STR("kfk-txn-test"), {NULL, 0}};
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

/* True while an answer @p err is one a client retries after a pause, within 60 s of @p start. */
static bool retry(kfk_err_t err, double start) {
    bool again = err == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
                 err == KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS || err == KFK_ERR_NOT_COORDINATOR ||
                 err == KFK_ERR_CONCURRENT_TRANSACTIONS || err == KFK_ERR_NOT_LEADER_OR_FOLLOWER ||
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
    int tv = 0; /* the cluster's finalized transaction.version (KIP-890; absent before 4.0) */
    for (int32_t i = 0; i < r->finalized_features.count; i++) {
        kfk_api_versions_response_finalized_feature_key_t *f = &KFK_ARRAY_AT(
            r->finalized_features, kfk_api_versions_response_finalized_feature_key_t, i);
        if (kfk_str_eq(f->name, "transaction.version"))
            tv = f->max_version_level;
    }
    for (int i = 0; i < 64; i++)
        if (i != KFK_API_API_VERSIONS)
            s->versions[i] = -1;
    for (int32_t i = 0; i < r->api_keys.count; i++) {
        kfk_api_versions_response_api_version_t *k =
            &KFK_ARRAY_AT(r->api_keys, kfk_api_versions_response_api_version_t, i);
        int16_t v;
        if (k->api_key >= 0 && k->api_key < 64 &&
            kfk_api_pick_version(k->api_key, k->min_version, k->max_version, &v, NULL, 0) == 0)
            s->versions[k->api_key] = v;
    }
    static const int16_t needed[] = {KFK_API_METADATA,
                                     KFK_API_CREATE_TOPICS,
                                     KFK_API_PRODUCE,
                                     KFK_API_FETCH,
                                     KFK_API_OFFSET_FETCH,
                                     KFK_API_FIND_COORDINATOR,
                                     KFK_API_INIT_PRODUCER_ID,
                                     KFK_API_ADD_PARTITIONS_TO_TXN,
                                     KFK_API_ADD_OFFSETS_TO_TXN,
                                     KFK_API_END_TXN,
                                     KFK_API_TXN_OFFSET_COMMIT};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        cr_assert_geq(s->versions[needed[i]], 0, "no common version for api %d", needed[i]);
    /* Transaction version 1 (what a Produce before v12 takes part in), as Java without TV2. */
    if (s->versions[KFK_API_END_TXN] > 4)
        s->versions[KFK_API_END_TXN] = 4;
    if (s->versions[KFK_API_TXN_OFFSET_COMMIT] > 4)
        s->versions[KFK_API_TXN_OFFSET_COMMIT] = 4;
    fprintf(stderr,
            "Kafka %s: FindCoordinator v%d, InitProducerId v%d, AddPartitionsToTxn v%d, "
            "AddOffsetsToTxn v%d, TxnOffsetCommit v%d, EndTxn v%d, Produce v%d, Fetch v%d "
            "(transaction.version %d)\n",
            kt_kafka_version(), s->versions[KFK_API_FIND_COORDINATOR],
            s->versions[KFK_API_INIT_PRODUCER_ID], s->versions[KFK_API_ADD_PARTITIONS_TO_TXN],
            s->versions[KFK_API_ADD_OFFSETS_TO_TXN], s->versions[KFK_API_TXN_OFFSET_COMMIT],
            s->versions[KFK_API_END_TXN], s->versions[KFK_API_PRODUCE], s->versions[KFK_API_FETCH],
            tv);
}

static void close_session(session_t *s) {
    close(s->fd);
    free(s->frame);
    kfk_arena_free(&s->arena);
}

static void create_topic(session_t *s, const char *topic) {
    kfk_create_topics_request_creatable_topic_t ct;
    memset(&ct, 0, sizeof ct);
    ct.name = kfk_str_c(topic);
    ct.num_partitions = 1;
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
}

/* FindCoordinator for @p key of @p key_type: the single node is the coordinator. */
static void find_coordinator(session_t *s, int8_t key_type, const char *key) {
    kfk_find_coordinator_request_t req = {.key = kfk_str_c(key), .key_type = key_type};
    double start = now_s();
    kfk_find_coordinator_response_t *r;
    do
        r = call(s, KFK_API_FIND_COORDINATOR, &req);
    while (retry((kfk_err_t)r->error_code, start));
    cr_assert_eq(r->error_code, 0, "FindCoordinator key_type %d: %s", key_type,
                 kfk_err_name((kfk_err_t)r->error_code));
    cr_assert_geq(r->node_id, 0);
}

static kfk_init_producer_id_response_t init_pid(session_t *s, const char *txn) {
    kfk_init_producer_id_request_t req = {.transactional_id = kfk_str_c(txn),
                                          .transaction_timeout_ms = 60000,
                                          .producer_id = -1,
                                          .producer_epoch = -1};
    double start = now_s();
    kfk_init_producer_id_response_t *r;
    do
        r = call(s, KFK_API_INIT_PRODUCER_ID, &req);
    while (retry((kfk_err_t)r->error_code, start));
    cr_assert_eq(r->error_code, 0, "InitProducerId: %s", kfk_err_name((kfk_err_t)r->error_code));
    return *r;
}

static void add_partition(session_t *s, const char *txn, int64_t pid, int16_t epoch,
                          const char *topic) {
    int32_t p0[] = {0};
    kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic_t t = {
        .name = kfk_str_c(topic), .partitions = KFK_ARRAY_OF(p0)};
    kfk_add_partitions_to_txn_request_t req = {.v3_and_below_transactional_id = kfk_str_c(txn),
                                               .v3_and_below_producer_id = pid,
                                               .v3_and_below_producer_epoch = epoch,
                                               .v3_and_below_topics = {&t, 1}};
    double start = now_s();
    kfk_err_t err;
    do {
        kfk_add_partitions_to_txn_response_t *r = call(s, KFK_API_ADD_PARTITIONS_TO_TXN, &req);
        cr_assert_eq(r->results_by_topic_v3_and_below.count, 1);
        kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t *tr =
            r->results_by_topic_v3_and_below.items;
        cr_assert_eq(tr->results_by_partition.count, 1);
        err = (kfk_err_t)KFK_ARRAY_AT(
                  tr->results_by_partition,
                  kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result_t, 0)
                  .partition_error_code;
    } while (retry(err, start));
    cr_assert_eq(err, 0, "AddPartitionsToTxn: %s", kfk_err_name(err));
}

/* Produces @p n records "v<seq>" as one transactional batch with base sequence @p seq. */
static void produce(session_t *s, const char *txn, int64_t pid, int16_t epoch, const char *topic,
                    int n, int32_t seq) {
    kfk_wbuf_t batch;
    kfk_wbuf_init(&batch);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &batch), 0);
    for (int i = 0; i < n; i++) {
        char v[16];
        int vl = snprintf(v, sizeof v, "v%d", seq + i);
        cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){NULL, -1},
                                                     (kfk_bytes_t){(const uint8_t *)v, vl}, NULL, 0,
                                                     1700000000000 + i),
                     0);
    }
    kfk_record_batch_attrs_t attrs = KFK_RECORD_BATCH_ATTRS_INIT;
    attrs.producer_id = pid;
    attrs.producer_epoch = epoch;
    attrs.base_sequence = seq;
    attrs.transactional = true;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &attrs), 0);
    kfk_produce_request_partition_produce_data_t pd;
    memset(&pd, 0, sizeof pd);
    pd.index = 0;
    pd.records = (kfk_bytes_t){batch.data, (int32_t)batch.len};
    kfk_produce_request_topic_produce_data_t td;
    memset(&td, 0, sizeof td);
    td.name = kfk_str_c(topic);
    td.partition_data = (kfk_array_t){&pd, 1};
    kfk_produce_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = kfk_str_c(txn);
    req.acks = -1;
    req.timeout_ms = 10000;
    req.topic_data = (kfk_array_t){&td, 1};
    /* Just after CreateTopics the partition's leader may not be ready yet. */
    double start = now_s();
    kfk_err_t err;
    do {
        kfk_produce_response_t *r = call(s, KFK_API_PRODUCE, &req);
        cr_assert_eq(r->responses.count, 1);
        kfk_produce_response_topic_produce_response_t *tr = r->responses.items;
        kfk_produce_response_partition_produce_response_t *pr = tr->partition_responses.items;
        err = (kfk_err_t)pr->error_code;
    } while (retry(err, start));
    kfk_wbuf_free(&batch);
    cr_assert_eq(err, 0, "transactional produce: %s", kfk_err_name(err));
}

static kfk_err_t end_txn(session_t *s, const char *txn, int64_t pid, int16_t epoch, bool commit) {
    kfk_end_txn_request_t req = {.transactional_id = kfk_str_c(txn),
                                 .producer_id = pid,
                                 .producer_epoch = epoch,
                                 .committed = commit};
    double start = now_s();
    kfk_end_txn_response_t *r;
    do
        r = call(s, KFK_API_END_TXN, &req);
    while (retry((kfk_err_t)r->error_code, start));
    return (kfk_err_t)r->error_code;
}

Test(protocol_txn, commits_and_aborts_with_offsets_and_fences_the_old_epoch) {
    session_t s;
    open_session(&s);
    char topic[64], txn[64], group[64];
    long tag = (long)getpid() * 1000 + random() % 1000;
    snprintf(topic, sizeof topic, "kfk-txn-proto-%ld", tag);
    snprintf(txn, sizeof txn, "kfk-txn-%ld", tag);
    snprintf(group, sizeof group, "kfk-txn-group-%ld", tag);
    create_topic(&s, topic);

    find_coordinator(&s, 1, txn);
    kfk_init_producer_id_response_t id = init_pid(&s, txn);
    cr_assert_geq(id.producer_id, 0);
    cr_assert_geq(id.producer_epoch, 0);

    /* Transaction 1: two records and the group's offset 2, committed. */
    add_partition(&s, txn, id.producer_id, id.producer_epoch, topic);
    produce(&s, txn, id.producer_id, id.producer_epoch, topic, 2, 0);
    kfk_add_offsets_to_txn_request_t ao = {.transactional_id = kfk_str_c(txn),
                                           .producer_id = id.producer_id,
                                           .producer_epoch = id.producer_epoch,
                                           .group_id = kfk_str_c(group)};
    double start = now_s();
    kfk_add_offsets_to_txn_response_t *aor;
    do
        aor = call(&s, KFK_API_ADD_OFFSETS_TO_TXN, &ao);
    while (retry((kfk_err_t)aor->error_code, start));
    cr_assert_eq(aor->error_code, 0, "AddOffsetsToTxn: %s",
                 kfk_err_name((kfk_err_t)aor->error_code));
    find_coordinator(&s, 0, group);
    kfk_txn_offset_commit_request_partition_t op = {.partition_index = 0,
                                                    .committed_offset = 2,
                                                    .committed_leader_epoch = -1,
                                                    .committed_metadata = KFK_STR("m")};
    kfk_txn_offset_commit_request_topic_t ot = {.name = kfk_str_c(topic), .partitions = {&op, 1}};
    kfk_txn_offset_commit_request_t oc = {.transactional_id = kfk_str_c(txn),
                                          .group_id = kfk_str_c(group),
                                          .producer_id = id.producer_id,
                                          .producer_epoch = id.producer_epoch,
                                          .generation_id = -1,
                                          .member_id = KFK_STR(""),
                                          .group_instance_id = {NULL, -1},
                                          .topics = {&ot, 1}};
    /* Just after the offsets topic is made, the group coordinator may still be loading. */
    start = now_s();
    kfk_err_t oce;
    do {
        kfk_txn_offset_commit_response_t *ocr = call(&s, KFK_API_TXN_OFFSET_COMMIT, &oc);
        cr_assert_eq(ocr->topics.count, 1);
        kfk_txn_offset_commit_response_topic_t *ocrt = ocr->topics.items;
        cr_assert_eq(ocrt->partitions.count, 1);
        oce =
            (kfk_err_t)KFK_ARRAY_AT(ocrt->partitions, kfk_txn_offset_commit_response_partition_t, 0)
                .error_code;
    } while (retry(oce, start));
    cr_assert_eq(oce, 0, "TxnOffsetCommit: %s", kfk_err_name(oce));
    kfk_err_t e = end_txn(&s, txn, id.producer_id, id.producer_epoch, true);
    cr_assert_eq(e, 0, "EndTxn commit: %s", kfk_err_name(e));

    /* Transaction 2: one record, aborted (AddPartitionsToTxn waits out the commit's markers). */
    add_partition(&s, txn, id.producer_id, id.producer_epoch, topic);
    produce(&s, txn, id.producer_id, id.producer_epoch, topic, 1, 2);
    e = end_txn(&s, txn, id.producer_id, id.producer_epoch, false);
    cr_assert_eq(e, 0, "EndTxn abort: %s", kfk_err_name(e));

    /* read_committed: offsets 0-1 committed, 2 the commit marker, 3 aborted, 4 the abort marker;
     * the stable offset reaches 5 once the abort marker is written. */
    kfk_fetch_request_fetch_partition_t fp;
    memset(&fp, 0, sizeof fp);
    fp.current_leader_epoch = -1;
    fp.last_fetched_epoch = -1;
    fp.log_start_offset = -1;
    fp.partition_max_bytes = 1 << 20;
    kfk_fetch_request_fetch_topic_t ft;
    memset(&ft, 0, sizeof ft);
    ft.topic = kfk_str_c(topic);
    ft.partitions = (kfk_array_t){&fp, 1};
    kfk_fetch_request_t freq;
    memset(&freq, 0, sizeof freq);
    freq.cluster_id = (kfk_str_t){NULL, -1};
    freq.replica_id = -1;
    freq.max_wait_ms = 100;
    freq.min_bytes = 1;
    freq.max_bytes = 1 << 20;
    freq.isolation_level = 1;
    freq.session_epoch = -1;
    freq.topics = (kfk_array_t){&ft, 1};
    freq.rack_id = KFK_STR("");
    /* Fetch from 0 to the stable offset as a consumer does (a response may stop after one
     * batch): data 0-1, commit marker 2, data 3, abort marker 4, and the abort listed. */
    int batches = 0, controls = 0, aborted = 0;
    int64_t off = 0;
    start = now_s();
    while (off < 5) {
        cr_assert_lt(now_s() - start, 60, "read_committed fetch stuck at offset %lld",
                     (long long)off);
        fp.fetch_offset = off;
        kfk_fetch_response_t *fr = call(&s, KFK_API_FETCH, &freq);
        cr_assert_eq(fr->responses.count, 1);
        kfk_fetch_response_fetchable_topic_response_t *ftr = fr->responses.items;
        kfk_fetch_response_partition_data_t *fpd = ftr->partitions.items;
        cr_assert_eq(fpd->error_code, 0);
        if (fpd->last_stable_offset < 5) {
            usleep(100000); /* the abort marker is not written yet */
            continue;
        }
        cr_assert_eq(fpd->high_watermark, 5);
        cr_assert_eq(fpd->last_stable_offset, 5);
        for (int32_t i = 0; i < fpd->aborted_transactions.count; i++) {
            kfk_fetch_response_aborted_transaction_t *at = &KFK_ARRAY_AT(
                fpd->aborted_transactions, kfk_fetch_response_aborted_transaction_t, i);
            cr_assert_eq(at->producer_id, id.producer_id);
            cr_assert_eq(at->first_offset, 3);
            aborted++;
        }
        kfk_record_batch_reader_t rd;
        kfk_record_batch_t rb;
        kfk_record_batch_reader_init(&rd, fpd->records.ptr, (size_t)fpd->records.len);
        while (kfk_record_batch_next(&rd, &rb)) {
            cr_assert_eq(rb.base_offset, off, "batches in order");
            batches++;
            controls += rb.is_control;
            cr_assert(rb.is_transactional, "batch at %lld is transactional",
                      (long long)rb.base_offset);
            cr_assert_eq(rb.producer_id, id.producer_id);
            off = rb.base_offset + rb.records_count;
        }
    }
    cr_assert_eq(batches, 4);
    cr_assert_eq(controls, 2);
    cr_assert_gt(aborted, 0, "the aborted transaction is listed");

    /* The offset committed in transaction 1 is the group's. */
    kfk_offset_fetch_request_topic_t oft = {.name = kfk_str_c(topic)};
    int32_t p0[] = {0};
    oft.partition_indexes = KFK_ARRAY_OF(p0);
    kfk_offset_fetch_request_t ofr = {
        .group_id = kfk_str_c(group), .topics = {&oft, 1}, .require_stable = true};
    kfk_offset_fetch_response_t *ofa = call(&s, KFK_API_OFFSET_FETCH, &ofr);
    cr_assert_eq(ofa->error_code, 0);
    cr_assert_eq(ofa->topics.count, 1);
    kfk_offset_fetch_response_topic_t *oft2 = ofa->topics.items;
    kfk_offset_fetch_response_partition_t *ofp = oft2->partitions.items;
    cr_assert_eq(ofp->error_code, 0);
    cr_assert_eq(ofp->committed_offset, 2);
    cr_assert(kfk_str_eq(ofp->metadata, "m"));

    /* A second producer with the same transactional id gets the next epoch; the old one is
     * fenced. */
    kfk_init_producer_id_response_t id2 = init_pid(&s, txn);
    cr_assert_eq(id2.producer_id, id.producer_id);
    cr_assert_gt(id2.producer_epoch, id.producer_epoch);
    e = end_txn(&s, txn, id.producer_id, id.producer_epoch, true);
    cr_assert_eq(e, KFK_ERR_PRODUCER_FENCED, "EndTxn with the old epoch: %s", kfk_err_name(e));
    close_session(&s);
}
