/*
 * assignor.h: the client-side partition assignors (assignor.c): members' subscriptions in,
 * assignments out. Pure functions, used by the group leader (group.c).
 */
#ifndef KFK_CLIENT_ASSIGNOR_H
#define KFK_CLIENT_ASSIGNOR_H

#include <stddef.h>

#include "kfk/kfk.h"

typedef struct kfk__assign_member {
    const char *member_id;
    const char *instance_id; /* NULL for dynamic members */
    const char **topics;
    size_t ntopics;
    kfk_topic_partition_t *owned; /* cooperative-sticky: partitions owned before */
    size_t nowned;
    /* out */
    kfk_topic_partition_t *assigned;
    size_t nassigned;
} kfk__assign_member_t;

typedef struct kfk__assign_topic {
    const char *topic;
    int32_t partitions;
} kfk__assign_topic_t;

/* Runs assignor @p strategy ("range", "roundrobin", "cooperative-sticky"; else
 * KFK_ERR__INVALID_ARG) and fills every member's `assigned` (allocated with kfk__malloc; the
 * caller frees; on error every `assigned` is NULL). */
kfk_err_t kfk__assign(const char *strategy, kfk__assign_member_t *members, size_t nmembers,
                      const kfk__assign_topic_t *topics, size_t ntopics);

#endif
