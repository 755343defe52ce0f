/*
 * h_cluster.c: the mock's cluster-level handlers, in every version kfk's codec speaks:
 * ApiVersions (kfk's ranges, Produce from v0 like Kafka 4.x), Metadata v0-12 (brokers that are
 * up, controller, cluster id, topics with leaders, replicas, ISR, epochs and ids; unknown topics
 * created when the mock and the request allow it), CreateTopics v2-7 (validate_only, manual
 * assignments, errors per topic, configs read by topic_config.c), DeleteTopics v1-6 (by name,
 * or by id from v6), InitProducerId v0-4 (new ids, KIP-360 epoch bumps) and FindCoordinator
 * v0-3 (a deterministic broker that is up); the SASL pair is sasl.c's. Every topic, partition
 * or request answered asks fault.c for an injected error first (kfk__mock_fault_error).
 */
#include <string.h>

#include "mock/mock_int.h"

#define HOST "127.0.0.1"

static void *alloc(kfk__mreq_t *req, size_t n, size_t size) {
    if (n == 0)
        n = 1;
    return kfk_arena_alloc(&req->arena, n * size);
}

static kfk_str_t cstr(const char *s) {
    return (kfk_str_t){s, (int32_t)strlen(s)};
}

static const kfk_str_t null_str = {NULL, -1};

static int16_t fault(kfk__mreq_t *req, const char *topic, size_t len, int32_t partition) {
    return kfk__mock_fault_error(req->m, req->hdr.api_key, req->broker->id, topic, len, partition);
}

/* ---- ApiVersions --------------------------------------------------------------------------- */

int kfk__mock_api_versions(kfk__mreq_t *req, void **resp) {
    kfk_api_versions_response_t *r = alloc(req, 1, sizeof *r);
    size_t n = 0;
    const kfk_api_t *apis = kfk_api_list(&n);
    kfk_api_versions_response_api_version_t *v = alloc(req, n, sizeof *v);
    if (!r || !v)
        return KFK__MOCK_NO_REPLY;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* Only what it serves: the codec knows more APIs than the mock answers (the admin
         * ones), and a client that saw one advertised would send it and lose its connection. */
        if (!kfk__mock_handler_of(apis[i].key))
            continue;
        kfk_api_versions_response_api_version_t *a = &v[k++];
        a->api_key = apis[i].key;
        a->min_version = apis[i].min_version;
        a->max_version = apis[i].max_version;
        /* Kafka 4.x advertises Produce from v0 though it serves v3+ only (KAFKA-18659):
         * librdkafka up to 2.x compresses with gzip, snappy or lz4 only when the broker's
         * Produce range includes v0, and silently sends uncompressed batches otherwise. A
         * Produce v0-2 request is still refused (the codec cannot decode it: the connection
         * closes). */
        if (apis[i].key == KFK_API_PRODUCE)
            a->min_version = 0;
    }
    r->error_code = fault(req, NULL, 0, -1);
    r->api_keys = (kfk_array_t){v, (int32_t)k};
    r->finalized_features_epoch = -1;
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- Metadata ------------------------------------------------------------------------------ */

static int broker_up(kfk_mock_t *m, int32_t id) {
    kfk__mbroker_t *b = kfk__mock_broker(m, id);
    return b && b->up;
}

static kfk__mtopic_t *topic_by_id(kfk_mock_t *m, const kfk_uuid_t *id) {
    for (size_t i = 0; i < m->ntopics; i++)
        if (memcmp(m->topics[i]->id.bytes, id->bytes, sizeof id->bytes) == 0)
            return m->topics[i];
    return NULL;
}

static int uuid_zero(const kfk_uuid_t *id) {
    for (int i = 0; i < 16; i++)
        if (id->bytes[i])
            return 0;
    return 1;
}

