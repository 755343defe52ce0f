/*
 * redis.h: one hiredis async connection on the caller's libuv loop, for the Redis lock
 * (src/client/lock) and whatever else needs Redis: name resolution (uv_getaddrinfo), hiredis'
 * connect, kfk's own event hooks attaching the context to the loop (the pattern of hiredis'
 * libuv adapter, with a uv_poll_t embedded here), a timer for command timeouts (Debian's
 * hiredis 0.14 has no timeout hook), and a close that calls back once the poll handle, the
 * timer and the context are gone. It is single-use, like a broker connection: once down, the
 * owner closes it and makes a new one. What goes over it (commands, AUTH, replies) is the
 * owner's: it hands commands to the context (kfk__redis_context) with hiredis' API.
 *
 * Why kfk's own hooks: Debian's hiredis 0.14.1 adapter drops a poll error, and libuv reports a
 * refused connect as one (UV_EBADF, poll stopped), so hiredis would never see it. Here an error
 * status makes hiredis read and write what it waited for, and find the socket error itself.
 */
#ifndef KFK_EV_REDIS_H
#define KFK_EV_REDIS_H

#include <stdint.h>

#include <hiredis/async.h>
#include <uv.h>

#include "kfk/protocol.h"

typedef struct kfk__redis kfk__redis_t;

/* What the connection tells its owner; each gets the owner's opaque. */
typedef struct kfk__redis_cbs {
    /* The hiredis context exists: commands may be handed to it now (hiredis sends them once
     * connected). From inside kfk__redis_connect when no name needs resolving, else from the
     * loop. */
    void (*attached)(kfk__redis_t *r, void *opaque);
    /* hiredis connected. */
    void (*connected)(kfk__redis_t *r, void *opaque);
    /* The connection failed or was closed by the server: hiredis frees (or is freeing) the
     * context, and every command handed to it gets its callback once (with a NULL reply). At
     * most once, never after kfk__redis_close. @p why lives during the call. */
    void (*down)(kfk__redis_t *r, kfk_err_t err, const char *why, void *opaque);
    /* The timer armed with kfk__redis_timer_start expired. */
    void (*timer)(kfk__redis_t *r, void *opaque);
    /* After kfk__redis_close: the poll handle and the timer are closed, the context and any
     * resolution are gone. @p r is freed when this returns. */
    void (*closed)(kfk__redis_t *r, void *opaque);
} kfk__redis_cbs_t;

/* A connection, not yet connecting: its timer is ready. KFK_ERR__NOMEM only. @p cbs is copied. */
kfk_err_t kfk__redis_new(uv_loop_t *loop, const kfk__redis_cbs_t *cbs, void *opaque,
                         kfk__redis_t **out);

/*
 * Connects to @p host:@p port (a name is resolved first; an IP address is used as is), or to the
 * unix socket @p path when not NULL. The strings are used during the call only. Returns
 * KFK_ERR_NONE, or KFK_ERR__REDIS with the cause in @p errstr for a failure found while
 * starting (then no callback follows: the owner reports it and closes @p r). Later failures
 * come through the down callback.
 */
kfk_err_t kfk__redis_connect(kfk__redis_t *r, const char *host, int port, const char *path,
                             char *errstr, size_t errstr_size);

/* The hiredis context once attached, until it is freed; else NULL. */
redisAsyncContext *kfk__redis_context(const kfk__redis_t *r);

/* Arms the timer to fire once in @p ms (re-arming replaces the previous deadline), or stops it.
 * No-ops once the connection is closing. */
void kfk__redis_timer_start(kfk__redis_t *r, uint64_t ms);
void kfk__redis_timer_stop(kfk__redis_t *r);

/*
 * Closes @p r: cancels a resolution, frees the hiredis context unless @p hiredis_freeing (the
 * caller runs inside hiredis freeing it: on a NULL reply or in the down callback), closes the
 * handles, then calls the closed callback from the loop. Commands handed to hiredis get their
 * callbacks (NULL reply) before this returns when the context is freed here. Called once.
 */
void kfk__redis_close(kfk__redis_t *r, int hiredis_freeing);

#endif
