/*
 * leader.c: the group leader's side of the classic protocol around the assignor. Reads every
 * member's subscription (the consumer protocol's bytes in JoinGroup's answer) into the
 * assignor's input, and encodes the assignor's output into one SyncGroup assignment per
 * member. Every list is as long as the members made it: no member, topic or partition is
 * dropped for a fixed bound (the sizes come from a JoinGroup answer the codec already bounded).
 */
#include <string.h>

#include "client/group/leader.h"
#include "protocol/mem.h"

/* The name @p s in @p arena, NUL-terminated; NULL when it is full. */
static char *arena_str(kfk_arena_t *arena, const char *s, int32_t len) {
    size_t n = len > 0 ? (size_t)len : 0;
    char *p = kfk_arena_alloc(arena, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static kfk_err_t add_topic(kfk__leader_t *l, size_t *cap, const char *name) {
    for (size_t k = 0; k < l->nt; k++)
        if (!strcmp(l->topics[k], name))
            return KFK_ERR_NONE;
    if (l->nt == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        const char **nt = kfk__realloc((void *)l->topics, ncap * sizeof *nt);
        if (!nt)
            return KFK_ERR__NOMEM;
        l->topics = nt;
        *cap = ncap;
    }
    l->topics[l->nt++] = name;
    return KFK_ERR_NONE;
}

static kfk_err_t read_member(kfk__leader_t *l, size_t *tcap, size_t i,
                             const kfk_join_group_response_member_t *m, kfk_arena_t *arena) {
    kfk__assign_member_t *am = &l->mem[i];
    l->ids[i] = kfk__strndup(m->member_id.ptr ? m->member_id.ptr : "",
                             m->member_id.len > 0 ? (size_t)m->member_id.len : 0);
    if (!l->ids[i])
        return KFK_ERR__NOMEM;
    am->member_id = l->ids[i];
    am->instance_id = NULL;
    kfk_consumer_protocol_subscription_t sub;
    int16_t v;
    memset(&sub, 0, sizeof sub);
    if (kfk_consumer_subscription_decode(m->metadata.ptr, (size_t)m->metadata.len, arena, &sub,
                                         &v) != 0)
        return KFK_ERR_NONE; /* a member we cannot read gets nothing */
    const char **tl = kfk_arena_alloc(arena, (size_t)(sub.topics.count + 1) * sizeof(char *));
    if (!tl)
        return KFK_ERR__NOMEM;
    for (int32_t t = 0; t < sub.topics.count; t++) {
        kfk_str_t ts = KFK_ARRAY_AT(sub.topics, kfk_str_t, t);
        char *name = arena_str(arena, ts.ptr, ts.len);
        if (!name)
            return KFK_ERR__NOMEM;
        tl[am->ntopics++] = name;
        kfk_err_t err = add_topic(l, tcap, name);
        if (err)
            return err;
    }
    am->topics = tl;
    /* Owned partitions (cooperative-sticky). */
    size_t no = 0;
    for (int32_t t = 0; t < sub.owned_partitions.count; t++)
        no += (size_t)KFK_ARRAY_AT(sub.owned_partitions,
                                   kfk_consumer_protocol_subscription_topic_partition_t, t)
                  .partitions.count;
    am->owned = kfk_arena_alloc(arena, (no + 1) * sizeof *am->owned);
    if (!am->owned)
        return KFK_ERR__NOMEM;
    for (int32_t t = 0; t < sub.owned_partitions.count; t++) {
        kfk_consumer_protocol_subscription_topic_partition_t *tp = &KFK_ARRAY_AT(
            sub.owned_partitions, kfk_consumer_protocol_subscription_topic_partition_t, t);
        char *name = arena_str(arena, tp->topic.ptr, tp->topic.len);
        if (!name)
            return KFK_ERR__NOMEM;
        for (int32_t k = 0; k < tp->partitions.count; k++)
            am->owned[am->nowned++] =
                (kfk_topic_partition_t){name, KFK_ARRAY_AT(tp->partitions, int32_t, k), -1};
    }
    return KFK_ERR_NONE;
}

kfk_err_t kfk__leader_read(kfk__leader_t *l, const kfk_join_group_response_t *r,
                           kfk_arena_t *arena) {
    memset(l, 0, sizeof *l);
    size_t nm = r->members.count > 0 ? (size_t)r->members.count : 0;
    l->mem = kfk__calloc(nm ? nm : 1, sizeof *l->mem);
    l->ids = kfk__calloc(nm ? nm : 1, sizeof *l->ids);
    if (!l->mem || !l->ids)
        return KFK_ERR__NOMEM;
    l->nm = nm;
    size_t tcap = 0;
    for (size_t i = 0; i < nm; i++) {
        kfk_err_t err = read_member(
            l, &tcap, i, &KFK_ARRAY_AT(r->members, kfk_join_group_response_member_t, i), arena);
        if (err)
            return err;
    }
    return KFK_ERR_NONE;
}

/* One member's assignment in the consumer protocol's bytes: its partitions grouped by topic,
 * topics in the order the assignor first gave them. */
static kfk_err_t encode_member(const kfk__assign_member_t *am, kfk_wbuf_t *blob) {
    size_t na = am->nassigned;
    kfk_consumer_protocol_assignment_topic_partition_t *tps = kfk__calloc(na ? na : 1, sizeof *tps);
    int32_t *pids = kfk__calloc(na ? na : 1, sizeof *pids);
    kfk_err_t err = tps && pids ? KFK_ERR_NONE : KFK_ERR__NOMEM;
    size_t ntp = 0, np = 0;
    for (size_t a = 0; !err && a < na; a++) {
        size_t t;
        for (t = 0; t < ntp; t++)
            if (kfk_str_eq(tps[t].topic, am->assigned[a].topic))
                break;
        if (t == ntp)
            tps[ntp++].topic = kfk_str_c(am->assigned[a].topic);
    }
    for (size_t t = 0; !err && t < ntp; t++) {
        tps[t].partitions.items = &pids[np];
        for (size_t a = 0; a < na; a++)
            if (kfk_str_eq(tps[t].topic, am->assigned[a].topic)) {
                pids[np++] = am->assigned[a].partition;
                tps[t].partitions.count++;
            }
    }
    if (!err) {
        kfk_consumer_protocol_assignment_t asg;
        memset(&asg, 0, sizeof asg);
        asg.assigned_partitions = (kfk_array_t){tps, (int32_t)ntp};
        asg.user_data = (kfk_bytes_t){NULL, -1};
        err = kfk_consumer_assignment_encode(&asg, 1, blob);
    }
    kfk__free(tps);
    kfk__free(pids);
    return err;
}

kfk_err_t kfk__leader_encode(const kfk__leader_t *l, const kfk_join_group_response_t *r,
                             kfk_sync_group_request_assignment_t **out, kfk_wbuf_t **blobs) {
    size_t nm = l->nm;
    *out = kfk__calloc(nm ? nm : 1, sizeof **out);
    *blobs = kfk__calloc(nm ? nm : 1, sizeof **blobs);
    if (!*out || !*blobs)
        return KFK_ERR__NOMEM;
    for (size_t i = 0; i < nm; i++) {
        kfk_wbuf_init(&(*blobs)[i]);
        kfk_err_t err = encode_member(&l->mem[i], &(*blobs)[i]);
        if (err)
            return err;
        const kfk_join_group_response_member_t *m =
            &KFK_ARRAY_AT(r->members, kfk_join_group_response_member_t, i);
        (*out)[i].member_id = m->member_id;
        (*out)[i].assignment = (kfk_bytes_t){(*blobs)[i].data, (int32_t)(*blobs)[i].len};
    }
    return KFK_ERR_NONE;
}

void kfk__leader_free_assignments(kfk_sync_group_request_assignment_t *out, kfk_wbuf_t *blobs,
                                  size_t n) {
    for (size_t i = 0; blobs && i < n; i++)
        kfk_wbuf_free(&blobs[i]);
    kfk__free(blobs);
    kfk__free(out);
}

void kfk__leader_free(kfk__leader_t *l) {
    for (size_t i = 0; l->mem && i < l->nm; i++)
        kfk__free(l->mem[i].assigned);
    for (size_t i = 0; l->ids && i < l->nm; i++)
        kfk__free(l->ids[i]);
    kfk__free(l->mem);
    kfk__free(l->ids);
    kfk__free((void *)l->topics);
    memset(l, 0, sizeof *l);
}
