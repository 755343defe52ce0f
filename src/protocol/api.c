/*
 * api.c: the APIs kfk speaks (keys, client version ranges, first flexible versions, body
 * schemas), the version picker, request/response headers and framing.
 *
 * Header rules (Kafka's RequestHeader.json / ResponseHeader.json, KIP-482, KIP-511):
 * - request header v1 = api_key, api_version, correlation_id, client_id (nullable, int16
 *   length even in flexible versions); v2 = v1 + a tagged-field section; v2 when the request
 *   version is flexible;
 * - response header v0 = correlation_id; v1 = v0 + tagged fields, when flexible; ApiVersions
 *   responses always use v0, and a broker that does not know the requested ApiVersions version
 *   answers with a v0 body carrying UNSUPPORTED_VERSION.
 */
#include <stdio.h>
#include <string.h>

#include "protocol/schema.h"

/* Body schemas, defined in api_<name>.c. */
#define KFK_API_SCHEMAS_(X)                                                                        \
    X(produce)                                                                                     \
    X(fetch)                                                                                       \
    X(list_offsets)                                                                                \
    X(metadata)                                                                                    \
    X(offset_commit)                                                                               \
    X(offset_fetch)                                                                                \
    X(find_coordinator)                                                                            \
    X(join_group)                                                                                  \
    X(heartbeat)                                                                                   \
    X(leave_group)                                                                                 \
    X(sync_group)                                                                                  \
    X(describe_groups)                                                                             \
    X(list_groups)                                                                                 \
    X(sasl_handshake)                                                                              \
    X(api_versions)                                                                                \
    X(create_topics)                                                                               \
    X(delete_topics)                                                                               \
    X(init_producer_id)                                                                            \
    X(add_partitions_to_txn)                                                                       \
    X(add_offsets_to_txn)                                                                          \
    X(end_txn)                                                                                     \
    X(txn_offset_commit)                                                                           \
    X(sasl_authenticate)                                                                           \
    X(delete_groups)                                                                               \
    X(offset_delete)                                                                               \
    X(describe_configs)                                                                            \
    X(incremental_alter_configs)                                                                   \
    X(create_partitions)                                                                           \
    X(delete_records)                                                                              \
    X(describe_cluster)                                                                            \
    X(consumer_group_heartbeat)                                                                    \
    X(consumer_group_describe)

#define DECLARE_(n)                                                                                \
    extern const kfk_schema_t kfk_##n##_request_schema;                                            \
    extern const kfk_schema_t kfk_##n##_response_schema;
KFK_API_SCHEMAS_(DECLARE_)
#undef DECLARE_

