/*
 * assignor.c: the client-side partition assignors the group leader runs, under Java's names
 * (so that kfk, Java and librdkafka members can share a group):
 * - range: per topic, members subscribed to it in order (by group.instance.id when every one
 *   has one, else by member id); the first (partitions % members) get one extra;
 * - roundrobin: every subscribed partition, sorted by topic then partition, dealt in turn to
 *   the members (in order) subscribed to its topic;
 * - cooperative-sticky: members keep what they owned when still valid, unowned partitions go to
 *   the least loaded members, then partitions move from the most to the least loaded until the
 *   counts differ by at most one. A partition that changes owner is left out of this round
 *   (KIP-429): its old owner revokes it, and the follow-up rebalance assigns it.
 */
#include <stdlib.h>
#include <string.h>

#include "client/group/assignor.h"
#include "protocol/mem.h"

static const char *order_key(const kfk__assign_member_t *m, int by_instance) {
    return by_instance ? m->instance_id : m->member_id;
}

static int subscribed(const kfk__assign_member_t *m, const char *topic) {
    for (size_t i = 0; i < m->ntopics; i++)
        if (!strcmp(m->topics[i], topic))
            return 1;
    return 0;
}

static kfk_err_t give(kfk__assign_member_t *m, const char *topic, int32_t partition) {
    kfk_topic_partition_t *a = kfk__realloc(m->assigned, (m->nassigned + 1) * sizeof *m->assigned);
    if (!a)
        return KFK_ERR__NOMEM;
    m->assigned = a;
    m->assigned[m->nassigned++] = (kfk_topic_partition_t){topic, partition, -1};
    return KFK_ERR_NONE;
}

/* Member indexes sorted by their order key. */
static size_t *sorted_members(kfk__assign_member_t *members, size_t n) {
    int by_instance = 1;
    for (size_t i = 0; i < n; i++)
        if (!members[i].instance_id)
            by_instance = 0;
    size_t *idx = kfk__mallocarray(n ? n : 1, sizeof *idx);
    if (!idx)
        return NULL;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i < n; i++) {
        size_t x = idx[i], j = i;
        while (j > 0 && strcmp(order_key(&members[idx[j - 1]], by_instance),
                               order_key(&members[x], by_instance)) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
    return idx;
}

static kfk_err_t range(kfk__assign_member_t *mem, size_t n, const kfk__assign_topic_t *topics,
                       size_t nt, const size_t *order) {
    for (size_t t = 0; t < nt; t++) {
        size_t subs = 0;
        for (size_t i = 0; i < n; i++)
            subs += subscribed(&mem[order[i]], topics[t].topic);
        if (!subs)
            continue;
        int32_t per = topics[t].partitions / (int32_t)subs;
        int32_t extra = topics[t].partitions % (int32_t)subs;
        int32_t next = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            kfk__assign_member_t *m = &mem[order[i]];
            if (!subscribed(m, topics[t].topic))
                continue;
            int32_t count = per + ((int32_t)k < extra ? 1 : 0);
            for (int32_t p = 0; p < count; p++)
                if (give(m, topics[t].topic, next++) != 0)
                    return KFK_ERR__NOMEM;
            k++;
        }
    }
    return KFK_ERR_NONE;
}

static int cmp_topic(const void *a, const void *b) {
    return strcmp(((const kfk__assign_topic_t *)a)->topic, ((const kfk__assign_topic_t *)b)->topic);
}

static kfk_err_t roundrobin(kfk__assign_member_t *mem, size_t n, const kfk__assign_topic_t *topics,
                            size_t nt, const size_t *order) {
    kfk__assign_topic_t *sorted = kfk__mallocarray(nt ? nt : 1, sizeof *sorted);
    if (!sorted)
        return KFK_ERR__NOMEM;
    memcpy(sorted, topics, nt * sizeof *sorted);
    qsort(sorted, nt, sizeof *sorted, cmp_topic);
    size_t turn = 0;
    for (size_t t = 0; t < nt; t++)
        for (int32_t p = 0; p < sorted[t].partitions; p++) {
            for (size_t k = 0; k < n; k++) {
                kfk__assign_member_t *m = &mem[order[(turn + k) % n]];
                if (!subscribed(m, sorted[t].topic))
                    continue;
                if (give(m, sorted[t].topic, p) != 0) {
                    kfk__free(sorted);
                    return KFK_ERR__NOMEM;
                }
                turn = (turn + k + 1) % n;
                break;
            }
        }
    kfk__free(sorted);
    return KFK_ERR_NONE;
}

/* ---- cooperative-sticky -------------------------------------------------------------------------
 */

