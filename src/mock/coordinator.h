/*
 * coordinator.h: what the mock's group coordinator shares between its two files:
 * coordinator.c (groups and membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, the
 * timer, the close) and coord_offsets.c (committed offsets: OffsetCommit, OffsetFetch).
 * Only these two files include it.
 */
#ifndef KFK_MOCK_COORDINATOR_H
#define KFK_MOCK_COORDINATOR_H

#include "mock/mock_int.h"

typedef struct kfk__coord kfk__coord_t;   /* the coordinator of one mock (m->coord_state) */
typedef struct kfk__cgroup kfk__cgroup_t; /* one group */

/* One committed offset of a group. */
typedef struct kfk__coffset {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t epoch;  /* committed_leader_epoch; -1: none */
    char *metadata; /* never NULL: a null commit metadata is stored as "" (as Kafka does) */
} kfk__coffset_t;

/* A group's committed offsets, in the order first committed (coord_offsets.c fills it). */
typedef struct kfk__coffsets {
    kfk__coffset_t *v;
    size_t n, cap;
} kfk__coffsets_t;

/* ---- coordinator.c ---- */

/* 1 when the NUL-terminated @p s holds exactly @p k (a null @p k matches nothing). */
int kfk__coord_str_eq(const char *s, kfk_str_t k);

/* A NUL-terminated heap copy of @p k (kfk__free it), or NULL (null string, out of memory). */
char *kfk__coord_strdup(kfk_str_t k);

/* A copy of @p s in @p req's arena (NULL: the null string; "" when the arena refuses). */
kfk_str_t kfk__coord_astr(kfk__mreq_t *req, const char *s);

/* The coordinator of @p m, created on first use; NULL while the mock closes or out of memory. */
kfk__coord_t *kfk__coord_of(kfk_mock_t *m);

/* To call at the end of every handler: the timer follows the state, held answers go out.
 * @p c may be NULL. */
void kfk__coord_settle(kfk__coord_t *c);

/* The group-level checks: INVALID_GROUP_ID (null, or empty unless @p offsets),
 * COORDINATOR_NOT_AVAILABLE (@p c NULL, no broker up), NOT_COORDINATOR (another broker
 * coordinates @p gid); 0 when @p req's broker may serve it. */
int16_t kfk__coord_check(kfk__coord_t *c, kfk__mreq_t *req, kfk_str_t gid, int offsets);

/* The group @p id, or NULL; with @p create a missing one is made (Empty, generation 0; NULL when
 * out of memory or @p c is NULL). */
kfk__cgroup_t *kfk__coord_group(kfk__coord_t *c, kfk_str_t id, int create);

/* The committed offsets of @p g (owned by @p g). */
kfk__coffsets_t *kfk__coord_offsets(kfk__cgroup_t *g);

/*
 * Kafka's validateOffsetCommit with doCommitOffsets' state checks, for an OffsetCommit to @p g
 * (NULL: no such group) by @p member of generation @p gen with @p instance (null string: none):
 * a member needs its id, the current generation and a group not completing a rebalance
 * (FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS; its
 * session restarts on success); a commit with gen < 0 and no member id is accepted while the
 * group has no members (UNKNOWN_MEMBER_ID otherwise); COORDINATOR_NOT_AVAILABLE for a Dead group.
 */
int16_t kfk__coord_commit_check(kfk__coord_t *c, kfk__cgroup_t *g, int32_t gen, kfk_str_t member,
                                kfk_str_t instance);

/* ---- coord_offsets.c ---- */

/* Frees every offset of @p o and leaves it empty. */
void kfk__coffsets_free(kfk__coffsets_t *o);

#endif
