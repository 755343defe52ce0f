/*
 * leader.h: the group leader's bookkeeping around the assignor (leader.c): every member's
 * subscription decoded from JoinGroup, the topics they name, and the assignments encoded for
 * SyncGroup. group.c owns the state machine: it checks the topics' metadata between the two
 * steps and runs the assignor (assignor.h) over what leader.c decoded.
 */
#ifndef KFK_CLIENT_GROUP_LEADER_H
#define KFK_CLIENT_GROUP_LEADER_H

#include "client/group/assignor.h"
#include "kfk/protocol.h"

typedef struct kfk__leader {
    size_t nm;                 /* members, in JoinGroup's order */
    kfk__assign_member_t *mem; /* their subscriptions (the assignor's input and output) */
    char **ids;                /* member ids, NUL-terminated */
    const char **topics;       /* every topic any member subscribes to, once each */
    size_t nt;
} kfk__leader_t;

/* Decodes every member of @p r into @p l; names and lists live in @p arena (the JoinGroup
 * answer's), the rest in @p l until kfk__leader_free. A member whose subscription cannot be
 * decoded takes part with no topics (it gets nothing). KFK_ERR__NOMEM. */
kfk_err_t kfk__leader_read(kfk__leader_t *l, const kfk_join_group_response_t *r,
                           kfk_arena_t *arena);

/* After kfk__assign: one SyncGroup assignment per member in @p out (kfk__malloc'd array of
 * l->nm), whose bytes live in @p blobs (as many kfk_wbuf_t); the caller frees both with
 * kfk__leader_free_assignments. KFK_ERR__NOMEM. */
kfk_err_t kfk__leader_encode(const kfk__leader_t *l, const kfk_join_group_response_t *r,
                             kfk_sync_group_request_assignment_t **out, kfk_wbuf_t **blobs);

/* Frees what kfk__leader_encode made (either may be NULL). */
void kfk__leader_free_assignments(kfk_sync_group_request_assignment_t *out, kfk_wbuf_t *blobs,
                                  size_t n);

/* Frees what kfk__leader_read made (not the arena's part). */
void kfk__leader_free(kfk__leader_t *l);

#endif
