/*
 * admin_int.h: the admin client's object, shared by admin.c (metadata, topics, the deadline
 * timer, close) and admin_groups.c (groups and offsets). One timer per admin fires at the
 * earliest deadline or retry time of either file's calls; admin.c owns it and asks
 * admin_groups.c through the kfk__admin_groups_* hooks below.
 */
#ifndef KFK_CLIENT_ADMIN_INT_H
#define KFK_CLIENT_ADMIN_INT_H

#include <stdint.h>

#include "client/core/client.h"

struct op;
struct gop;

struct kfk_admin {
    uv_loop_t *loop;
    kfk__client_t *cl;
    struct op *ops;   /* admin.c's calls */
    struct gop *gops; /* admin_groups.c's calls */
    int closing;
    kfk_admin_close_cb close_cb;
    void *close_opaque;
    void *data;         /* kfk_admin_set_data */
    uv_timer_t timer;   /* fires at the earliest deadline of the ops */
    int timer_open;     /* until its close callback */
    int client_open;    /* until the client core's close callback */
    const char *errstr; /* kfk_admin_errstr during a callback; NULL otherwise */
};

/* Points the admin's timer at the earliest deadline or retry time of all its calls. */
void kfk__admin_arm(kfk_admin_t *a);

/* The earliest deadline or retry time of the group calls (UINT64_MAX: none). */
uint64_t kfk__admin_groups_next(const kfk_admin_t *a);

/* Ends the group calls whose deadline passed and starts the retries that are due; called
 * from the admin's timer. */
void kfk__admin_groups_expire(kfk_admin_t *a);

/* Ends every group call with KFK_ERR__DESTROYED (kfk_admin_close; a->closing is set). */
void kfk__admin_groups_close(kfk_admin_t *a);

#endif
