/*
 * coordinator.h: what the mock's group coordinator shares between its files:
 * coordinator.c (the groups, JoinGroup, rebalancing, the timer, the close), coord_members.c
 * (SyncGroup, Heartbeat, LeaveGroup, the member check of OffsetCommit), coord_offsets.c
 * (committed offsets: OffsetCommit, OffsetFetch) and coord_describe.c (DescribeGroups,
 * ListGroups). Only these files include it.
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

/*
 * The group model (coordinator.c creates and frees groups and members, coord_members.c also
 * changes them in place, under the same rules). A group has a state,
 * a generation, a protocol type and the protocol chosen for it, a leader, its members and
 * KIP-394's pending members (dynamic members that were given an id with MEMBER_ID_REQUIRED and
 * have not joined with it yet), and its committed offsets.
 */
typedef enum {
    KFK__CG_EMPTY,
    KFK__CG_PREPARING,  /* PreparingRebalance */
    KFK__CG_COMPLETING, /* CompletingRebalance */
    KFK__CG_STABLE,
    KFK__CG_DEAD
} kfk__cgstate_t;

/* One protocol a member supports (JoinGroup's protocols). */
typedef struct kfk__cproto {
    char *name;
    uint8_t *meta;
    int32_t meta_len;
} kfk__cproto_t;

/* One member of a group. */
typedef struct kfk__cmember {
    struct kfk__cmember *next;
    char *id;
    char *instance; /* group.instance.id of a static member, or NULL */
    int32_t session_ms, rebalance_ms;
    kfk__cproto_t *protos;
    int32_t nprotos;
    uint8_t *assignment;
    int32_t assignment_len;
    kfk__mreq_t *join_req; /* a held JoinGroup (awaiting join) */
    kfk__mreq_t *sync_req; /* a held SyncGroup (awaiting sync) */
    uint64_t deadline;     /* session (or new-member join) expiry */
    int is_new;
    int pending_sync; /* has not sent SyncGroup since the join completed */
} kfk__cmember_t;

/* One pending member (KIP-394): an id given with MEMBER_ID_REQUIRED, not joined yet. */
typedef struct kfk__cpending {
    struct kfk__cpending *next;
    char *id;
    uint64_t deadline;
} kfk__cpending_t;

struct kfk__cgroup {
    kfk__cgroup_t *next;
    char *id;
    kfk__cgstate_t state;
    int32_t generation;
    char *protocol_type, *protocol_name;
    kfk__cmember_t *members; /* in join order */
    kfk__cmember_t *leader;
    int32_t nmembers;
    kfk__cpending_t *pending;
    uint64_t join_deadline; /* PreparingRebalance: when the join completes at the latest */
    int initial;            /* the join is a new group's initial delay */
    int64_t initial_remaining;
    int new_member_added;
    uint64_t sync_deadline;  /* CompletingRebalance/Stable: members that did not sync go */
    kfk__coffsets_t offsets; /* coord_offsets.c's */
};

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

/* The first of @p c's groups (the others follow through ->next), or NULL. */
kfk__cgroup_t *kfk__coord_groups(kfk__coord_t *c);

/* The committed offsets of @p g (owned by @p g). */
kfk__coffsets_t *kfk__coord_offsets(kfk__cgroup_t *g);

/* The id of the broker @p req came to, or -1 (none). */
int32_t kfk__coord_broker_id(kfk__mreq_t *req);

/* The member @p id of @p g, or NULL. */
kfk__cmember_t *kfk__coord_member_find(kfk__cgroup_t *g, kfk_str_t id);

/* The static member of @p g whose group.instance.id is @p instance, or NULL (also when
 * @p instance is the null string). */
kfk__cmember_t *kfk__coord_static_member(kfk__cgroup_t *g, kfk_str_t instance);

/* The pending member @p id of @p g, or NULL. */
kfk__cpending_t *kfk__coord_pending_find(kfk__cgroup_t *g, kfk_str_t id);

/* Takes the pending member @p p out of @p g and frees it (nothing when it is not @p g's). */
void kfk__coord_pending_remove(kfk__cgroup_t *g, kfk__cpending_t *p);

/*
 * Kafka's validateCurrentMember: with a group.instance.id (@p instance not the null string), it
 * must name a static member of @p g and that member must be @p id (else FENCED_INSTANCE_ID);
 * without one, @p id must be a member. 0, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
 */
int16_t kfk__coord_validate_member(kfk__cgroup_t *g, kfk_str_t id, kfk_str_t instance);

/* Queues @p resp as the answer to the held request @p req (NULL: it ends unanswered);
 * kfk__coord_settle sends it. Out of memory, @p req ends unanswered at once. */
void kfk__coord_post(kfk__coord_t *c, kfk__mreq_t *req, void *resp);

/* A SyncGroup answer in @p req's arena: @p err and, without an error, @p g's protocol type and
 * name (else null) and @p mb's assignment (empty without @p mb); NULL when out of memory. */
kfk_sync_group_response_t *kfk__coord_sync_answer(kfk__mreq_t *req, const kfk__cgroup_t *g,
                                                  int16_t err, const kfk__cmember_t *mb);

/* Restarts the session of @p mb: it now expires session_ms from now. */
void kfk__coord_heartbeat_reset(kfk__coord_t *c, kfk__cmember_t *mb);

/* Forgets every assignment of @p g and answers each held SyncGroup with @p err (kfk__coord_post;
 * the session of each such member restarts). */
void kfk__coord_reset_assignments(kfk__coord_t *c, kfk__cgroup_t *g, int16_t err);

/* Kafka's prepareRebalance: @p g goes PreparingRebalance (the held SyncGroups of a
 * CompletingRebalance group get REBALANCE_IN_PROGRESS) with its join deadline: from Empty the
 * initial delay, else the longest rebalance timeout of its members. */
void kfk__coord_prepare_rebalance(kfk__coord_t *c, kfk__cgroup_t *g);

/* Kafka's removeMemberAndUpdateGroup: @p mb leaves @p g and is freed (its held requests get
 * UNKNOWN_MEMBER_ID); a Stable or CompletingRebalance group then prepares a rebalance. */
void kfk__coord_member_leave(kfk__coord_t *c, kfk__cgroup_t *g, kfk__cmember_t *mb);

/* ---- coord_members.c ---- */

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