/* Fills @p out from @p t; 0 or -1 (no memory). */
static int describe_topic(kfk__mreq_t *req, const kfk__mtopic_t *t,
                          kfk_metadata_response_topic_t *out) {
    kfk_mock_t *m = req->m;
    out->name = cstr(t->name);
    out->topic_id = t->id;
    out->topic_authorized_operations = INT32_MIN;
    out->error_code = fault(req, t->name, strlen(t->name), -1);
    if (out->error_code)
        return 0;
    kfk_metadata_response_partition_t *ps = alloc(req, (size_t)t->nparts, sizeof *ps);
    if (!ps)
        return -1;
    for (int32_t i = 0; i < t->nparts; i++) {
        const kfk__mpartition_t *p = &t->parts[i];
        kfk_metadata_response_partition_t *o = &ps[i];
        int32_t *replicas = alloc(req, (size_t)p->nreplicas, sizeof *replicas);
        int32_t *isr = alloc(req, (size_t)p->nreplicas, sizeof *isr);
        int32_t *offline = alloc(req, (size_t)p->nreplicas, sizeof *offline);
        if (!replicas || !isr || !offline)
            return -1;
        int32_t nisr = 0, noff = 0;
        for (int32_t r = 0; r < p->nreplicas; r++) {
            replicas[r] = p->replicas[r];
            if (broker_up(m, p->replicas[r]))
                isr[nisr++] = p->replicas[r];
            else
                offline[noff++] = p->replicas[r];
        }
        o->partition_index = p->id;
        o->leader_id = p->leader >= 0 && broker_up(m, p->leader) ? p->leader : -1;
        o->leader_epoch = p->leader_epoch;
        o->replica_nodes = (kfk_array_t){replicas, p->nreplicas};
        o->isr_nodes = (kfk_array_t){isr, nisr};
        o->offline_replicas = (kfk_array_t){offline, noff};
        o->error_code = fault(req, t->name, strlen(t->name), p->id);
        if (!o->error_code && o->leader_id < 0)
            o->error_code = KFK_ERR_LEADER_NOT_AVAILABLE;
    }
    out->partitions = (kfk_array_t){ps, t->nparts};
    return 0;
}

