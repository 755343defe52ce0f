/*
 * test_protocol_broker.c: the protocol layer alone against the real broker, over a blocking
 * socket (no libuv, no kfk client): ApiVersions, then at the highest common versions Metadata,
 * CreateTopics, Produce of one RecordBatch built by kfk, Fetch of it back (decoded with kfk's
 * reader), ListOffsets. Registered for Kafka 4.3.1 and 3.9.x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Sends one request and decodes its response into *body (valid until the next call). */
static void *call(session_t *s, int16_t key, int16_t version, const void *req) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_request_header_t h = {key, version, ++s->corr, KFK_STR("kfk-protocol-test"), {NULL, 0}};
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

static void open_session(session_t *s) {
    memset(s, 0, sizeof *s);
    kfk_arena_init(&s->arena);
    s->fd = kt_connect(kt_env_required("BOOTSTRAP"));
    cr_assert_geq(s->fd, 0);
    kfk_api_versions_request_t req;
    memset(&req, 0, sizeof req);
    req.client_software_name = KFK_STR("kfk");
    req.client_software_version = KFK_STR("0.1.0");
    kfk_api_versions_response_t *r = call(s, KFK_API_API_VERSIONS, 3, &req);
    cr_assert_eq(r->error_code, 0);
    for (int i = 0; i < 64; i++)
        s->versions[i] = -1;
    for (int32_t i = 0; i < r->api_keys.count; i++) {
        kfk_api_versions_response_api_version_t *k =
            &KFK_ARRAY_AT(r->api_keys, kfk_api_versions_response_api_version_t, i);
        int16_t v;
        if (k->api_key >= 0 && k->api_key < 64 &&
            kfk_api_pick_version(k->api_key, k->min_version, k->max_version, &v, NULL, 0) == 0)
            s->versions[k->api_key] = v;
    }
    static const int16_t needed[] = {KFK_API_METADATA, KFK_API_CREATE_TOPICS, KFK_API_PRODUCE,
                                     KFK_API_FETCH, KFK_API_LIST_OFFSETS};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        cr_assert_geq(s->versions[needed[i]], 0, "no common version for api %d", needed[i]);
    fprintf(stderr,
            "Kafka %s: Metadata v%d, CreateTopics v%d, Produce v%d, Fetch v%d, ListOffsets v%d\n",
            kt_kafka_version(), s->versions[KFK_API_METADATA], s->versions[KFK_API_CREATE_TOPICS],
            s->versions[KFK_API_PRODUCE], s->versions[KFK_API_FETCH],
            s->versions[KFK_API_LIST_OFFSETS]);
}

static void close_session(session_t *s) {
    close(s->fd);
    free(s->frame);
    kfk_arena_free(&s->arena);
}

