/*
 * lock_conn.c: the Redis lock's connections: hiredis async contexts attached to the caller's
 * loop by kfk's own event hooks, name resolution, the AUTH/SELECT handshake, teardown, and
 * command timeouts on kfk's timer (Debian's hiredis 0.14 has no timeout hook). The lease and
 * the commands themselves are lock.c's.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <uv.h>

#include "client/lock/lock_int.h"
#include "protocol/mem.h"

/* ---- connections --------------------------------------------------------------------------- */

void kfk__lock_maybe_free(kfk_lock_t *lk) {
    if (!lk->finishing || lk->handles > 0)
        return;
    kfk_lock_close_cb cb = lk->close_cb;
    void *opaque = lk->close_opaque;
    if (cb)
        cb(lk, opaque); /* memory stays valid until the callback returns */
    kfk__lock_free_strings(lk);
    kfk__free(lk);
}

static void conn_maybe_free(conn_t *conn) {
    if (!conn->down || conn->ac || conn->poll_open || conn->resolving)
        return;
    kfk_lock_t *lk = conn->lk;
    kfk__free(conn);
    lk->handles--;
    kfk__lock_maybe_free(lk);
}

static void on_poll_closed(uv_handle_t *h) {
    conn_t *conn = h->data;
    conn->poll_open = 0;
    conn_maybe_free(conn);
}

/* kfk's event hooks for hiredis (the pattern of hiredis' libuv adapter, with the poll handle
 * embedded in conn): Debian's hiredis 0.14.1 adapter drops a poll error, and libuv reports a
 * refused connect as one (UV_EBADF, poll stopped), so hiredis would never see it. Here an error
 * status makes hiredis read and write what it waited for, and find the socket error itself. */