/* Sorted by key. */
static const kfk_api_t apis[] = {
    {KFK_API_PRODUCE, "Produce", 3, 11, 9, &kfk_produce_request_schema,
     &kfk_produce_response_schema},
    {KFK_API_FETCH, "Fetch", 4, 12, 12, &kfk_fetch_request_schema, &kfk_fetch_response_schema},
    {KFK_API_LIST_OFFSETS, "ListOffsets", 1, 7, 6, &kfk_list_offsets_request_schema,
     &kfk_list_offsets_response_schema},
    {KFK_API_METADATA, "Metadata", 0, 12, 9, &kfk_metadata_request_schema,
     &kfk_metadata_response_schema},
    {KFK_API_OFFSET_COMMIT, "OffsetCommit", 2, 9, 8, &kfk_offset_commit_request_schema,
     &kfk_offset_commit_response_schema},
    {KFK_API_OFFSET_FETCH, "OffsetFetch", 1, 7, 6, &kfk_offset_fetch_request_schema,
     &kfk_offset_fetch_response_schema},
    {KFK_API_FIND_COORDINATOR, "FindCoordinator", 0, 3, 3, &kfk_find_coordinator_request_schema,
     &kfk_find_coordinator_response_schema},
    {KFK_API_JOIN_GROUP, "JoinGroup", 0, 7, 6, &kfk_join_group_request_schema,
     &kfk_join_group_response_schema},
    {KFK_API_HEARTBEAT, "Heartbeat", 0, 4, 4, &kfk_heartbeat_request_schema,
     &kfk_heartbeat_response_schema},
    {KFK_API_LEAVE_GROUP, "LeaveGroup", 0, 4, 4, &kfk_leave_group_request_schema,
     &kfk_leave_group_response_schema},
    {KFK_API_SYNC_GROUP, "SyncGroup", 0, 5, 4, &kfk_sync_group_request_schema,
     &kfk_sync_group_response_schema},
    {KFK_API_DESCRIBE_GROUPS, "DescribeGroups", 0, 6, 5, &kfk_describe_groups_request_schema,
     &kfk_describe_groups_response_schema},
    {KFK_API_LIST_GROUPS, "ListGroups", 0, 5, 3, &kfk_list_groups_request_schema,
     &kfk_list_groups_response_schema},
    {KFK_API_SASL_HANDSHAKE, "SaslHandshake", 0, 1, -1, &kfk_sasl_handshake_request_schema,
     &kfk_sasl_handshake_response_schema},
    {KFK_API_API_VERSIONS, "ApiVersions", 0, 3, 3, &kfk_api_versions_request_schema,
     &kfk_api_versions_response_schema},
    {KFK_API_CREATE_TOPICS, "CreateTopics", 2, 7, 5, &kfk_create_topics_request_schema,
     &kfk_create_topics_response_schema},
    {KFK_API_DELETE_TOPICS, "DeleteTopics", 1, 6, 4, &kfk_delete_topics_request_schema,
     &kfk_delete_topics_response_schema},
    {KFK_API_DELETE_RECORDS, "DeleteRecords", 0, 2, 2, &kfk_delete_records_request_schema,
     &kfk_delete_records_response_schema},
    {KFK_API_INIT_PRODUCER_ID, "InitProducerId", 0, 5, 2, &kfk_init_producer_id_request_schema,
     &kfk_init_producer_id_response_schema},
    {KFK_API_ADD_PARTITIONS_TO_TXN, "AddPartitionsToTxn", 0, 3, 3,
     &kfk_add_partitions_to_txn_request_schema, &kfk_add_partitions_to_txn_response_schema},
    {KFK_API_ADD_OFFSETS_TO_TXN, "AddOffsetsToTxn", 0, 4, 3, &kfk_add_offsets_to_txn_request_schema,
     &kfk_add_offsets_to_txn_response_schema},
    {KFK_API_END_TXN, "EndTxn", 0, 5, 3, &kfk_end_txn_request_schema, &kfk_end_txn_response_schema},
    {KFK_API_TXN_OFFSET_COMMIT, "TxnOffsetCommit", 0, 5, 3, &kfk_txn_offset_commit_request_schema,
     &kfk_txn_offset_commit_response_schema},
    {KFK_API_DESCRIBE_CONFIGS, "DescribeConfigs", 1, 4, 4, &kfk_describe_configs_request_schema,
     &kfk_describe_configs_response_schema},
    {KFK_API_SASL_AUTHENTICATE, "SaslAuthenticate", 0, 2, 2, &kfk_sasl_authenticate_request_schema,
     &kfk_sasl_authenticate_response_schema},
    {KFK_API_CREATE_PARTITIONS, "CreatePartitions", 0, 3, 2, &kfk_create_partitions_request_schema,
     &kfk_create_partitions_response_schema},
    {KFK_API_DELETE_GROUPS, "DeleteGroups", 0, 2, 2, &kfk_delete_groups_request_schema,
     &kfk_delete_groups_response_schema},
    {KFK_API_INCREMENTAL_ALTER_CONFIGS, "IncrementalAlterConfigs", 0, 1, 1,
     &kfk_incremental_alter_configs_request_schema, &kfk_incremental_alter_configs_response_schema},
    {KFK_API_OFFSET_DELETE, "OffsetDelete", 0, 0, -1, &kfk_offset_delete_request_schema,
     &kfk_offset_delete_response_schema},
    {KFK_API_DESCRIBE_CLUSTER, "DescribeCluster", 0, 2, 0, &kfk_describe_cluster_request_schema,
     &kfk_describe_cluster_response_schema},
    {KFK_API_CONSUMER_GROUP_HEARTBEAT, "ConsumerGroupHeartbeat", 0, 1, 0,
     &kfk_consumer_group_heartbeat_request_schema, &kfk_consumer_group_heartbeat_response_schema},
    {KFK_API_CONSUMER_GROUP_DESCRIBE, "ConsumerGroupDescribe", 0, 1, 0,
     &kfk_consumer_group_describe_request_schema, &kfk_consumer_group_describe_response_schema},
};