Test(protocol_broker, metadata_create_produce_fetch_and_list_offsets_round_trip) {
    session_t s;
    open_session(&s);
    char topic[64];
    snprintf(topic, sizeof topic, "kfk-proto-%d-%ld", getpid(), (long)(random() % 100000));

    /* CreateTopics: one topic, 2 partitions. */
    kfk_create_topics_request_creatable_topic_t ct;
    memset(&ct, 0, sizeof ct);
    ct.name = kfk_str_c(topic);
    ct.num_partitions = 2;
    ct.replication_factor = 1;
    kfk_create_topics_request_t creq;
    memset(&creq, 0, sizeof creq);
    creq.topics = (kfk_array_t){&ct, 1};
    creq.timeout_ms = 10000;
    kfk_create_topics_response_t *cr =
        call(&s, KFK_API_CREATE_TOPICS, s.versions[KFK_API_CREATE_TOPICS], &creq);
    cr_assert_eq(cr->topics.count, 1);
    cr_assert_eq(
        KFK_ARRAY_AT(cr->topics, kfk_create_topics_response_creatable_topic_result_t, 0).error_code,
        0);

    /* Metadata until the topic has a leader for partition 0. */
    int32_t leader = -1;
    /* 300 tries 100 ms apart (30 s or more): a broker on a loaded machine may take over 10 s to
     * elect the new topic's leaders. */
    for (int i = 0; i < 300 && leader < 0; i++) {
        kfk_metadata_request_topic_t mt;
        memset(&mt, 0, sizeof mt);
        mt.name = kfk_str_c(topic);
        kfk_metadata_request_t mreq;
        memset(&mreq, 0, sizeof mreq);
        mreq.topics = (kfk_array_t){&mt, 1};
        kfk_metadata_response_t *mr =
            call(&s, KFK_API_METADATA, s.versions[KFK_API_METADATA], &mreq);
        cr_assert_eq(mr->brokers.count, 1);
        cr_assert_eq(mr->topics.count, 1);
        kfk_metadata_response_topic_t *t =
            &KFK_ARRAY_AT(mr->topics, kfk_metadata_response_topic_t, 0);
        if (t->error_code == 0 && t->partitions.count == 2)
            for (int32_t k = 0; k < 2; k++) {
                kfk_metadata_response_partition_t *p =
                    &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, k);
                if (p->partition_index == 0)
                    leader = p->leader_id;
            }
        if (leader < 0)
            usleep(100000);
    }
    cr_assert_geq(leader, 0, "no leader for the new topic");

    /* Produce one batch of 3 records (one with a header, one with a null key). */
    kfk_wbuf_t batch;
    kfk_wbuf_init(&batch);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &batch), 0);
    kfk_record_header_t hdr = {KFK_STR("h"), {(const uint8_t *)"hv", 2}};
    cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){(const uint8_t *)"k1", 2},
                                                 (kfk_bytes_t){(const uint8_t *)"v1", 2}, &hdr, 1,
                                                 1700000000000),
                 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){NULL, -1},
                                                 (kfk_bytes_t){(const uint8_t *)"v2", 2}, NULL, 0,
                                                 1700000000001),
                 0);
    cr_assert_eq(kfk_record_batch_builder_append(&b, (kfk_bytes_t){(const uint8_t *)"k3", 2},
                                                 (kfk_bytes_t){NULL, -1}, NULL, 0, 1700000000002),
                 0);
    kfk_record_batch_attrs_t attrs = KFK_RECORD_BATCH_ATTRS_INIT;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &attrs), 0);
    kfk_produce_request_partition_produce_data_t pd;
    memset(&pd, 0, sizeof pd);
    pd.index = 0;
    pd.records = (kfk_bytes_t){batch.data, (int32_t)batch.len};
    kfk_produce_request_topic_produce_data_t td;
    memset(&td, 0, sizeof td);
    td.name = kfk_str_c(topic);
    td.partition_data = (kfk_array_t){&pd, 1};
    kfk_produce_request_t preq;
    memset(&preq, 0, sizeof preq);
    preq.transactional_id = (kfk_str_t){NULL, -1};
    preq.acks = -1;
    preq.timeout_ms = 10000;
    preq.topic_data = (kfk_array_t){&td, 1};
    /* Just after CreateTopics the new partition's leader may not be ready yet: the broker
     * answers NOT_LEADER_OR_FOLLOWER (or LEADER_NOT_AVAILABLE), which a client retries. */
    kfk_produce_response_partition_produce_response_t *ppr = NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        kfk_produce_response_t *pr = call(&s, KFK_API_PRODUCE, s.versions[KFK_API_PRODUCE], &preq);
        cr_assert_eq(pr->responses.count, 1);
        kfk_produce_response_topic_produce_response_t *ptr =
            &KFK_ARRAY_AT(pr->responses, kfk_produce_response_topic_produce_response_t, 0);
        ppr = &KFK_ARRAY_AT(ptr->partition_responses,
                            kfk_produce_response_partition_produce_response_t, 0);
        if (ppr->error_code != KFK_ERR_NOT_LEADER_OR_FOLLOWER &&
            ppr->error_code != KFK_ERR_LEADER_NOT_AVAILABLE)
            break;
        usleep(100000);
    }
    kfk_wbuf_free(&batch);
    cr_assert_eq(ppr->error_code, 0, "produce: %s", kfk_err_name((kfk_err_t)ppr->error_code));
    cr_assert_eq(ppr->base_offset, 0);

    /* Fetch it back from offset 0 and read the records with kfk's reader. */
    kfk_fetch_request_fetch_partition_t fp;
    memset(&fp, 0, sizeof fp);
    fp.partition = 0;
    fp.current_leader_epoch = -1;
    fp.fetch_offset = 0;
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
    freq.session_epoch = -1;
    freq.topics = (kfk_array_t){&ft, 1};
    freq.rack_id = KFK_STR("");
    kfk_fetch_response_t *fr = call(&s, KFK_API_FETCH, s.versions[KFK_API_FETCH], &freq);
    cr_assert_eq(fr->responses.count, 1);
    kfk_fetch_response_fetchable_topic_response_t *ftr =
        &KFK_ARRAY_AT(fr->responses, kfk_fetch_response_fetchable_topic_response_t, 0);
    kfk_fetch_response_partition_data_t *fpd =
        &KFK_ARRAY_AT(ftr->partitions, kfk_fetch_response_partition_data_t, 0);
    cr_assert_eq(fpd->error_code, 0);
    cr_assert_eq(fpd->high_watermark, 3);
    kfk_record_batch_reader_t rd;
    kfk_record_batch_t rb;
    kfk_record_batch_reader_init(&rd, fpd->records.ptr, (size_t)fpd->records.len);
    cr_assert(kfk_record_batch_next(&rd, &rb), "no batch in the fetch answer");
    cr_assert_eq(rb.records_count, 3);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_iter_t it;
    cr_assert_eq(kfk_record_iter_init(&it, &rb, &out, 1 << 20), 0);
    kfk_record_view_t v;
    cr_assert(kfk_record_iter_next(&it, &v));
    cr_assert_eq(v.offset, 0);
    cr_assert_eq(v.timestamp, 1700000000000);
    cr_assert(v.key.len == 2 && !memcmp(v.key.ptr, "k1", 2));
    cr_assert(v.value.len == 2 && !memcmp(v.value.ptr, "v1", 2));
    cr_assert_eq(v.header_count, 1);
    kfk_record_header_iter_t hi;
    kfk_record_header_t h;
    kfk_record_header_iter_init(&hi, &v);
    cr_assert(kfk_record_header_iter_next(&hi, &h));
    cr_assert(kfk_str_eq(h.key, "h") && h.value.len == 2 && !memcmp(h.value.ptr, "hv", 2));
    cr_assert(kfk_record_iter_next(&it, &v));
    cr_assert_eq(v.offset, 1);
    cr_assert_eq(v.key.len, -1, "null key kept");
    cr_assert(kfk_record_iter_next(&it, &v));
    cr_assert_eq(v.offset, 2);
    cr_assert_eq(v.value.len, -1, "null value kept");
    cr_assert_not(kfk_record_iter_next(&it, &v));
    kfk_wbuf_free(&out);

    /* ListOffsets: earliest 0, latest 3. */
    for (int which = 0; which < 2; which++) {
        kfk_list_offsets_request_list_offsets_partition_t lp;
        memset(&lp, 0, sizeof lp);
        lp.partition_index = 0;
        lp.current_leader_epoch = -1;
        lp.timestamp = which ? -1 : -2;
        kfk_list_offsets_request_list_offsets_topic_t lt;
        memset(&lt, 0, sizeof lt);
        lt.name = kfk_str_c(topic);
        lt.partitions = (kfk_array_t){&lp, 1};
        kfk_list_offsets_request_t lreq;
        memset(&lreq, 0, sizeof lreq);
        lreq.replica_id = -1;
        lreq.topics = (kfk_array_t){&lt, 1};
        kfk_list_offsets_response_t *lr =
            call(&s, KFK_API_LIST_OFFSETS, s.versions[KFK_API_LIST_OFFSETS], &lreq);
        kfk_list_offsets_response_list_offsets_topic_response_t *ltr =
            &KFK_ARRAY_AT(lr->topics, kfk_list_offsets_response_list_offsets_topic_response_t, 0);
        kfk_list_offsets_response_list_offsets_partition_response_t *lpr = &KFK_ARRAY_AT(
            ltr->partitions, kfk_list_offsets_response_list_offsets_partition_response_t, 0);
        cr_assert_eq(lpr->error_code, 0);
        cr_assert_eq(lpr->offset, which ? 3 : 0);
    }
    close_session(&s);
}