int kfk__mock_metadata(kfk__mreq_t *req, void **resp) {
    kfk_mock_t *m = req->m;
    const kfk_metadata_request_t *q = req->body;
    kfk_metadata_response_t *r = alloc(req, 1, sizeof *r);
    kfk_metadata_response_broker_t *bs = alloc(req, (size_t)m->o.brokers, sizeof *bs);
    if (!r || !bs)
        return KFK__MOCK_NO_REPLY;
    int32_t nb = 0;
    for (int32_t i = 0; i < m->o.brokers; i++) {
        const kfk__mbroker_t *b = &m->brokers[i];
        if (!b->up)
            continue;
        bs[nb].node_id = b->id;
        bs[nb].host = cstr(HOST);
        bs[nb].port = b->port;
        bs[nb].rack = null_str;
        nb++;
    }
    r->brokers = (kfk_array_t){bs, nb};
    r->cluster_id = cstr(m->cluster_id);
    r->controller_id = broker_up(m, m->controller) ? m->controller : -1;
    r->cluster_authorized_operations = INT32_MIN;

    /* Every topic: a null array (v1+), or an empty one in v0, which has no null. */
    int all = q->topics.count < 0 || (req->hdr.api_version == 0 && q->topics.count == 0);
    size_t n = all ? m->ntopics : (size_t)q->topics.count;
    kfk_metadata_response_topic_t *ts = alloc(req, n, sizeof *ts);
    if (!ts)
        return KFK__MOCK_NO_REPLY;
    /* Auto-creation: the mock's option, and the request's from v4. */
    int may_create =
        m->o.auto_create_topics && (req->hdr.api_version < 4 || q->allow_auto_topic_creation);
    for (size_t i = 0; i < n; i++) {
        kfk_metadata_response_topic_t *o = &ts[i];
        o->topic_authorized_operations = INT32_MIN;
        if (all) {
            if (describe_topic(req, m->topics[i], o) != 0)
                return KFK__MOCK_NO_REPLY;
            continue;
        }
        const kfk_metadata_request_topic_t *rt =
            &KFK_ARRAY_AT(q->topics, kfk_metadata_request_topic_t, i);
        kfk__mtopic_t *t = NULL;
        if (rt->name.len < 0) {
            /* By id (v10+). */
            o->name = null_str;
            o->topic_id = rt->topic_id;
            t = uuid_zero(&rt->topic_id) ? NULL : topic_by_id(m, &rt->topic_id);
            if (!t) {
                o->error_code = KFK_ERR_UNKNOWN_TOPIC_ID;
                continue;
            }
        } else {
            o->name = rt->name;
            t = kfk__mock_topic(m, rt->name.ptr, (size_t)rt->name.len);
            if (!t && may_create) {
                int16_t injected = fault(req, rt->name.ptr, (size_t)rt->name.len, -1);
                if (injected) {
                    o->error_code = injected;
                    continue;
                }
                kfk_err_t err = kfk__mock_topic_add(m, rt->name.ptr, (size_t)rt->name.len,
                                                    m->o.default_partitions, 1, &t);
                if (err) {
                    o->error_code = err > 0 ? (int16_t)err : KFK_ERR_UNKNOWN_SERVER_ERROR;
                    continue;
                }
            }
            if (!t) {
                o->error_code = fault(req, rt->name.ptr, (size_t)rt->name.len, -1);
                if (!o->error_code)
                    o->error_code = KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
        }
        if (describe_topic(req, t, o) != 0)
            return KFK__MOCK_NO_REPLY;
    }
    r->topics = (kfk_array_t){ts, (int32_t)n};
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- CreateTopics -------------------------------------------------------------------------- */

/* Checks a manual assignment: partitions 0..n-1 each once, the same replica count, known
 * brokers, no broker twice in a partition. */
static int16_t check_assignments(kfk_mock_t *m, const kfk_array_t *as, const char **why) {
    int32_t n = as->count;
    int32_t rf = -1;
    for (int32_t i = 0; i < n; i++) {
        const kfk_create_topics_request_creatable_replica_assignment_t *a =
            &KFK_ARRAY_AT(*as, kfk_create_topics_request_creatable_replica_assignment_t, i);
        if (a->partition_index != i) {
            *why = "partitions must be listed in order from 0";
            return KFK_ERR_INVALID_REPLICA_ASSIGNMENT;
        }
        if (a->broker_ids.count < 1 || (rf >= 0 && a->broker_ids.count != rf)) {
            *why = "every partition needs the same number of replicas";
            return KFK_ERR_INVALID_REPLICA_ASSIGNMENT;
        }
        rf = a->broker_ids.count;
        if (rf > m->o.brokers) {
            *why = "more replicas than brokers";
            return KFK_ERR_INVALID_REPLICATION_FACTOR;
        }
        for (int32_t k = 0; k < rf; k++) {
            int32_t id = KFK_ARRAY_AT(a->broker_ids, int32_t, k);
            if (!kfk__mock_broker(m, id)) {
                *why = "unknown broker id";
                return KFK_ERR_INVALID_REPLICA_ASSIGNMENT;
            }
            for (int32_t j = 0; j < k; j++)
                if (KFK_ARRAY_AT(a->broker_ids, int32_t, j) == id) {
                    *why = "a broker listed twice for one partition";
                    return KFK_ERR_INVALID_REPLICA_ASSIGNMENT;
                }
        }
    }
    return 0;
}

static int live_brokers(kfk_mock_t *m) {
    int n = 0;
    for (int32_t i = 0; i < m->o.brokers; i++)
        n += m->brokers[i].up;
    return n;
}

/* Creates (or with @p validate_only checks) one topic; fills the result's error fields. */
static void create_one(kfk__mreq_t *req, const kfk_create_topics_request_creatable_topic_t *ct,
                       int validate_only, kfk_create_topics_response_creatable_topic_result_t *o) {
    kfk_mock_t *m = req->m;
    const char *why = NULL;
    int32_t parts = ct->num_partitions;
    int16_t rf = ct->replication_factor;
    int manual = ct->assignments.count > 0;
    o->name = ct->name;
    o->error_message = null_str;
    o->num_partitions = -1;
    o->replication_factor = -1;
    o->configs = (kfk_array_t){NULL, 0};
    int16_t err = fault(req, ct->name.ptr, (size_t)ct->name.len, -1);
    int32_t max_message_bytes = -1;
    int compact = 0;
    if (!err)
        err = kfk__mock_topic_config_read(&ct->configs, &max_message_bytes, &compact, &why);
    if (!err && manual) {
        if (parts != -1 || rf != -1) {
            err = KFK_ERR_INVALID_REQUEST;
            why = "both numPartitions or replicationFactor and manual partition assignment "
                  "were set";
        } else {
            err = check_assignments(m, &ct->assignments, &why);
            parts = ct->assignments.count;
            rf = (int16_t)KFK_ARRAY_AT(ct->assignments,
                                       kfk_create_topics_request_creatable_replica_assignment_t, 0)
                     .broker_ids.count;
        }
    }
    if (!err && !manual) {
        if (parts == -1)
            parts = m->o.default_partitions;
        if (rf == -1)
            rf = 1;
    }
    if (!err) {
        /* kfk__mock_topic_add's checks, without creating anything for validate_only. */
        kfk__mtopic_t *t = NULL;
        if (kfk__mock_topic(m, ct->name.ptr, (size_t)ct->name.len)) {
            err = KFK_ERR_TOPIC_ALREADY_EXISTS;
            why = "the topic already exists";
        } else if (parts < 1) {
            err = KFK_ERR_INVALID_PARTITIONS;
            why = "number of partitions must be larger than 0";
        } else if (rf < 1 || rf > live_brokers(m)) {
            err = KFK_ERR_INVALID_REPLICATION_FACTOR;
            why = "replication factor must be from 1 to the number of brokers up";
        } else if (!validate_only) {
            kfk_err_t e = kfk__mock_topic_add(m, ct->name.ptr, (size_t)ct->name.len, parts, rf, &t);
            err = e > 0 ? (int16_t)e : e < 0 ? KFK_ERR_UNKNOWN_SERVER_ERROR : 0;
            if (e == KFK_ERR_INVALID_TOPIC_EXCEPTION)
                why = "topic names are 1-249 characters of [a-zA-Z0-9._-], not . or ..";
            else if (e == KFK_ERR_INVALID_PARTITIONS)
                why = "the mock holds at most 100000 partitions in all";
            if (!err && manual) {
                for (int32_t i = 0; i < parts; i++) {
                    const kfk_array_t *ids =
                        &KFK_ARRAY_AT(ct->assignments,
                                      kfk_create_topics_request_creatable_replica_assignment_t, i)
                             .broker_ids;
                    kfk__mpartition_t *p = &t->parts[i];
                    for (int32_t k = 0; k < rf; k++)
                        p->replicas[k] = KFK_ARRAY_AT(*ids, int32_t, k);
                    p->leader = -1;
                    for (int32_t k = 0; k < rf && p->leader < 0; k++)
                        if (broker_up(m, p->replicas[k]))
                            p->leader = p->replicas[k];
                }
            }
            if (t) {
                o->topic_id = t->id;
                t->max_message_bytes = max_message_bytes;
                t->compact = compact;
            }
        } else {
            /* The name rule, checked by a creation that is undone at once. */
            kfk_err_t e = kfk__mock_topic_add(m, ct->name.ptr, (size_t)ct->name.len, 1, 1, &t);
            if (e == KFK_ERR_INVALID_TOPIC_EXCEPTION) {
                err = KFK_ERR_INVALID_TOPIC_EXCEPTION;
                why = "topic names are 1-249 characters of [a-zA-Z0-9._-], not . or ..";
            }
            if (t)
                kfk__mock_topic_delete(m, ct->name.ptr, (size_t)ct->name.len);
        }
    }
    o->error_code = err;
    if (err) {
        o->error_message = why ? cstr(why) : null_str;
        return;
    }
    o->num_partitions = parts;
    o->replication_factor = rf;
}

int kfk__mock_create_topics(kfk__mreq_t *req, void **resp) {
    const kfk_create_topics_request_t *q = req->body;
    kfk_create_topics_response_t *r = alloc(req, 1, sizeof *r);
    int32_t n = q->topics.count > 0 ? q->topics.count : 0;
    kfk_create_topics_response_creatable_topic_result_t *ts = alloc(req, (size_t)n, sizeof *ts);
    if (!r || !ts)
        return KFK__MOCK_NO_REPLY;
    for (int32_t i = 0; i < n; i++)
        create_one(req, &KFK_ARRAY_AT(q->topics, kfk_create_topics_request_creatable_topic_t, i),
                   q->validate_only, &ts[i]);
    r->topics = (kfk_array_t){ts, n};
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- DeleteTopics -------------------------------------------------------------------------- */

static void delete_one(kfk__mreq_t *req, kfk_str_t name, const kfk_uuid_t *id,
                       kfk_delete_topics_response_deletable_topic_result_t *o) {
    kfk_mock_t *m = req->m;
    o->name = name;
    o->error_message = null_str;
    kfk__mtopic_t *t = NULL;
    if (name.len >= 0) {
        t = kfk__mock_topic(m, name.ptr, (size_t)name.len);
    } else if (id) {
        o->topic_id = *id;
        t = uuid_zero(id) ? NULL : topic_by_id(m, id);
        if (t)
            o->name = cstr(t->name); /* Kafka answers the name of a topic deleted by id */
    }
    o->error_code = fault(req,
                          name.len >= 0 ? name.ptr
                          : t           ? t->name
                                        : NULL,
                          name.len >= 0 ? (size_t)name.len
                          : t           ? strlen(t->name)
                                        : 0,
                          -1);
    if (o->error_code)
        return;
    if (!t) {
        o->error_code =
            name.len >= 0 ? KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION : KFK_ERR_UNKNOWN_TOPIC_ID;
        return;
    }
    o->topic_id = t->id;
    /* The name must outlive the topic: it is answered after the delete. */
    if (name.len < 0) {
        size_t len = strlen(t->name);
        char *copy = kfk_arena_alloc(&req->arena, len + 1);
        if (!copy) {
            o->error_code = KFK_ERR_UNKNOWN_SERVER_ERROR;
            return;
        }
        memcpy(copy, t->name, len + 1);
        o->name = (kfk_str_t){copy, (int32_t)len};
    }
    kfk__mock_topic_delete(m, t->name, strlen(t->name));
}

int kfk__mock_delete_topics(kfk__mreq_t *req, void **resp) {
    const kfk_delete_topics_request_t *q = req->body;
    kfk_delete_topics_response_t *r = alloc(req, 1, sizeof *r);
    int v6 = req->hdr.api_version >= 6;
    int32_t n = v6 ? q->topics.count : q->topic_names.count;
    if (n < 0)
        n = 0;
    kfk_delete_topics_response_deletable_topic_result_t *ts = alloc(req, (size_t)n, sizeof *ts);
    if (!r || !ts)
        return KFK__MOCK_NO_REPLY;
    for (int32_t i = 0; i < n; i++) {
        if (v6) {
            const kfk_delete_topics_request_delete_topic_state_t *s =
                &KFK_ARRAY_AT(q->topics, kfk_delete_topics_request_delete_topic_state_t, i);
            delete_one(req, s->name, &s->topic_id, &ts[i]);
        } else {
            delete_one(req, KFK_ARRAY_AT(q->topic_names, kfk_str_t, i), NULL, &ts[i]);
        }
    }
    r->responses = (kfk_array_t){ts, n};
    kfk__mock_data_wake(req->m); /* fetches waiting on a deleted topic end now */
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- InitProducerId ------------------------------------------------------------------------ */

int kfk__mock_init_producer_id(kfk__mreq_t *req, void **resp) {
    kfk_mock_t *m = req->m;
    const kfk_init_producer_id_request_t *q = req->body;
    kfk_init_producer_id_response_t *r = alloc(req, 1, sizeof *r);
    if (!r)
        return KFK__MOCK_NO_REPLY;
    r->producer_id = -1;
    r->producer_epoch = -1;
    r->error_code = fault(req, NULL, 0, -1);
    if (r->error_code) {
        *resp = r;
        return KFK__MOCK_REPLY;
    }
    if (q->producer_id >= 0 && q->producer_id < m->next_producer_id && q->producer_epoch >= 0 &&
        q->producer_epoch < INT16_MAX - 1) {
        /* KIP-360: the same id, the next epoch. */
        r->producer_id = q->producer_id;
        r->producer_epoch = (int16_t)(q->producer_epoch + 1);
    } else if (q->producer_id >= m->next_producer_id) {
        r->error_code = KFK_ERR_INVALID_PRODUCER_EPOCH;
    } else {
        r->producer_id = m->next_producer_id++;
        r->producer_epoch = 0;
    }
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- FindCoordinator ----------------------------------------------------------------------- */

kfk__mbroker_t *kfk__mock_coordinator(kfk_mock_t *m, const char *key, size_t len) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)key[i]) * 16777619u;
    int32_t n = m->o.brokers;
    for (int32_t k = 0; k < n; k++) {
        kfk__mbroker_t *b = &m->brokers[(h + (uint32_t)k) % (uint32_t)n];
        if (b->up)
            return b;
    }
    return NULL;
}

int kfk__mock_find_coordinator(kfk__mreq_t *req, void **resp) {
    const kfk_find_coordinator_request_t *q = req->body;
    kfk_find_coordinator_response_t *r = alloc(req, 1, sizeof *r);
    if (!r)
        return KFK__MOCK_NO_REPLY;
    r->error_message = null_str;
    r->node_id = -1;
    r->host = cstr("");
    r->port = -1;
    r->error_code = fault(req, NULL, 0, -1);
    if (!r->error_code && q->key_type != 0 && q->key_type != 1) {
        r->error_code = KFK_ERR_INVALID_REQUEST;
        r->error_message = cstr("unknown key type");
    }
    if (!r->error_code) {
        kfk__mbroker_t *b =
            kfk__mock_coordinator(req->m, q->key.ptr, q->key.len > 0 ? (size_t)q->key.len : 0);
        if (!b) {
            r->error_code = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
        } else {
            r->node_id = b->id;
            r->host = cstr(HOST);
            r->port = b->port;
        }
    }
    *resp = r;
    return KFK__MOCK_REPLY;
}