#define NAPIS (sizeof apis / sizeof apis[0])

const kfk_api_t *kfk_api_get(int16_t api_key) {
    for (size_t i = 0; i < NAPIS; i++)
        if (apis[i].key == api_key)
            return &apis[i];
    return NULL;
}

const kfk_api_t *kfk_api_list(size_t *count) {
    if (count)
        *count = NAPIS;
    return apis;
}

static bool api_flexible(const kfk_api_t *api, int16_t version) {
    return api->flexible_from >= 0 && version >= api->flexible_from;
}

bool kfk_api_is_flexible(int16_t api_key, int16_t version) {
    const kfk_api_t *api = kfk_api_get(api_key);
    return api && api_flexible(api, version);
}

kfk_err_t kfk_api_pick_version(int16_t api_key, int16_t broker_min, int16_t broker_max,
                               int16_t *version, char *errstr, size_t errstr_size) {
    const kfk_api_t *api = kfk_api_get(api_key);
    if (!api) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "API key %d is not spoken by kfk", api_key);
        return KFK_ERR__INVALID_ARG;
    }
    int16_t hi = broker_max < api->max_version ? broker_max : api->max_version;
    /* kfk's client asks Metadata v1+ (a controller id, null for every topic); the codec also
     * speaks v0, which the mock serves to peers (aiokafka's bootstrap). */
    int16_t client_min =
        api->key == KFK_API_METADATA && api->min_version < 1 ? 1 : api->min_version;
    int16_t lo = broker_min > client_min ? broker_min : client_min;
    if (broker_min > broker_max || hi < lo) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size,
                     "no common version of %s: broker supports %d-%d, kfk %d-%d", api->name,
                     broker_min, broker_max, client_min, api->max_version);
        return KFK_ERR__NO_COMMON_VERSION;
    }
    *version = hi;
    return KFK_ERR_NONE;
}

/* ---- tagged-field sections of headers (kept raw) ----------------------------------------- */

/* Reads a tagged-field section kept raw; on failure @p what (may be NULL) says why and *at
 * where. */
static kfk_bytes_t read_raw_tags_why(kfk_rbuf_t *r, char *what, size_t size, const uint8_t **at) {
    const uint8_t *cstart = r->p;
    uint32_t count = kfk_rbuf_get_uvarint(r);
    /* The entries start right after the count as written (it may be in a longer form than
     * needed), and are kept without it: the same form as a struct's unknown_tags. */
    const uint8_t *entries = r->p;
    if (r->err && what) {
        *at = cstart;
        snprintf(what, size, "count varint malformed or past the end");
    }
    if (!r->err && count > kfk_rbuf_left(r) / 2) {
        if (what) {
            *at = cstart;
            snprintf(what, size, "count %u past the end (%zu bytes left, 2 per field)",
                     (unsigned)count, kfk_rbuf_left(r));
        }
        kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
    }
    int64_t last = -1;
    for (uint32_t i = 0; i < count && !r->err; i++) {
        const uint8_t *start = r->p;
        uint32_t tag = kfk_rbuf_get_uvarint(r);
        uint32_t tsize = kfk_rbuf_get_uvarint(r);
        if (!r->err && (int64_t)tag <= last) {
            if (what)
                snprintf(what, size, "tag %u out of order (after %lld)", (unsigned)tag,
                         (long long)last);
            kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
        } else if (!r->err && tsize > kfk_rbuf_left(r)) {
            if (what)
                snprintf(what, size, "tag %u of %u bytes past the end (%zu bytes left)",
                         (unsigned)tag, (unsigned)tsize, kfk_rbuf_left(r));
        } else if (r->err && what) {
            snprintf(what, size, "tagged field %u: tag or size varint malformed or past the end",
                     (unsigned)i);
        }
        if (what)
            *at = start;
        kfk_rbuf_take(r, tsize);
        last = tag;
    }
    if (r->err || count == 0)
        return (kfk_bytes_t){NULL, 0};
    return (kfk_bytes_t){entries, (int32_t)(r->p - entries)};
}

