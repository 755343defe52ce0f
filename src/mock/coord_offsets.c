/*
 * coord_offsets.c: the mock group coordinator's committed offsets (the membership side is
 * coordinator.c and coord_members.c; the three share coordinator.h): OffsetCommit v2-8 and
 * OffsetFetch v1-7, as Apache Kafka's GroupCoordinator and KafkaApis answer them.
 *
 * Offsets are kept per (group, topic, partition) with their leader epoch and metadata (a null
 * metadata is stored as "", at most offset.metadata.max.bytes = 4096, else
 * OFFSET_METADATA_TOO_LARGE); a commit to a topic or partition the mock does not have gets
 * UNKNOWN_TOPIC_OR_PARTITION. Who may commit is coord_members.c's kfk__coord_commit_check
 * (members with their generation; "simple" commits, generation -1 and no member id, while the
 * group has no members). OffsetFetch answers whatever was committed whatever the group's
 * state, -1 and "" for a partition with nothing, every committed partition for null topics
 * (v2+); require_stable (v7) is accepted and ignored (no transactions).
 *
 * Faults: each partition asks fault.c (kfk__mock_fault_error with its topic and partition)
 * before anything else; OffsetFetch v2+ also asks once for the group (topic NULL, partition
 * -1) and answers a group error in its top-level error_code with no topics, as Kafka does.
 */
#include <string.h>

#include "mock/coordinator.h"
#include "protocol/mem.h"

#define MAX_METADATA 4096 /* offset.metadata.max.bytes */

static int32_t broker_id(kfk__mreq_t *req) {
    return req->broker ? req->broker->id : -1;
}

static kfk__coffset_t *offset_find(kfk__coffsets_t *os, kfk_str_t topic, int32_t partition) {
    for (size_t i = 0; os && i < os->n; i++)
        if (os->v[i].partition == partition && kfk__coord_str_eq(os->v[i].topic, topic))
            return &os->v[i];
    return NULL;
}

static int16_t offset_store(kfk__coffsets_t *os, kfk_str_t topic, int32_t partition,
                            const kfk_offset_commit_request_partition_t *p) {
    kfk_str_t md = p->committed_metadata.len >= 0 ? p->committed_metadata : (kfk_str_t){"", 0};
    char *mcopy = kfk__coord_strdup(md);
    if (!mcopy)
        return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    kfk__coffset_t *o = offset_find(os, topic, partition);
    if (!o) {
        if (os->n == os->cap) {
            size_t cap = os->cap ? os->cap * 2 : 16;
            kfk__coffset_t *nv = kfk__realloc(os->v, cap * sizeof *nv);
            if (!nv) {
                kfk__free(mcopy);
                return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
            }
            os->v = nv;
            os->cap = cap;
        }
        char *tcopy = kfk__coord_strdup(topic);
        if (!tcopy) {
            kfk__free(mcopy);
            return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
        }
        o = &os->v[os->n++];
        o->topic = tcopy;
        o->partition = partition;
        o->metadata = NULL;
    }
    kfk__free(o->metadata);
    o->metadata = mcopy;
    o->offset = p->committed_offset;
    o->epoch = p->committed_leader_epoch;
    return 0;
}

static int16_t commit_partition(kfk__coord_t *c, kfk__mreq_t *req, kfk__cgroup_t **g, int16_t gerr,
                                const kfk_offset_commit_request_t *rq, kfk_str_t topic,
                                const kfk_offset_commit_request_partition_t *p) {
    int16_t err = kfk__mock_fault_error(req->m, KFK_API_OFFSET_COMMIT, broker_id(req),
                                        topic.len > 0 ? topic.ptr : "",
                                        topic.len > 0 ? (size_t)topic.len : 0, p->partition_index);
    if (err || (err = gerr))
        return err;
    kfk__mtopic_t *t = topic.len > 0 ? kfk__mock_topic(req->m, topic.ptr, (size_t)topic.len) : NULL;
    if (!t || p->partition_index < 0 || p->partition_index >= t->nparts)
        return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (p->committed_metadata.len > MAX_METADATA)
        return KFK_ERR_OFFSET_METADATA_TOO_LARGE;
    if (!*g && !(*g = kfk__coord_group(c, rq->group_id, 1)))
        return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    return offset_store(kfk__coord_offsets(*g), topic, p->partition_index, p);
}