static void on_poll(uv_poll_t *h, int status, int events) {
    conn_t *conn = h->data;
    if (status < 0)
        events = conn->events;
    if (conn->ac && (events & UV_READABLE))
        redisAsyncHandleRead(conn->ac);
    if (conn->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(conn->ac);
}

static void ev_update(conn_t *conn, int add, int del) {
    conn->events = (conn->events | add) & ~del;
    if (conn->events)
        uv_poll_start(&conn->poll, conn->events, on_poll);
    else
        uv_poll_stop(&conn->poll);
}

static void ev_add_read(void *p) {
    ev_update(p, UV_READABLE, 0);
}

static void ev_del_read(void *p) {
    ev_update(p, 0, UV_READABLE);
}

static void ev_add_write(void *p) {
    ev_update(p, UV_WRITABLE, 0);
}

static void ev_del_write(void *p) {
    ev_update(p, 0, UV_WRITABLE);
}

/* The cleanup hook: hiredis is freeing the context (every sent command has had its callback). */
static void ev_cleanup(void *p) {
    if (!p)
        return; /* the poll handle was never set up */
    conn_t *conn = p;
    char why[160];
    snprintf(why, sizeof why, "%s",
             conn->ac && conn->ac->c.err ? conn->ac->c.errstr : "connection closed");
    conn->ac = NULL;
    uv_close((uv_handle_t *)&conn->poll, on_poll_closed);
    kfk__lock_conn_down(conn, KFK_ERR__REDIS, why, 1);
}

static void on_redis_connect(const redisAsyncContext *ac, int status) {
    conn_t *conn = ac->data;
    if (status == REDIS_OK) {
        kfk__dbg(&conn->lk->log, KFK_DBG_LOCK, "redis %s: connected", conn->lk->addr);
        conn->lk->last_err[0] = '\0';
        return;
    }
    /* hiredis frees the context right after this. */
    kfk__lock_conn_down(conn, KFK_ERR__REDIS, ac->c.errstr[0] ? ac->c.errstr : "connect failed", 1);
}

/* Takes the connection out of service: queued commands fail now, sent ones when hiredis frees
 * the context (at once, or when the hiredis callback running now returns). */
void kfk__lock_conn_down(conn_t *conn, kfk_err_t err, const char *why, int hiredis_freeing) {
    if (conn->down)
        return;
    kfk_lock_t *lk = conn->lk;
    conn->down = 1;
    if (!conn->fail_err)
        conn->fail_err = err;
    if (lk->conn == conn)
        lk->conn = NULL;
    kfk__lock_log_conn_error(lk, err, why, conn->cmds != NULL);
    kfk__lock_arm_cmd_timer(lk);
    for (;;) {
        cmd_t *c = conn->cmds;
        while (c && c->sent)
            c = c->next;
        if (!c)
            break;
        kfk__lock_cmd_finish(c, NULL, conn->fail_err);
    }
    if (conn->resolving)
        uv_cancel((uv_req_t *)&conn->gai);
    /* Held and the connection dropped (Redis killed or restarted): renew now, on a new
     * connection, rather than at the next tick. A refused connection or a "not owner" answer
     * (a restart without persistence) ends the lease at once instead of up to
     * renew_interval_ms later, while the holder keeps committing. From the loop, never inside
     * hiredis; decided before conn_maybe_free, which may free a closing lock. */
    int renew_now = lk->state == ST_HELD && !lk->closing && !lk->finishing && !lk->renewing &&
                    err != KFK_ERR__DESTROYED;
    if (conn->ac && !hiredis_freeing)
        redisAsyncFree(conn->ac);
    conn_maybe_free(conn);
    if (renew_now)
        uv_timer_start(&lk->renew_timer, kfk__lock_on_renew_timer, 0, (uint64_t)lk->renew_ms);
}

/* Starts hiredis' connection to @p ip (NULL: the unix socket) with kfk's attach. Failures are
 * left in conn->fail_err for the command timer. */
static void conn_connect(conn_t *conn, const char *ip) {
    kfk_lock_t *lk = conn->lk;
    redisAsyncContext *ac =
        lk->path ? redisAsyncConnectUnix(lk->path) : redisAsyncConnect(ip, lk->port);
    if (!ac || ac->err) {
        conn->fail_err = KFK_ERR__REDIS;
        snprintf(conn->fail_msg, sizeof conn->fail_msg, "%s",
                 ac ? ac->errstr : "cannot allocate a connection");
        if (ac)
            redisAsyncFree(ac);
        return;
    }
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    if (uv_poll_init(lk->loop, &conn->poll, ac->c.fd) != 0) {
        conn->fail_err = KFK_ERR__REDIS;
        snprintf(conn->fail_msg, sizeof conn->fail_msg, "cannot watch the socket");
        redisAsyncFree(ac); /* cleanup(NULL): nothing to close */
        return;
    }
    conn->poll.data = conn;
    conn->poll_open = 1;
    ac->ev.data = conn;
    ac->data = conn;
    conn->ac = ac;
    redisAsyncSetConnectCallback(ac, on_redis_connect);
    /* AUTH and SELECT go first; the rest waits for their answers. */
    int kinds[2], n = 0;
    if (lk->password)
        kinds[n++] = CMD_AUTH;
    if (lk->db_str[0])
        kinds[n++] = CMD_SELECT;
    for (int i = 0; i < n; i++) {
        cmd_t *c = kfk__lock_cmd_new(lk, kinds[i], NULL, NULL);
        if (!c || kfk__lock_send_cmd(conn, c) != 0) {
            kfk__free(c);
            conn->fail_err = KFK_ERR__NOMEM;
            snprintf(conn->fail_msg, sizeof conn->fail_msg, "cannot queue AUTH/SELECT");
            return;
        }
        lk->cmds++;
        c->conn = conn;
        c->next = conn->cmds; /* first in the list: sent before anything queued */
        conn->cmds = c;
        conn->handshake_left++;
    }
    if (!conn->handshake_left) {
        conn->ready = 1;
        kfk__lock_conn_flush(conn);
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
    conn_t *conn = req->data;
    conn->resolving = 0;
    if (conn->down) {
        uv_freeaddrinfo(res);
        conn_maybe_free(conn);
        return;
    }
    char ip[INET6_ADDRSTRLEN] = "";
    if (status == 0 && res && uv_ip_name(res->ai_addr, ip, sizeof ip) != 0)
        ip[0] = '\0';
    uv_freeaddrinfo(res);
    if (!ip[0]) {
        conn->fail_err = KFK_ERR__REDIS;
        snprintf(conn->fail_msg, sizeof conn->fail_msg, "cannot resolve %s: %s", conn->lk->host,
                 status ? uv_strerror(status) : "no address");
    } else {
        conn_connect(conn, ip);
    }
    if (conn->fail_err)
        kfk__lock_conn_down(conn, conn->fail_err, conn->fail_msg, 0);
}

conn_t *kfk__lock_ensure_conn(kfk_lock_t *lk) {
    if (lk->conn)
        return lk->conn;
    conn_t *conn = kfk__calloc(1, sizeof *conn);
    if (!conn)
        return NULL;
    conn->lk = lk;
    lk->conn = conn;
    lk->handles++;
    lk->stats.connects++;
    kfk__dbg(&lk->log, KFK_DBG_LOCK, "redis %s: connecting", lk->addr);
    unsigned char buf[sizeof(struct in6_addr)];
    if (lk->path || inet_pton(AF_INET, lk->host, buf) == 1 ||
        inet_pton(AF_INET6, lk->host, buf) == 1) {
        conn_connect(conn, lk->host);
    } else {
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        conn->gai.data = conn;
        int rc = uv_getaddrinfo(lk->loop, &conn->gai, on_resolved, lk->host, NULL, &hints);
        if (rc) {
            conn->fail_err = KFK_ERR__REDIS;
            snprintf(conn->fail_msg, sizeof conn->fail_msg, "cannot resolve %s: %s", lk->host,
                     uv_strerror(rc));
        } else {
            conn->resolving = 1;
        }
    }
    return conn;
}

/* ---- command timeouts ---------------------------------------------------------------------- */

static void on_cmd_timer(uv_timer_t *t) {
    kfk_lock_t *lk = t->data;
    conn_t *conn = lk->conn;
    if (!conn)
        return;
    if (conn->fail_err) {
        kfk__lock_conn_down(conn, conn->fail_err, conn->fail_msg, 0);
        return;
    }
    uint64_t now = uv_hrtime();
    for (cmd_t *c = conn->cmds; c; c = c->next)
        if (c->due_ns <= now) {
            char why[120];
            snprintf(why, sizeof why, "no answer within %" PRId64 " ms", lk->timeout_ms);
            lk->stats.timeouts++;
            conn->fail_err = KFK_ERR__TIMED_OUT;
            kfk__lock_conn_down(conn, KFK_ERR__TIMED_OUT, why, 0);
            return;
        }
    kfk__lock_arm_cmd_timer(lk);
}

/* Arms the command timer for the earliest deadline on the current connection (at once for a
 * connection that failed to start). */
void kfk__lock_arm_cmd_timer(kfk_lock_t *lk) {
    if (lk->finishing)
        return;
    conn_t *conn = lk->conn;
    uint64_t due = 0;
    if (conn && conn->fail_err)
        due = 1;
    else if (conn)
        for (cmd_t *c = conn->cmds; c; c = c->next)
            if (!due || c->due_ns < due)
                due = c->due_ns;
    if (!due) {
        uv_timer_stop(&lk->cmd_timer);
        return;
    }
    uint64_t now = uv_hrtime();
    uv_timer_start(&lk->cmd_timer, on_cmd_timer, due > now ? ms_ceil(due - now) : 0, 0);
}