static kfk_bytes_t read_raw_tags(kfk_rbuf_t *r) {
    return read_raw_tags_why(r, NULL, 0, NULL);
}

static void write_raw_tags(kfk_wbuf_t *w, kfk_bytes_t tags) {
    if (tags.len <= 0) {
        kfk_wbuf_put_uvarint(w, 0);
        return;
    }
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, tags.ptr, (size_t)tags.len);
    uint32_t count = 0;
    while (kfk_rbuf_left(&r) && !r.err) {
        kfk_rbuf_get_uvarint(&r);
        kfk_rbuf_take(&r, kfk_rbuf_get_uvarint(&r));
        count++;
    }
    if (r.err) {
        if (!w->err)
            w->err = KFK_ERR__INVALID_ARG;
        return;
    }
    kfk_wbuf_put_uvarint(w, count);
    kfk_wbuf_put_raw(w, tags.ptr, (size_t)tags.len);
}

/* ---- requests ------------------------------------------------------------------------------ */

static const kfk_api_t *api_in_range(int16_t key, int16_t version) {
    const kfk_api_t *api = kfk_api_get(key);
    if (!api || version < api->min_version || version > api->max_version || !api->request ||
        !api->response)
        return NULL;
    return api;
}

kfk_err_t kfk_request_encode(kfk_wbuf_t *w, const kfk_request_header_t *hdr, const void *body) {
    const kfk_api_t *api = api_in_range(hdr->api_key, hdr->api_version);
    if (!api || !body)
        return KFK_ERR__INVALID_ARG;
    if (w->err)
        return w->err;
    bool flex = api_flexible(api, hdr->api_version);
    size_t frame = kfk_wbuf_frame_begin(w);
    kfk_wbuf_put_int16(w, hdr->api_key);
    kfk_wbuf_put_int16(w, hdr->api_version);
    kfk_wbuf_put_int32(w, hdr->correlation_id);
    kfk_wbuf_put_str(w, hdr->client_id, 0);
    if (flex)
        write_raw_tags(w, hdr->unknown_tags);
    kfk_schema_encode(api->request, hdr->api_version, flex, body, w);
    kfk_wbuf_frame_end(w, frame);
    return w->err;
}

kfk_err_t kfk_request_decode(const uint8_t *frame, size_t len, kfk_request_header_t *hdr,
                             kfk_arena_t *arena, void **body) {
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, frame, len);
    *body = NULL;
    *hdr = (kfk_request_header_t){0};
    hdr->api_key = kfk_rbuf_get_int16(&r);
    hdr->api_version = kfk_rbuf_get_int16(&r);
    hdr->correlation_id = kfk_rbuf_get_int32(&r);
    if (r.err)
        return KFK_ERR__BAD_MSG;
    const kfk_api_t *api = api_in_range(hdr->api_key, hdr->api_version);
    if (!api)
        return KFK_ERR__INVALID_ARG;
    bool flex = api_flexible(api, hdr->api_version);
    hdr->client_id = kfk_rbuf_get_str(&r, 0, 1);
    if (flex)
        hdr->unknown_tags = read_raw_tags(&r);
    if (r.err)
        return KFK_ERR__BAD_MSG;
    void *msg = kfk_arena_alloc(arena, api->request->size);
    if (!msg)
        return KFK_ERR__NOMEM;
    kfk_err_t err = kfk_schema_decode(api->request, hdr->api_version, flex, &r, arena, msg);
    if (!err && kfk_rbuf_left(&r))
        err = KFK_ERR__BAD_MSG;
    if (!err)
        *body = msg;
    return err;
}

/* ---- responses ----------------------------------------------------------------------------- */

/* ApiVersions responses always carry header v0 (KIP-511). */
static bool response_header_flexible(const kfk_api_t *api, int16_t version) {
    return api->key != KFK_API_API_VERSIONS && api_flexible(api, version);
}