/*
 * OffsetCommit v2-8: a member's commit needs its id and the current generation (Stable or
 * PreparingRebalance); a commit with generation -1 and no member id is accepted while the
 * group has no members (Kafka's "simple" commits). Offsets are kept per (group, topic,
 * partition) with their leader epoch and metadata; each partition is answered on its own.
 */
int kfk__mock_offset_commit(kfk__mreq_t *req, void **resp) {
    kfk__coord_t *c = kfk__coord_of(req->m);
    const kfk_offset_commit_request_t *rq = req->body;
    kfk_str_t instance = req->hdr.api_version >= 7 ? rq->group_instance_id : (kfk_str_t){NULL, -1};
    kfk_offset_commit_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    *resp = rs;
    int32_t nt = rq->topics.count > 0 ? rq->topics.count : 0;
    kfk_offset_commit_response_topic_t *tv =
        rs && nt ? kfk_arena_alloc(&req->arena, (size_t)nt * sizeof *tv) : NULL;
    if (!rs || (nt && !tv)) {
        *resp = NULL; /* out of memory: no answer (the connection's client times out) */
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    int16_t gerr = kfk__coord_check(c, req, rq->group_id, 1);
    kfk__cgroup_t *g = gerr ? NULL : kfk__coord_group(c, rq->group_id, 0);
    if (!gerr)
        gerr = kfk__coord_commit_check(c, g, rq->generation_id_or_member_epoch, rq->member_id,
                                       instance);
    for (int32_t i = 0; i < nt; i++) {
        const kfk_offset_commit_request_topic_t *t =
            &KFK_ARRAY_AT(rq->topics, kfk_offset_commit_request_topic_t, i);
        int32_t np = t->partitions.count > 0 ? t->partitions.count : 0;
        kfk_offset_commit_response_partition_t *pv =
            np ? kfk_arena_alloc(&req->arena, (size_t)np * sizeof *pv) : NULL;
        if (np && !pv) {
            *resp = NULL;
            kfk__coord_settle(c);
            return KFK__MOCK_REPLY;
        }
        for (int32_t j = 0; j < np; j++) {
            const kfk_offset_commit_request_partition_t *p =
                &KFK_ARRAY_AT(t->partitions, kfk_offset_commit_request_partition_t, j);
            pv[j].partition_index = p->partition_index;
            pv[j].error_code = commit_partition(c, req, &g, gerr, rq, t->name, p);
        }
        tv[i].name = t->name.len >= 0 ? t->name : (kfk_str_t){"", 0};
        tv[i].partitions = (kfk_array_t){pv, np};
    }
    rs->topics = (kfk_array_t){tv, nt};
    kfk__coord_settle(c);
    return KFK__MOCK_REPLY;
}

static void fetch_fill(kfk__mreq_t *req, kfk_offset_fetch_response_partition_t *out,
                       kfk__coffsets_t *os, kfk_str_t topic, int32_t partition) {
    out->partition_index = partition;
    out->error_code = kfk__mock_fault_error(req->m, KFK_API_OFFSET_FETCH, broker_id(req),
                                            topic.len > 0 ? topic.ptr : "",
                                            topic.len > 0 ? (size_t)topic.len : 0, partition);
    const kfk__coffset_t *o = out->error_code ? NULL : offset_find(os, topic, partition);
    out->committed_offset = o ? o->offset : -1;
    out->committed_leader_epoch = o ? o->epoch : -1;
    out->metadata = kfk__coord_astr(req, o ? o->metadata : "");
}

/* Every committed offset of @p g, grouped by topic (OffsetFetch with null topics). */
static int fetch_all(kfk__mreq_t *req, kfk__coffsets_t *os, kfk_offset_fetch_response_t *rs) {
    size_t n = os ? os->n : 0;
    if (!n)
        return 0;
    kfk_offset_fetch_response_topic_t *tv = kfk_arena_alloc(&req->arena, n * sizeof *tv);
    kfk_offset_fetch_response_partition_t *pv = kfk_arena_alloc(&req->arena, n * sizeof *pv);
    char *done = kfk_arena_alloc(&req->arena, n);
    if (!tv || !pv || !done)
        return -1;
    int32_t nt = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        kfk_str_t topic = kfk_str_c(os->v[i].topic);
        size_t first = used;
        for (size_t j = i; j < n; j++)
            if (!done[j] && strcmp(os->v[j].topic, os->v[i].topic) == 0) {
                done[j] = 1;
                fetch_fill(req, &pv[used++], os, topic, os->v[j].partition);
            }
        tv[nt].name = kfk__coord_astr(req, os->v[i].topic);
        tv[nt].partitions = (kfk_array_t){&pv[first], (int32_t)(used - first)};
        nt++;
    }
    rs->topics = (kfk_array_t){tv, nt};
    return 0;
}

