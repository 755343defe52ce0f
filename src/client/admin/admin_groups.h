/*
 * admin_groups.h: the engine of the admin client's group and offset calls (admin_groups.c),
 * shared with admin_offsets.c (OffsetFetch, OffsetCommit, ListOffsets). A call ("gop") is worked
 * in rounds of requests ("subs"); see admin_groups.c for the design.
 */
#ifndef KFK_CLIENT_ADMIN_GROUPS_H
#define KFK_CLIENT_ADMIN_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "client/admin/admin_int.h"

typedef enum {
    G_LIST,
    G_DESCRIBE,
    G_FETCH,
    G_COMMIT,
    G_LIST_OFFSETS,
    G_DELETE,
    G_OFFSET_DELETE,
    /* admin_configs.c's calls */
    G_DESCRIBE_CONFIGS,
    G_ALTER_CONFIGS,
    G_CREATE_PARTITIONS,
    G_DELETE_RECORDS,
    G_DESCRIBE_CLUSTER
} gkind_t;

/* Whether @p k is one of admin_configs.c's calls other than DeleteRecords (which works on
 * partitions as ListOffsets does). */
#define KFK__GOP_IS_CONFIGS(k)                                                                     \
    ((k) == G_DESCRIBE_CONFIGS || (k) == G_ALTER_CONFIGS || (k) == G_CREATE_PARTITIONS ||          \
     (k) == G_DESCRIBE_CLUSTER)

struct gop;

/* One request of a round: to a broker by node id, or to the coordinator of one group. */
typedef struct sub {
    struct gop *op;
    int coord;             /* find the coordinator of groups[group] first */
    int any;               /* send to any broker (admin_configs.c's calls) */
    size_t group;          /* coordinator calls: the group's index */
    int32_t node_id;       /* the broker asked (for coordinator calls: once found) */
    kfk__broker_t *broker; /* the broker waited on, if any (cancelled when the call ends) */
    kfk__waiter_t w;
    size_t *items; /* ListOffsets: indexes of the partitions it asks for */
    size_t item_cnt;
} sub_t;

typedef struct gop {
    struct gop *next;
    kfk_admin_t *admin;
    gkind_t kind;
    void (*cb)(void);
    void *opaque;
    uint64_t deadline;
    uint64_t retry_at; /* 0: no round waits */
    uint32_t rounds;
    kfk_err_t last_err;
    kfk_err_t fatal; /* ends the call at the end of the round */
    char cause[512];
    int done, in_cb, md_waiting;
    unsigned in_flight; /* requests out (their callbacks free a finished call) */
    size_t subs_left;
    sub_t *subs;
    size_t sub_cnt;
    kfk__md_waiter_t mw;
    kfk_arena_t mem; /* copies of the inputs and the results' strings */
    /* inputs */
    char **groups; /* describe: n; fetch / commit: 1 */
    size_t group_cnt;
    char **states, **types; /* list filters */
    size_t state_cnt, type_cnt;
    char **topics; /* list offsets: distinct topics */
    size_t topic_cnt;
    /* results */
    kfk_group_listing_t *listing;
    size_t listing_cnt, listing_cap;
    int32_t *listed; /* list: brokers that answered */
    size_t listed_cnt;
    size_t pending; /* list: brokers not answered in the round */
    kfk_group_description_t *descs;
    kfk_group_result_t *gres; /* delete groups */
    kfk_partition_offset_t *offs;
    size_t off_cnt, off_cap;
    char *item_done;   /* describe: per group; commit / list offsets: per partition */
    char *cg_describe; /* describe: per group, ask ConsumerGroupDescribe (a KIP-848 group) */
    /* admin_configs.c's calls (item_done per resource / topic; per partition for DeleteRecords) */
    kfk_config_resource_t *cres; /* describe / alter configs: the resources and results */
    size_t cres_cnt;
    kfk_config_op_t *cops; /* alter: the changes of cres[0] */
    size_t cop_cnt;
    kfk_topic_result_t *tres; /* create partitions: per topic */
    int32_t *counts;
    size_t tres_cnt;
    int32_t op_timeout_ms;
    kfk_cluster_t *cluster; /* describe cluster */
} gop_t;

/* ---- the engine (admin_groups.c) ---- */