typedef struct {
    const char *topic;
    int32_t partition;
    int owner;      /* member index, -1 none */
    int prev_owner; /* owner before this rebalance, -1 none */
} slot_t;

static kfk_err_t sticky(kfk__assign_member_t *mem, size_t n, const kfk__assign_topic_t *topics,
                        size_t nt, const size_t *order) {
    size_t total = 0;
    for (size_t t = 0; t < nt; t++)
        total += (size_t)(topics[t].partitions > 0 ? topics[t].partitions : 0);
    slot_t *slots = kfk__calloc(total ? total : 1, sizeof *slots);
    size_t *count = kfk__calloc(n ? n : 1, sizeof *count);
    if (!slots || !count) {
        kfk__free(slots);
        kfk__free(count);
        return KFK_ERR__NOMEM;
    }
    size_t s = 0;
    for (size_t t = 0; t < nt; t++)
        for (int32_t p = 0; p < topics[t].partitions; p++)
            slots[s++] = (slot_t){topics[t].topic, p, -1, -1};
    /* Keep valid owned partitions (claimed once; the first claimant in member order wins). */
    for (size_t i = 0; i < n; i++) {
        size_t m = order[i];
        for (size_t k = 0; k < mem[m].nowned; k++)
            for (size_t x = 0; x < total; x++)
                if (slots[x].owner < 0 && slots[x].partition == mem[m].owned[k].partition &&
                    !strcmp(slots[x].topic, mem[m].owned[k].topic) &&
                    subscribed(&mem[m], slots[x].topic)) {
                    slots[x].owner = slots[x].prev_owner = (int)m;
                    count[m]++;
                }
    }
    /* Unowned partitions to the least loaded subscribed member (ties: member order). */
    for (size_t x = 0; x < total; x++) {
        if (slots[x].owner >= 0)
            continue;
        int best = -1;
        for (size_t i = 0; i < n; i++) {
            size_t m = order[i];
            if (subscribed(&mem[m], slots[x].topic) && (best < 0 || count[m] < count[best]))
                best = (int)m;
        }
        if (best >= 0) {
            slots[x].owner = best;
            count[best]++;
        }
    }
    /* Balance: move from the most to the least loaded member while they differ by 2+. */
    for (size_t guard = 0; guard < total * 2 + 2; guard++) {
        int hi = -1, lo = -1;
        for (size_t i = 0; i < n; i++) {
            size_t m = order[i];
            if (hi < 0 || count[m] > count[hi])
                hi = (int)m;
            if (lo < 0 || count[m] < count[lo])
                lo = (int)m;
        }
        if (hi < 0 || count[hi] <= count[lo] + 1)
            break;
        int moved = 0;
        /* Prefer moving a partition the receiver can take (subscribed). */
        for (size_t x = total; x-- > 0 && !moved;)
            if (slots[x].owner == hi && subscribed(&mem[lo], slots[x].topic)) {
                slots[x].owner = lo;
                count[hi]--;
                count[lo]++;
                moved = 1;
            }
        if (!moved)
            break;
    }
    kfk_err_t err = KFK_ERR_NONE;
    for (size_t x = 0; x < total && !err; x++) {
        if (slots[x].owner < 0)
            continue;
        /* Cooperative: a partition still owned by someone else waits for the next round. */
        if (slots[x].prev_owner >= 0 && slots[x].prev_owner != slots[x].owner)
            continue;
        err = give(&mem[slots[x].owner], slots[x].topic, slots[x].partition);
    }
    kfk__free(slots);
    kfk__free(count);
    return err;
}

kfk_err_t kfk__assign(const char *strategy, kfk__assign_member_t *members, size_t nmembers,
                      const kfk__assign_topic_t *topics, size_t ntopics) {
    for (size_t i = 0; i < nmembers; i++) {
        members[i].assigned = NULL;
        members[i].nassigned = 0;
    }
    size_t *order = sorted_members(members, nmembers);
    if (!order)
        return KFK_ERR__NOMEM;
    kfk_err_t err;
    if (!strcmp(strategy, "range"))
        err = range(members, nmembers, topics, ntopics, order);
    else if (!strcmp(strategy, "roundrobin"))
        err = roundrobin(members, nmembers, topics, ntopics, order);
    else if (!strcmp(strategy, "cooperative-sticky"))
        err = sticky(members, nmembers, topics, ntopics, order);
    else
        err = KFK_ERR__INVALID_ARG;
    kfk__free(order);
    if (err)
        for (size_t i = 0; i < nmembers; i++) {
            kfk__free(members[i].assigned);
            members[i].assigned = NULL;
            members[i].nassigned = 0;
        }
    return err;
}