/*
 * OffsetFetch v1-7: the committed offset, leader epoch and metadata of each partition asked
 * (every partition the group committed when topics is null, v2+), -1 and "" for none; the
 * group's state does not matter, as in Kafka. Group errors go in the top-level error_code
 * (v2+) or on each partition (v1).
 */
int kfk__mock_offset_fetch(kfk__mreq_t *req, void **resp) {
    kfk__coord_t *c = kfk__coord_of(req->m);
    const kfk_offset_fetch_request_t *rq = req->body;
    int16_t v = req->hdr.api_version;
    kfk_offset_fetch_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    *resp = rs;
    if (!rs) {
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    int16_t gerr =
        v >= 2 ? kfk__mock_fault_error(req->m, KFK_API_OFFSET_FETCH, broker_id(req), NULL, 0, -1)
               : 0;
    if (!gerr)
        gerr = kfk__coord_check(c, req, rq->group_id, 1);
    kfk__cgroup_t *g = gerr ? NULL : kfk__coord_group(c, rq->group_id, 0);
    kfk__coffsets_t *os = g ? kfk__coord_offsets(g) : NULL;
    if (gerr && v >= 2) {
        rs->error_code = gerr;
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    if (rq->topics.count < 0) {
        if (fetch_all(req, os, rs) != 0)
            *resp = NULL;
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    int32_t nt = rq->topics.count;
    kfk_offset_fetch_response_topic_t *tv =
        nt ? kfk_arena_alloc(&req->arena, (size_t)nt * sizeof *tv) : NULL;
    if (nt && !tv) {
        *resp = NULL;
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    for (int32_t i = 0; i < nt; i++) {
        const kfk_offset_fetch_request_topic_t *t =
            &KFK_ARRAY_AT(rq->topics, kfk_offset_fetch_request_topic_t, i);
        int32_t np = t->partition_indexes.count > 0 ? t->partition_indexes.count : 0;
        kfk_offset_fetch_response_partition_t *pv =
            np ? kfk_arena_alloc(&req->arena, (size_t)np * sizeof *pv) : NULL;
        if (np && !pv) {
            *resp = NULL;
            kfk__coord_settle(c);
            return KFK__MOCK_REPLY;
        }
        for (int32_t j = 0; j < np; j++) {
            int32_t part = KFK_ARRAY_AT(t->partition_indexes, int32_t, j);
            if (!gerr) {
                fetch_fill(req, &pv[j], os, t->name, part);
                continue;
            }
            pv[j].partition_index = part;
            pv[j].error_code = gerr;
            pv[j].committed_offset = -1;
            pv[j].committed_leader_epoch = -1;
            pv[j].metadata = (kfk_str_t){"", 0};
        }
        tv[i].name = t->name.len >= 0 ? t->name : (kfk_str_t){"", 0};
        tv[i].partitions = (kfk_array_t){pv, np};
    }
    rs->topics = (kfk_array_t){tv, nt};
    kfk__coord_settle(c);
    return KFK__MOCK_REPLY;
}

/* coordinator.h's contract. */
void kfk__coffsets_free(kfk__coffsets_t *o) {
    for (size_t i = 0; i < o->n; i++) {
        kfk__free(o->v[i].topic);
        kfk__free(o->v[i].metadata);
    }
    kfk__free(o->v);
    o->v = NULL;
    o->n = o->cap = 0;
}