kfk_err_t kfk_response_encode(kfk_wbuf_t *w, int16_t api_key, int16_t version,
                              int32_t correlation_id, const void *body) {
    const kfk_api_t *api = api_in_range(api_key, version);
    if (!api || !body)
        return KFK_ERR__INVALID_ARG;
    if (w->err)
        return w->err;
    size_t frame = kfk_wbuf_frame_begin(w);
    kfk_wbuf_put_int32(w, correlation_id);
    if (response_header_flexible(api, version))
        kfk_wbuf_put_uvarint(w, 0);
    kfk_schema_encode(api->response, version, api_flexible(api, version), body, w);
    kfk_wbuf_frame_end(w, frame);
    return w->err;
}

int32_t kfk_response_correlation_id(const uint8_t *frame, size_t len) {
    if (len < 4)
        return -1;
    return (int32_t)(((uint32_t)frame[0] << 24) | ((uint32_t)frame[1] << 16) |
                     ((uint32_t)frame[2] << 8) | frame[3]);
}

/* Fills @p derr (may be NULL) with a failure outside any body field. */
static void decode_error_set(kfk_decode_error_t *derr, size_t offset, const char *field,
                             const char *what) {
    if (!derr)
        return;
    memset(derr, 0, sizeof *derr);
    derr->offset = offset;
    snprintf(derr->field, sizeof derr->field, "%s", field);
    snprintf(derr->what, sizeof derr->what, "%s", what);
}

kfk_err_t kfk_response_decode_ex(const uint8_t *frame, size_t len, int16_t api_key, int16_t version,
                                 int32_t *correlation_id, kfk_arena_t *arena, void **body,
                                 kfk_decode_error_t *derr) {
    *body = NULL;
    const kfk_api_t *api = api_in_range(api_key, version);
    if (!api) {
        decode_error_set(derr, 0, "", "API or version kfk does not speak");
        return KFK_ERR__INVALID_ARG;
    }
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, frame, len);
    int32_t corr = kfk_rbuf_get_int32(&r);
    if (correlation_id)
        *correlation_id = corr;
    if (r.err) {
        char what[96];
        snprintf(what, sizeof what, "4-byte value past the end (%zu bytes left)", len);
        decode_error_set(derr, 0, "header.correlation_id", what);
        return KFK_ERR__BAD_MSG;
    }
    if (response_header_flexible(api, version)) {
        char what[128] = "malformed";
        const uint8_t *at = r.p;
        read_raw_tags_why(&r, what, sizeof what, &at);
        if (r.err) {
            decode_error_set(derr, (size_t)(at - frame), "header.tagged_fields", what);
            return KFK_ERR__BAD_MSG;
        }
    }
    /* A broker that does not know this ApiVersions version answers with a v0 body holding
     * UNSUPPORTED_VERSION and its own ApiVersions range. */
    if (api_key == KFK_API_API_VERSIONS && version > 0 && kfk_rbuf_left(&r) >= 2 &&
        ((r.p[0] << 8) | r.p[1]) == KFK_ERR_UNSUPPORTED_VERSION)
        version = 0;
    void *msg = kfk_arena_alloc(arena, api->response->size);
    if (!msg) {
        decode_error_set(derr, (size_t)(r.p - frame), "", "out of memory");
        return KFK_ERR__NOMEM;
    }
    kfk_err_t err = kfk_schema_decode_ex(api->response, version, api_flexible(api, version), &r,
                                         arena, msg, frame, derr);
    if (!err && kfk_rbuf_left(&r)) {
        char what[96];
        snprintf(what, sizeof what, "%zu trailing bytes after the body", kfk_rbuf_left(&r));
        decode_error_set(derr, (size_t)(r.p - frame), "", what);
        err = KFK_ERR__BAD_MSG;
    }
    if (!err)
        *body = msg;
    return err;
}

kfk_err_t kfk_response_decode(const uint8_t *frame, size_t len, int16_t api_key, int16_t version,
                              int32_t *correlation_id, kfk_arena_t *arena, void **body) {
    return kfk_response_decode_ex(frame, len, api_key, version, correlation_id, arena, body, NULL);
}
