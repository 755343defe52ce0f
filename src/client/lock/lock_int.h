/*
 * lock_int.h: what lock.c (the lease, commands and answers) and lock_conn.c (the lock's Redis
 * connections on ev/redis.c: AUTH/SELECT, command timeouts, teardown) share: the lock's structures
 * and the functions each calls in the other. See lock.c's top comment for how the pieces fit.
 * Private to those two files.
 */
#ifndef KFK_CLIENT_LOCK_INT_H
#define KFK_CLIENT_LOCK_INT_H

#include <stdint.h>

#include <hiredis/async.h>
#include <uv.h>

#include "client/lock/lock.h"
#include "ev/log.h"
#include "ev/redis.h"

#define NS_PER_MS UINT64_C(1000000)
#define TOKEN_BYTES 16
#define TOKEN_HEX (2 * TOKEN_BYTES)

enum { ST_IDLE, ST_ACQUIRING, ST_HELD, ST_LOST, ST_RELEASING };
enum { CMD_AUTH, CMD_SELECT, CMD_ACQUIRE, CMD_RENEW, CMD_RELEASE };

typedef struct conn conn_t;

/* A (key, token) that may still be in Redis after an unanswered command. */
typedef struct orphan {
    struct orphan *next;
    char token[TOKEN_HEX + 1];
    char key[];
} orphan_t;

#define MAX_ORPHANS 8

typedef struct cmd {
    struct cmd *next; /* in conn->cmds, in the order queued */
    kfk_lock_t *lk;
    conn_t *conn;
    int kind;           /* CMD_* */
    int sent;           /* handed to hiredis: its callback runs exactly once */
    int user;           /* CMD_RELEASE: the user's release (else internal, no callback) */
    uint64_t gen;       /* the acquisition it belongs to */
    uint64_t issued_ns; /* uv_hrtime when queued: no later than Redis runs it */
    uint64_t due_ns;    /* it times out at this uv_hrtime */
    const char *key;    /* in buf */
    const char *fence;  /* in buf (CMD_ACQUIRE) */
    const char *token;  /* in buf */
    char buf[];
} cmd_t;

struct conn {
    kfk__redis_t *redis; /* the socket, hiredis and the command timer; NULL once closed */
    kfk_lock_t *lk;
    int ready; /* AUTH and SELECT answered: queued commands may go out */
    int handshake_left;
    int down;
    kfk_err_t fail_err; /* a failure found while starting, reported from the command timer */
    char fail_msg[160];
    cmd_t *cmds;
};

struct kfk_lock {
    uv_loop_t *loop;
    kfk__logger_t log;
    char *name; /* client.id for log lines */
    /* options */
    char *addr; /* as given, for log lines */
    char *host;
    int port;
    char *path; /* unix socket */
    char *username;
    char *password;
    char db_str[16]; /* "" when no SELECT */
    int64_t ttl_ms, renew_ms, timeout_ms, margin_ms;
    char ttl_str[24];
    /* connection */
    conn_t *conn;
    char last_err[200];
    char cause[320]; /* the last failure in words (kfk_lock_last_error) */
    /* the lease */
    int state;
    uint64_t gen;
    char *key;
    char token[TOKEN_HEX + 1];
    int64_t fence;
    uint64_t deadline_ns;
    uint64_t last_tick_ns;
    int renewing, renew_blocked, release_was_lost;
    orphan_t *orphans; /* tokens that may still be in Redis: deleted before the next lease */
    int orphan_cnt;
    kfk_lock_acquire_cb acquire_cb;
    kfk_lock_release_cb release_cb;
    void *op_opaque;
    kfk_lock_lost_cb lost_cb;
    void *lost_opaque;
    /* handles and shutdown */
    uv_timer_t renew_timer;
    uv_timer_t lease_timer;
    int handles; /* timers open + connections not freed */
    int cmds;    /* commands issued and not completed */
    int closing;
    int finishing;
    kfk_lock_close_cb close_cb;
    void *close_opaque;
    void *data; /* kfk_lock_set_data */
    kfk__lock_stats_t stats;
};

static inline uint64_t ms_ceil(uint64_t ns) {
    return (ns + NS_PER_MS - 1) / NS_PER_MS;
}

/* lock.c */
/* Frees the strings and orphans of @p lk (not @p lk itself). */
void kfk__lock_free_strings(kfk_lock_t *lk);
/* Logs a connection failure: a warning when it failed commands, repeats at debug level. */
void kfk__lock_log_conn_error(kfk_lock_t *lk, kfk_err_t err, const char *msg, int failed_cmds);
/* A command for @p key / @p token (either may be NULL), not yet queued. */
cmd_t *kfk__lock_cmd_new(kfk_lock_t *lk, int kind, const char *key, const char *token);
/* Hands @p c to hiredis on @p conn; 0 or -1. */
int kfk__lock_send_cmd(conn_t *conn, cmd_t *c);
/* Sends the commands queued on a connection that just became ready. */
void kfk__lock_conn_flush(conn_t *conn);
/* Completes @p c with Redis' reply @p r or the error @p err (exactly once per command). */
void kfk__lock_cmd_finish(cmd_t *c, const redisReply *r, kfk_err_t err);
/* The renew timer's callback: a renew tick. */
void kfk__lock_on_renew_timer(uv_timer_t *t);

/* lock_conn.c */
/* Frees @p lk once it is closing and its last handle is gone (after the close callback). */
void kfk__lock_maybe_free(kfk_lock_t *lk);
/* Takes @p conn out of service: queued commands fail now with @p err, sent ones when hiredis
 * frees the context; @p hiredis_freeing when hiredis is freeing it already. */
void kfk__lock_conn_down(conn_t *conn, kfk_err_t err, const char *why, int hiredis_freeing);
/* The current connection, started (resolve, connect, AUTH, SELECT) when there is none; NULL
 * when out of memory. */
conn_t *kfk__lock_ensure_conn(kfk_lock_t *lk);
/* Arms the current connection's command timer for its earliest deadline (at once for a
 * connection that failed to start). */
void kfk__lock_arm_cmd_timer(kfk_lock_t *lk);

#endif
