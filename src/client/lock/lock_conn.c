/*
 * lock_conn.c: the Redis lock's connections: each a single-use ev/redis.c connection (name
 * resolution, hiredis attached to the caller's loop, a command timer), with the lock's part on
 * top: the AUTH/SELECT handshake, teardown of the commands queued on it, and command timeouts
 * on the connection's timer (Debian's hiredis 0.14 has no timeout hook). The lease and the
 * commands themselves are lock.c's.
 */
#include <inttypes.h>
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
    if (!conn->down || conn->redis)
        return;
    kfk_lock_t *lk = conn->lk;
    kfk__free(conn);
    lk->handles--;
    kfk__lock_maybe_free(lk);
}

/* ev/redis.c: its handles are closed and hiredis' context is gone. */
static void on_redis_closed(kfk__redis_t *r, void *opaque) {
    (void)r;
    conn_t *conn = opaque;
    conn->redis = NULL;
    conn_maybe_free(conn);
}

/* ev/redis.c: hiredis frees (or is freeing) the context. */
static void on_redis_down(kfk__redis_t *r, kfk_err_t err, const char *why, void *opaque) {
    (void)r;
    kfk__lock_conn_down(opaque, err, why, 1);
}

static void on_redis_connected(kfk__redis_t *r, void *opaque) {
    (void)r;
    conn_t *conn = opaque;
    kfk__dbg(&conn->lk->log, KFK_DBG_LOCK, "redis %s: connected", conn->lk->addr);
    conn->lk->last_err[0] = '\0';
}

/* ev/redis.c: the context is attached. AUTH and SELECT go first; the rest waits for their
 * answers. A failure is left in conn->fail_err for the command timer. */
static void on_redis_attached(kfk__redis_t *r, void *opaque) {
    (void)r;
    conn_t *conn = opaque;
    kfk_lock_t *lk = conn->lk;
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
            kfk__lock_arm_cmd_timer(lk);
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

static void on_cmd_timer(kfk__redis_t *r, void *opaque);

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
    /* Held and the connection dropped (Redis killed or restarted): renew now, on a new
     * connection, rather than at the next tick. A refused connection or a "not owner" answer
     * (a restart without persistence) ends the lease at once instead of up to
     * renew_interval_ms later, while the holder keeps committing. From the loop, never inside
     * hiredis; decided before conn_maybe_free, which may free a closing lock. */
    int renew_now = lk->state == ST_HELD && !lk->closing && !lk->finishing && !lk->renewing &&
                    err != KFK_ERR__DESTROYED;
    if (conn->redis)
        kfk__redis_close(conn->redis, hiredis_freeing); /* fails the sent commands */
    conn_maybe_free(conn);
    if (renew_now)
        uv_timer_start(&lk->renew_timer, kfk__lock_on_renew_timer, 0, (uint64_t)lk->renew_ms);
}

conn_t *kfk__lock_ensure_conn(kfk_lock_t *lk) {
    if (lk->conn)
        return lk->conn;
    conn_t *conn = kfk__calloc(1, sizeof *conn);
    if (!conn)
        return NULL;
    static const kfk__redis_cbs_t cbs = {on_redis_attached, on_redis_connected, on_redis_down,
                                         on_cmd_timer, on_redis_closed};
    if (kfk__redis_new(lk->loop, &cbs, conn, &conn->redis) != KFK_ERR_NONE) {
        kfk__free(conn);
        return NULL;
    }
    conn->lk = lk;
    lk->conn = conn;
    lk->handles++;
    lk->stats.connects++;
    kfk__dbg(&lk->log, KFK_DBG_LOCK, "redis %s: connecting", lk->addr);
    kfk_err_t err = kfk__redis_connect(conn->redis, lk->host, lk->port, lk->path, conn->fail_msg,
                                       sizeof conn->fail_msg);
    if (err)
        conn->fail_err = err; /* reported from the command timer */
    return conn;
}

/* ---- command timeouts ---------------------------------------------------------------------- */

static void on_cmd_timer(kfk__redis_t *r, void *opaque) {
    (void)r;
    conn_t *conn = opaque;
    kfk_lock_t *lk = conn->lk;
    if (conn != lk->conn)
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

/* Arms the current connection's command timer for its earliest deadline (at once for a
 * connection that failed to start). */
void kfk__lock_arm_cmd_timer(kfk_lock_t *lk) {
    conn_t *conn = lk->conn;
    if (lk->finishing || !conn || !conn->redis)
        return; /* a connection taken out of service closes its timer */
    uint64_t due = 0;
    if (conn->fail_err)
        due = 1;
    else
        for (cmd_t *c = conn->cmds; c; c = c->next)
            if (!due || c->due_ns < due)
                due = c->due_ns;
    if (!due) {
        kfk__redis_timer_stop(conn->redis);
        return;
    }
    uint64_t now = uv_hrtime();
    kfk__redis_timer_start(conn->redis, due > now ? ms_ceil(due - now) : 0);
}