/* Sets the call's last cause: @p err and a message (NULL @p fmt: the error's own text). */
void kfk__gop_cause(gop_t *op, kfk_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A NUL-terminated copy of @p s in the call's arena ("" for a null string; NULL: no memory). */
char *kfk__gop_astr(gop_t *op, kfk_str_t s);
/* kfk__gop_astr of a C string (NULL: ""). */
char *kfk__gop_acopy(gop_t *op, const char *s);
/* Whether @p s holds exactly @p c. */
int kfk__gop_str_is(kfk_str_t s, const char *c);
/* Whether @p err says "ask the coordinator again" (NOT_COORDINATOR, loading, not available). */
int kfk__gop_coord_retry(kfk_err_t err);
/* What is left of the call's deadline in ms (at least 1): a request's own timeout. */
int64_t kfk__gop_time_left(const gop_t *op);
/* The response callback of every request a sub sends (dispatches to the kind's handler). */
void kfk__gop_on_response(kfk__resp_t *r, void *opaque);
/* Items of the call not done yet. */
size_t kfk__gop_pending(const gop_t *op);
/* A new call of @p kind, not started; NULL with *err set (_DESTROYED, _INVALID_ARG, _NOMEM). */
gop_t *kfk__gop_new(kfk_admin_t *a, gkind_t kind, const kfk_admin_opts_t *opts, void (*cb)(void),
                    void *opaque, kfk_err_t *err);
/* Frees a call that was never started, or has ended with no request out. */
void kfk__gop_free(gop_t *op);
/* Starts @p op: its first round runs from the admin's timer, never inside the caller's call. */
kfk_err_t kfk__gop_start(gop_t *op);
/* Copies @p n strings into the call's arena at *out; -1: no memory or a NULL string. */
int kfk__gop_copy_strings(gop_t *op, const char *const *v, size_t n, char ***out);

/* ---- offsets (admin_offsets.c) ---- */

/* The alter call's outcome once every partition is answered: its first partition error, with
 * the cause in words (the group's active members for UNKNOWN_MEMBER_ID and the like). */
kfk_err_t kfk__gop_commit_outcome(gop_t *op);
/* ListOffsets: the pending partitions grouped by leader into @p subs (*n of them); partitions
 * the metadata rules out are settled. 0, or -1: no memory. */
int kfk__gop_plan_list_offsets(gop_t *op, sub_t *subs, size_t *n);
/* Each kind's request for sub @p s on the up broker @p b (kfk__broker_request's result). */
kfk_err_t kfk__gop_send_fetch(sub_t *s, kfk__broker_t *b);

/* ---- consumer-protocol groups (admin_cgroups.c) ---- */

/* ConsumerGroupDescribe of groups[s->group] (a group of the KIP-848 protocol). */
kfk_err_t kfk__gop_send_cg_describe(sub_t *s, kfk__broker_t *b);
/* Its answer into descs[s->group] (type "consumer"). */
void kfk__gop_handle_cg_describe(sub_t *s, const kfk__resp_t *r);
kfk_err_t kfk__gop_send_commit(sub_t *s, kfk__broker_t *b);
kfk_err_t kfk__gop_send_list_offsets(sub_t *s, kfk__broker_t *b);
/* Each kind's reading of a decoded answer: items done, or left pending with a cause. */
void kfk__gop_handle_fetch(sub_t *s, const kfk__resp_t *r);
void kfk__gop_handle_commit(sub_t *s, const kfk__resp_t *r);
void kfk__gop_handle_list_offsets(sub_t *s, const kfk__resp_t *r);

/* ---- deletes (admin_delete.c) ---- */

kfk_err_t kfk__gop_send_delete(sub_t *s, kfk__broker_t *b);
kfk_err_t kfk__gop_send_offset_delete(sub_t *s, kfk__broker_t *b);
void kfk__gop_handle_delete(sub_t *s, const kfk__resp_t *r);
void kfk__gop_handle_offset_delete(sub_t *s, const kfk__resp_t *r);
/* The call on one group (fetch, commit, offset delete) with room for @p items items; NULL with
 * *err set. */
gop_t *kfk__gop_group_op(kfk_admin_t *a, gkind_t kind, const char *group, size_t items,
                         const kfk_admin_opts_t *opts, kfk_offsets_cb cb, void *opaque,
                         kfk_err_t *err);
/* The index of the pending item for @p topic / @p partition among those of @p s (all of the
 * call's when @p s has no item list), or -1. */
long kfk__gop_find_item(const gop_t *op, const sub_t *s, kfk_str_t topic, int32_t partition);
/* One partition's answer in a per-partition reply of @p api ("OffsetCommit", ...): the index of
 * its pending item, now done with the answer's error (the caller adds the answer's values when
 * it is 0), or -1 when no item is pending for it or @p again says the error is to be retried
 * (then the call's cause names it, and the item stays pending for the next round). */
long kfk__gop_answer(gop_t *op, const sub_t *s, const char *api, kfk_str_t topic, int32_t partition,
                     int16_t code, int (*again)(kfk_err_t));
/* After a per-partition reply of @p api: items of @p s's broker still pending without a cause
 * make one ("... left partitions unanswered"). */
void kfk__gop_unanswered(gop_t *op, const sub_t *s, const char *api);
/* Copies @p n partitions into the call's items (offs); -1: no memory or a bad entry. */
int kfk__gop_copy_partitions(gop_t *op, const kfk_partition_offset_t *v, size_t n);

/* ---- configs, partitions, records, the cluster (admin_configs.c) ---- */

/* The hooks of the engine's switches for KFK__GOP_IS_CONFIGS kinds and G_DELETE_RECORDS. */
size_t kfk__cop_pending(const gop_t *op);
size_t kfk__cop_sub_cap(const gop_t *op);
void kfk__cop_plan(gop_t *op, sub_t *subs, size_t *n);
void kfk__cop_items_failed(sub_t *s, kfk_err_t err);
kfk_err_t kfk__cop_send(sub_t *s, kfk__broker_t *b);
void kfk__cop_handle(sub_t *s, const kfk__resp_t *r);
/* The call's error once every item is answered (its first item error, the cause in words). */
kfk_err_t kfk__cop_outcome(gop_t *op);
void kfk__cop_deliver(gop_t *op, kfk_err_t err, int results);

#endif
