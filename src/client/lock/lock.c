/*
 * lock.c: the Redis lock (kfk_lock_t, see kfk/kfk.h): a lease on one key of one Redis server,
 * with fencing numbers, on the caller's loop through hiredis' async API.
 *
 * The lease lives in two places: the key in Redis (SET NX PX, extended by a compare-token
 * PEXPIRE) and a local deadline on the monotonic clock (uv_hrtime), ttl - margin after the
 * *sending* of the command that set or extended the key: Redis ran it later, so its expiry comes
 * at least `margin` after our deadline. Whatever ends a lease (a refused, failed or timed-out
 * renewal; the deadline, checked on every timer tick, in kfk_lock_is_held and by a timer armed
 * at it) moves the lock to LOST for good: no renewal is sent past the deadline, and a late
 * successful answer does not revive the lease.
 *
 * Connections (conn_t, in lock_conn.c) are single-use ev/redis.c connections: a hiredis async
 * context attached to the loop by kfk's own event hooks, with a command timer (their close is
 * counted before the lock is freed).
 * Commands (cmd_t) queue on the current connection and go out once AUTH and SELECT answered (a
 * refused SELECT never lets a command run on the wrong database). hiredis calls each sent
 * command's callback exactly once (NULL on disconnect); conn_down fails the unsent ones. A
 * command unanswered after command_timeout_ms (kfk's uv_timer_t: Debian's hiredis 0.14 has no
 * timeout hook) tears the connection down with all its commands; the next command reconnects.
 * Scripts go as EVAL, not EVALSHA: a NOSCRIPT fallback re-sends a command behind those pipelined
 * after it, and order matters (stale tokens are deleted before an acquire, on one connection).
 *
 * hiredis re-entrancy: redisAsyncFree is never called while hiredis frees the context itself
 * (conn->down is set first on every such path), and the lock is freed only from a uv close
 * callback, never inside a hiredis call.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <openssl/rand.h>
#include <uv.h>

#include "client/core/conf.h"
#include "client/core/opts.h"
#include "client/lock/lock_int.h"
#include "ev/log.h"
#include "protocol/mem.h"

/* The scripts of CMD_ACQUIRE, CMD_RENEW and CMD_RELEASE. KEYS[1] the lock key, KEYS[2] its
 * fence counter; ARGV[1] the token, ARGV[2] the TTL (ms). */
static const char *const scripts[3] = {
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then "
    "return redis.call('INCR', KEYS[2]) end return false",
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) end return 0",
};

static void maybe_finish_close(kfk_lock_t *lk);
static kfk_err_t issue(kfk_lock_t *lk, cmd_t *c);
static void release_orphans(kfk_lock_t *lk);

/* ---- small helpers ------------------------------------------------------------------------- */

void kfk__lock_free_strings(kfk_lock_t *lk) {
    kfk__free(lk->name);
    kfk__free(lk->addr);
    kfk__free(lk->host);
    kfk__free(lk->path);
    kfk__free(lk->username);
    if (lk->password) {
        memset(lk->password, 0, strlen(lk->password));
        kfk__free(lk->password);
    }
    kfk__free(lk->key);
    while (lk->orphans) {
        orphan_t *o = lk->orphans;
        lk->orphans = o->next;
        kfk__free(o);
    }
}

/* Logs a connection failure: a warning when it failed commands (an idle connection closed by
 * the server is only news), the same message again only at debug level. */
void kfk__lock_log_conn_error(kfk_lock_t *lk, kfk_err_t err, const char *msg, int failed_cmds) {
    if (err == KFK_ERR__DESTROYED)
        return;
    int repeat = !strcmp(lk->last_err, msg);
    kfk__log(&lk->log,
             repeat        ? KFK_LOG_DEBUG
             : failed_cmds ? KFK_LOG_WARNING
                           : KFK_LOG_INFO,
             KFK_DBG_LOCK, "redis %s: %s (%s)%s", lk->addr, msg, kfk_err_name(err),
             repeat ? " (again)" : "");
    snprintf(lk->last_err, sizeof lk->last_err, "%s", msg);
    snprintf(lk->cause, sizeof lk->cause, "redis %s: %s", lk->addr, msg);
}

static void to_hex(const unsigned char *in, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- commands ------------------------------------------------------------------------------ */

/* A command for @p key / @p token (either may be NULL), not yet queued. */
cmd_t *kfk__lock_cmd_new(kfk_lock_t *lk, int kind, const char *key, const char *token) {
    size_t kl = key ? strlen(key) : 0, tl = token ? strlen(token) : 0;
    size_t fl = kind == CMD_ACQUIRE ? kl + sizeof ":fence" : 0;
    if (kl > (SIZE_MAX - sizeof(cmd_t)) / 4)
        return NULL;
    cmd_t *c = kfk__calloc(1, sizeof *c + kl + 1 + fl + tl + 1);
    if (!c)
        return NULL;
    char *p = c->buf;
    c->key = p;
    if (key)
        memcpy(p, key, kl);
    p += kl + 1;
    if (kind == CMD_ACQUIRE) {
        c->fence = p;
        memcpy(p, key, kl);
        memcpy(p + kl, ":fence", sizeof ":fence");
        p += fl;
    }
    c->token = p;
    if (token)
        memcpy(p, token, tl);
    c->lk = lk;
    c->kind = kind;
    c->gen = lk->gen;
    c->issued_ns = uv_hrtime();
    c->due_ns = c->issued_ns + (uint64_t)lk->timeout_ms * NS_PER_MS;
    return c;
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);

/* Hands @p c to hiredis; -1 when hiredis refuses (out of memory). */
int kfk__lock_send_cmd(conn_t *conn, cmd_t *c) {
    kfk_lock_t *lk = conn->lk;
    const char *v[8];
    size_t len[8];
    int n = 0;
    switch (c->kind) {
    case CMD_AUTH:
        v[n++] = "AUTH";
        if (lk->username)
            v[n++] = lk->username;
        v[n++] = lk->password;
        break;
    case CMD_SELECT:
        v[n++] = "SELECT";
        v[n++] = lk->db_str;
        break;
    default:
        v[n++] = "EVAL";
        v[n++] = scripts[c->kind - CMD_ACQUIRE];
        v[n++] = c->kind == CMD_ACQUIRE ? "2" : "1";
        v[n++] = c->key;
        if (c->kind == CMD_ACQUIRE)
            v[n++] = c->fence;
        v[n++] = c->token;
        if (c->kind != CMD_RELEASE)
            v[n++] = lk->ttl_str;
        break;
    }
    for (int i = 0; i < n; i++)
        len[i] = strlen(v[i]);
    static const char *const names[] = {"AUTH", "SELECT", "acquire", "renew", "release"};
    kfk__dbg(&lk->log, KFK_DBG_LOCK, "redis %s: %s %s %.8s", lk->addr, names[c->kind], c->key,
             c->token);
    if (redisAsyncCommandArgv(kfk__redis_context(conn->redis), on_reply, c, n, v, len) != REDIS_OK)
        return -1;
    c->sent = 1;
    return 0;
}

static void conn_append(conn_t *conn, cmd_t *c) {
    cmd_t **pp = &conn->cmds;
    while (*pp)
        pp = &(*pp)->next;
    c->next = NULL;
    *pp = c;
    c->conn = conn;
}

static void conn_unlink(conn_t *conn, cmd_t *c) {
    for (cmd_t **pp = &conn->cmds; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            c->next = NULL;
            return;
        }
}

/* Sends the queued commands once the connection is ready. */
void kfk__lock_conn_flush(conn_t *conn) {
    if (!conn->ready || conn->down || conn->fail_err)
        return;
    for (cmd_t *c = conn->cmds; c; c = c->next) {
        if (c->sent)
            continue;
        if (kfk__lock_send_cmd(conn, c) != 0) {
            conn->fail_err = KFK_ERR__REDIS;
            snprintf(conn->fail_msg, sizeof conn->fail_msg, "cannot queue a command");
            kfk__lock_arm_cmd_timer(conn->lk);
            return;
        }
    }
}

/* ---- the lease ----------------------------------------------------------------------------- */

static void on_lease_timer(uv_timer_t *t);

/* Arms the lease timer for the deadline (it may fire early on the loop's cached clock: the
 * callback checks uv_hrtime and re-arms). */
static void arm_lease_timer(kfk_lock_t *lk) {
    if (lk->finishing)
        return;
    uint64_t now = uv_hrtime();
    uint64_t ms = lk->deadline_ns > now ? ms_ceil(lk->deadline_ns - now) : 0;
    uv_timer_start(&lk->lease_timer, on_lease_timer, ms, 0);
}

static void stop_lease_timers(kfk_lock_t *lk) {
    uv_timer_stop(&lk->renew_timer);
    uv_timer_stop(&lk->lease_timer);
}

/* The lease is over: LOST from now on, and the user hears of it (from a loop callback). */
static void lose(kfk_lock_t *lk, kfk_err_t reason, const char *why) {
    lk->state = ST_LOST;
    lk->stats.lost++;
    stop_lease_timers(lk);
    kfk__log(&lk->log, KFK_LOG_WARNING, KFK_DBG_LOCK, "lock %s (fence %" PRId64 ") lost: %s",
             lk->key, lk->fence, why);
    snprintf(lk->cause, sizeof lk->cause, "lock %s (fence %" PRId64 ") lost: %s", lk->key,
             lk->fence, why);
    if (lk->lost_cb && !lk->closing)
        lk->lost_cb(lk, reason, lk->lost_opaque);
}

/* One renew tick: the deadline first (a blocked loop may have let it pass), then a renewal. */
static void renew_tick(kfk_lock_t *lk, int forced) {
    if (lk->state != ST_HELD || lk->closing)
        return;
    uint64_t now = uv_hrtime();
    if (now >= lk->deadline_ns) {
        char why[160];
        snprintf(why, sizeof why,
                 "the lease deadline passed %" PRIu64 " ms ago before a renewal (the loop was "
                 "blocked for %" PRIu64 " ms)",
                 (now - lk->deadline_ns) / NS_PER_MS, (now - lk->last_tick_ns) / NS_PER_MS);
        lose(lk, KFK_ERR__TIMED_OUT, why);
        return;
    }
    uint64_t period = (uint64_t)lk->renew_ms * NS_PER_MS;
    if (!forced && now - lk->last_tick_ns > period + period / 2) {
        lk->stats.late_ticks++;
        kfk__log(&lk->log, KFK_LOG_WARNING, KFK_DBG_LOCK,
                 "lock %s: renewal %" PRIu64 " ms late (the loop was blocked); %" PRIu64
                 " ms of lease left",
                 lk->key, (now - lk->last_tick_ns - period) / NS_PER_MS,
                 (lk->deadline_ns - now) / NS_PER_MS);
    }
    lk->last_tick_ns = now;
    if ((lk->renew_blocked && !forced) || lk->renewing)
        return;
    cmd_t *c = kfk__lock_cmd_new(lk, CMD_RENEW, lk->key, lk->token);
    if (!c || issue(lk, c) != KFK_ERR_NONE) {
        kfk__free(c);
        lose(lk, KFK_ERR__NOMEM, "out of memory for a renewal");
        return;
    }
    lk->renewing = 1;
    lk->stats.renews_sent++;
}

void kfk__lock_on_renew_timer(uv_timer_t *t) {
    renew_tick(t->data, 0);
}

static void on_lease_timer(uv_timer_t *t) {
    kfk_lock_t *lk = t->data;
    if (lk->state != ST_HELD || lk->closing)
        return;
    uint64_t now = uv_hrtime();
    if (now < lk->deadline_ns) {
        arm_lease_timer(lk);
        return;
    }
    lose(lk, KFK_ERR__TIMED_OUT, "the lease deadline passed with no renewal answered");
}

/* Remembers (key, token) as possibly still in Redis (at most MAX_ORPHANS, newest first). */
static void orphan_add(kfk_lock_t *lk, const char *key, const char *token) {
    size_t kl = strlen(key);
    orphan_t *o = kfk__malloc(sizeof *o + kl + 1);
    if (!o)
        return; /* best effort: the key expires by itself */
    memcpy(o->key, key, kl + 1);
    memcpy(o->token, token, sizeof o->token);
    o->next = lk->orphans;
    lk->orphans = o;
    if (++lk->orphan_cnt > MAX_ORPHANS) {
        orphan_t **pp = &lk->orphans;
        while ((*pp)->next)
            pp = &(*pp)->next;
        kfk__free(*pp);
        *pp = NULL;
        lk->orphan_cnt--;
    }
}

/* Forgets the current token, keeping it as an orphan when it may still be in Redis. */
static void drop_token(kfk_lock_t *lk, int may_be_in_redis) {
    if (may_be_in_redis && lk->key)
        orphan_add(lk, lk->key, lk->token);
    kfk__free(lk->key);
    lk->key = NULL;
    lk->token[0] = '\0';
}

/* Sends a release of (key, token) nobody waits for; best effort. */
static void release_internal(kfk_lock_t *lk, const char *key, const char *token) {
    cmd_t *c = kfk__lock_cmd_new(lk, CMD_RELEASE, key, token);
    if (c && issue(lk, c) != KFK_ERR_NONE)
        kfk__free(c);
}

/* Queues a compare-token delete for every orphan. */
static void release_orphans(kfk_lock_t *lk) {
    orphan_t *o = lk->orphans;
    lk->orphans = NULL;
    lk->orphan_cnt = 0;
    while (o) {
        orphan_t *next = o->next;
        release_internal(lk, o->key, o->token);
        kfk__free(o);
        o = next;
    }
}

/* ---- answers ------------------------------------------------------------------------------- */

static void on_acquire_done(kfk_lock_t *lk, cmd_t *c, const redisReply *r, kfk_err_t err) {
    if (c->gen != lk->gen || lk->state != ST_ACQUIRING)
        return;
    kfk_lock_acquire_cb cb = lk->acquire_cb;
    void *opaque = lk->op_opaque;
    lk->acquire_cb = NULL;
    int64_t fence = 0;
    kfk_err_t res;
    uint64_t deadline = c->issued_ns + (uint64_t)(lk->ttl_ms - lk->margin_ms) * NS_PER_MS;
    if (lk->closing) {
        /* Whatever happened in Redis, the key must not stay ours. */
        if (err || r->type != REDIS_REPLY_NIL)
            release_internal(lk, lk->key, lk->token);
        drop_token(lk, 0);
        res = KFK_ERR__DESTROYED;
    } else if (err) {
        res = err;
        drop_token(lk, 1); /* the grant may have happened */
    } else if (r->type == REDIS_REPLY_INTEGER) {
        if (uv_hrtime() >= deadline) {
            res = KFK_ERR__TIMED_OUT;
            uint64_t late_ms = (uv_hrtime() - c->issued_ns) / NS_PER_MS;
            kfk__log(&lk->log, KFK_LOG_WARNING, KFK_DBG_LOCK,
                     "lock %s: granted after its own deadline (%" PRIu64 " ms after sending): "
                     "released",
                     lk->key, late_ms);
            snprintf(lk->cause, sizeof lk->cause,
                     "redis %s: granted after its own deadline (%" PRIu64 " ms after sending)",
                     lk->addr, late_ms);
            release_internal(lk, lk->key, lk->token);
            drop_token(lk, 0);
        } else {
            res = KFK_ERR_NONE;
            fence = r->integer;
            lk->fence = fence;
            lk->deadline_ns = deadline;
            lk->last_tick_ns = c->issued_ns;
            lk->state = ST_HELD;
            lk->renewing = 0;
            lk->stats.acquired++;
            uv_timer_start(&lk->renew_timer, kfk__lock_on_renew_timer, (uint64_t)lk->renew_ms,
                           (uint64_t)lk->renew_ms);
            arm_lease_timer(lk);
            kfk__dbg(&lk->log, KFK_DBG_LOCK, "lock %s acquired, fence %" PRId64, lk->key, fence);
        }
    } else if (r->type == REDIS_REPLY_NIL) {
        res = KFK_ERR__LOCK_HELD;
        lk->stats.held_elsewhere++;
        drop_token(lk, 0);
    } else {
        res = KFK_ERR__REDIS;
        const char *what = r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected answer";
        kfk__log(&lk->log, KFK_LOG_WARNING, KFK_DBG_LOCK, "lock %s: acquire failed: %s", lk->key,
                 what);
        snprintf(lk->cause, sizeof lk->cause, "redis %s: acquire refused: %s", lk->addr, what);
        drop_token(lk, 1); /* a script error after SET leaves the key set */
    }
    if (lk->state == ST_ACQUIRING)
        lk->state = ST_IDLE;
    cb(lk, res, fence, opaque);
}

static void on_renew_done(kfk_lock_t *lk, cmd_t *c, const redisReply *r, kfk_err_t err) {
    if (c->gen != lk->gen)
        return;
    lk->renewing = 0;
    if (lk->state != ST_HELD || lk->closing)
        return;
    uint64_t now = uv_hrtime();
    char why[200];
    if (now >= lk->deadline_ns) {
        lose(lk, KFK_ERR__TIMED_OUT, "the lease deadline passed before a renewal was answered");
    } else if (err) {
        snprintf(why, sizeof why, "renewal failed: %s", kfk_err_str(err));
        lose(lk, err, why);
    } else if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
        uint64_t d = c->issued_ns + (uint64_t)(lk->ttl_ms - lk->margin_ms) * NS_PER_MS;
        if (d > lk->deadline_ns)
            lk->deadline_ns = d;
        lk->stats.renews_ok++;
        arm_lease_timer(lk);
    } else if (r->type == REDIS_REPLY_INTEGER) {
        lose(lk, KFK_ERR__LOCK_LOST,
             "renewal refused: not owner (the key expired or another owner holds it)");
    } else {
        snprintf(why, sizeof why, "renewal failed: %s",
                 r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected answer");
        lose(lk, KFK_ERR__REDIS, why);
    }
}

static void on_release_done(kfk_lock_t *lk, cmd_t *c, const redisReply *r, kfk_err_t err) {
    if (!c->user) {
        if (!err && r->type == REDIS_REPLY_INTEGER && r->integer == 1)
            kfk__dbg(&lk->log, KFK_DBG_LOCK, "lock %s: stale token released", c->key);
        else if ((err || r->type != REDIS_REPLY_INTEGER) && !lk->closing)
            orphan_add(lk, c->key, c->token); /* unknown: try again before the next lease */
        return;
    }
    if (c->gen != lk->gen || lk->state != ST_RELEASING)
        return;
    kfk_lock_release_cb cb = lk->release_cb;
    void *opaque = lk->op_opaque;
    lk->release_cb = NULL;
    kfk_err_t res;
    int unknown = 0;
    if (err) {
        res = err;
        unknown = 1;
    } else if (r->type == REDIS_REPLY_INTEGER) {
        res = r->integer == 1 && !lk->release_was_lost ? KFK_ERR_NONE : KFK_ERR__LOCK_LOST;
        if (r->integer != 1)
            kfk__log(&lk->log, KFK_LOG_INFO, KFK_DBG_LOCK,
                     "lock %s: release found another owner or no key: left alone", lk->key);
    } else {
        res = KFK_ERR__REDIS;
        unknown = 1;
        kfk__log(&lk->log, KFK_LOG_WARNING, KFK_DBG_LOCK, "lock %s: release failed: %s", lk->key,
                 r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected answer");
    }
    drop_token(lk, unknown);
    lk->state = ST_IDLE;
    if (lk->closing)
        res = KFK_ERR__DESTROYED;
    if (cb)
        cb(lk, res, opaque);
}

static void on_handshake_done(conn_t *conn, cmd_t *c, const redisReply *r, kfk_err_t err) {
    if (err || conn->down)
        return;
    if (r->type == REDIS_REPLY_ERROR) {
        char why[200];
        snprintf(why, sizeof why, "%s refused: %s", c->kind == CMD_AUTH ? "AUTH" : "SELECT",
                 r->str ? r->str : "?");
        kfk__lock_conn_down(conn, KFK_ERR__REDIS, why, 0);
        return;
    }
    if (--conn->handshake_left == 0) {
        conn->ready = 1;
        kfk__lock_conn_flush(conn);
    }
}

/* Completes @p c: exactly once per command, with a reply or an error. */
void kfk__lock_cmd_finish(cmd_t *c, const redisReply *r, kfk_err_t err) {
    kfk_lock_t *lk = c->lk;
    conn_t *conn = c->conn;
    conn_unlink(conn, c);
    lk->cmds--;
    switch (c->kind) {
    case CMD_AUTH:
    case CMD_SELECT:
        on_handshake_done(conn, c, r, err);
        break;
    case CMD_ACQUIRE:
        on_acquire_done(lk, c, r, err);
        break;
    case CMD_RENEW:
        on_renew_done(lk, c, r, err);
        break;
    default:
        on_release_done(lk, c, r, err);
        break;
    }
    kfk__free(c);
    kfk__lock_arm_cmd_timer(lk);
    maybe_finish_close(lk);
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata) {
    cmd_t *c = privdata;
    conn_t *conn = c->conn;
    redisReply *r = reply;
    if (!r) {
        /* hiredis is freeing the context: every sent command gets here once. */
        kfk__lock_conn_down(conn, KFK_ERR__REDIS, ac->err ? ac->errstr : "connection lost", 1);
        kfk__lock_cmd_finish(c, NULL, conn->fail_err);
        return;
    }
    kfk__lock_cmd_finish(c, r, KFK_ERR_NONE);
}

conn_t *kfk__lock_ensure_conn(kfk_lock_t *lk);

/* Queues @p c on the current connection (opening one if needed); only KFK_ERR__NOMEM fails,
 * and then @p c is not queued. Connection failures reach @p c later, from the loop. */
static kfk_err_t issue(kfk_lock_t *lk, cmd_t *c) {
    conn_t *conn = kfk__lock_ensure_conn(lk);
    if (!conn)
        return KFK_ERR__NOMEM;
    lk->cmds++;
    conn_append(conn, c);
    kfk__lock_conn_flush(conn);
    kfk__lock_arm_cmd_timer(lk);
    return KFK_ERR_NONE;
}

/* ---- close --------------------------------------------------------------------------------- */

static void on_timer_closed(uv_handle_t *h) {
    kfk_lock_t *lk = h->data;
    lk->handles--;
    kfk__lock_maybe_free(lk);
}

/* Once every command has completed: the connection and the timers close. */
static void maybe_finish_close(kfk_lock_t *lk) {
    if (!lk->closing || lk->finishing || lk->cmds > 0)
        return;
    if (lk->conn)
        kfk__lock_conn_down(lk->conn, KFK_ERR__DESTROYED, "closing", 0);
    if (lk->cmds > 0 || lk->finishing)
        return;
    lk->finishing = 1;
    uv_close((uv_handle_t *)&lk->renew_timer, on_timer_closed);
    uv_close((uv_handle_t *)&lk->lease_timer, on_timer_closed);
}

void kfk_lock_close(kfk_lock_t *lk, kfk_lock_close_cb cb, void *opaque) {
    if (!lk || lk->closing)
        return;
    lk->closing = 1;
    lk->close_cb = cb;
    lk->close_opaque = opaque;
    stop_lease_timers(lk);
    if ((lk->state == ST_HELD || lk->state == ST_LOST) && lk->key) {
        /* Released here; a LOST lease may still be in Redis until its expiry. */
        release_internal(lk, lk->key, lk->token);
        drop_token(lk, 0);
        lk->state = ST_IDLE;
    }
    /* ACQUIRING: a grant that arrives now is released by on_acquire_done. */
    release_orphans(lk);
    maybe_finish_close(lk);
}

/* ---- public API ---------------------------------------------------------------------------- */

static kfk_err_t bad(char *errstr, size_t errstr_size, const char *msg) {
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "%s", msg);
    return KFK_ERR__INVALID_ARG;
}

/* Parses "host:port", "[v6]:port", "host" (port 6379) or "unix:/path" into @p lk. */
static kfk_err_t parse_addr(kfk_lock_t *lk, const char *s, char *errstr, size_t errstr_size) {
    if (!strncmp(s, "unix:", 5)) {
        if (!s[5])
            return bad(errstr, errstr_size, "redis: \"unix:\" needs a socket path");
        lk->path = kfk__strndup(s + 5, strlen(s + 5));
        return lk->path ? KFK_ERR_NONE : KFK_ERR__NOMEM;
    }
    const char *hs = s, *he, *port = NULL;
    if (*s == '[') {
        hs = s + 1;
        he = strchr(hs, ']');
        if (!he || (he[1] && he[1] != ':'))
            return bad(errstr, errstr_size, "redis: expected [v6addr]:port");
        if (he[1] == ':')
            port = he + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon && strchr(s, ':') != colon)
            return bad(errstr, errstr_size, "redis: write an IPv6 address as [addr]:port");
        he = colon ? colon : s + strlen(s);
        if (colon)
            port = colon + 1;
    }
    if (he == hs)
        return bad(errstr, errstr_size, "redis: empty host (expected host:port or unix:/path)");
    long p = 6379;
    if (port) {
        char *end = NULL;
        p = strtol(port, &end, 10);
        if (!*port || *end || p < 1 || p > 65535)
            return bad(errstr, errstr_size, "redis: the port must be 1-65535");
    }
    lk->port = (int)p;
    lk->host = kfk__strndup(hs, (size_t)(he - hs));
    return lk->host ? KFK_ERR_NONE : KFK_ERR__NOMEM;
}

static kfk_err_t setup(kfk_lock_t *lk, const kfk_lock_opts_t *o, char *errstr, size_t errstr_size) {
    kfk_err_t err = parse_addr(lk, o->redis, errstr, errstr_size);
    if (err)
        return err;
    lk->addr = kfk__strndup(o->redis, strlen(o->redis));
    if (!lk->addr)
        return KFK_ERR__NOMEM;
    if (o->username && !o->password)
        return bad(errstr, errstr_size, "username needs a password");
    if (o->username && !(lk->username = kfk__strndup(o->username, strlen(o->username))))
        return KFK_ERR__NOMEM;
    if (o->password && !(lk->password = kfk__strndup(o->password, strlen(o->password))))
        return KFK_ERR__NOMEM;
    if (o->db < 0)
        return bad(errstr, errstr_size, "db must be >= 0");
    if (o->db > 0)
        snprintf(lk->db_str, sizeof lk->db_str, "%d", o->db);
    /* Times: defaults, then the checks that keep a lease renewable. */
    int64_t ttl = o->ttl_ms ? o->ttl_ms : 30000;
    if (ttl < 3 || ttl > 1000000000000)
        return bad(errstr, errstr_size, "ttl_ms must be 3 .. 10^12");
    int64_t margin = o->safety_margin_ms;
    if (!margin) {
        margin = ttl / 10 < 250 ? 250 : ttl / 10;
        if (margin > ttl / 4)
            margin = ttl / 4;
    }
    if (margin < 0 || margin >= ttl)
        return bad(errstr, errstr_size, "safety_margin_ms must be below ttl_ms");
    int64_t renew = o->renew_interval_ms ? o->renew_interval_ms : ttl / 3;
    if (renew <= 0 || renew >= ttl - margin)
        return bad(errstr, errstr_size,
                   "renew_interval_ms must be > 0 and below ttl_ms - safety_margin_ms");
    int64_t timeout = o->command_timeout_ms ? o->command_timeout_ms : renew;
    if (!o->command_timeout_ms && timeout > 5000)
        timeout = 5000;
    if (timeout <= 0 || timeout > 1000000000000)
        return bad(errstr, errstr_size, "command_timeout_ms must be > 0");
    lk->ttl_ms = ttl;
    lk->margin_ms = margin;
    lk->renew_ms = renew;
    lk->timeout_ms = timeout;
    snprintf(lk->ttl_str, sizeof lk->ttl_str, "%" PRId64, ttl);
    /* Logging: only these settings of the configuration. */
    lk->log.level = KFK_LOG_WARNING;
    if (o->conf) {
        lk->log.cb = o->conf->log_cb;
        lk->log.opaque = o->conf->log_opaque;
        lk->log.level = (int)o->conf->log_level;
        lk->log.debug = kfk__log_parse_debug(o->conf->debug);
        if (lk->log.debug && lk->log.level < KFK_LOG_DEBUG)
            lk->log.level = KFK_LOG_DEBUG;
        const char *id = o->conf->client_id ? o->conf->client_id : "kfk";
        if (!(lk->name = kfk__strndup(id, strlen(id))))
            return KFK_ERR__NOMEM;
    }
    lk->log.name = lk->name ? lk->name : "kfk";
    return KFK_ERR_NONE;
}

kfk_err_t kfk_lock_new(uv_loop_t *loop, const kfk_lock_opts_t *opts, kfk_lock_t **out, char *errstr,
                       size_t errstr_size) {
    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!loop || !opts || !out)
        return bad(errstr, errstr_size, "NULL argument (loop, opts, out)");
    kfk_lock_opts_t o = KFK_LOCK_OPTS_INIT;
    kfk_err_t err = kfk__opts_read(&o, sizeof o, opts, "KFK_LOCK_OPTS_INIT", errstr, errstr_size);
    if (err)
        return err;
    if (!o.redis)
        return bad(errstr, errstr_size, "NULL argument (opts->redis)");
    kfk_lock_t *lk = kfk__calloc(1, sizeof *lk);
    if (!lk)
        return KFK_ERR__NOMEM;
    lk->loop = loop;
    err = setup(lk, &o, errstr, errstr_size);
    if (err) {
        if (err == KFK_ERR__NOMEM && errstr && errstr_size)
            snprintf(errstr, errstr_size, "out of memory");
        kfk__lock_free_strings(lk);
        kfk__free(lk);
        return err;
    }
    uv_timer_t *timers[2] = {&lk->renew_timer, &lk->lease_timer};
    for (int i = 0; i < 2; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = lk;
        lk->handles++;
    }
    *out = lk;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_lock_acquire(kfk_lock_t *lk, const char *key, kfk_lock_acquire_cb cb, void *opaque) {
    if (!lk || !key || !key[0] || !cb)
        return KFK_ERR__INVALID_ARG;
    if (lk->closing)
        return KFK_ERR__DESTROYED;
    if (lk->state != ST_IDLE && lk->state != ST_LOST)
        return KFK_ERR__STATE;
    unsigned char rnd[TOKEN_BYTES];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        kfk__log(&lk->log, KFK_LOG_ERR, KFK_DBG_LOCK, "RAND_bytes failed: no lock token");
        return KFK_ERR__FATAL;
    }
    char *k = kfk__strndup(key, strlen(key));
    if (!k)
        return KFK_ERR__NOMEM;
    char token[TOKEN_HEX + 1];
    to_hex(rnd, sizeof rnd, token);
    lk->gen++;
    cmd_t *c = kfk__lock_cmd_new(lk, CMD_ACQUIRE, key, token);
    if (!c) {
        kfk__free(k);
        return KFK_ERR__NOMEM;
    }
    if (lk->state == ST_LOST)
        drop_token(lk, 1); /* the lost lease's token may still be in Redis */
    release_orphans(lk);   /* queued first: our stale keys are free before we ask */
    if (issue(lk, c) != KFK_ERR_NONE) {
        kfk__free(c);
        kfk__free(k);
        return KFK_ERR__NOMEM;
    }
    kfk__free(lk->key);
    lk->key = k;
    memcpy(lk->token, token, sizeof token);
    lk->state = ST_ACQUIRING;
    lk->cause[0] = '\0'; /* what fails from here on is this acquire's */
    lk->acquire_cb = cb;
    lk->op_opaque = opaque;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_lock_release(kfk_lock_t *lk, kfk_lock_release_cb cb, void *opaque) {
    if (!lk)
        return KFK_ERR__INVALID_ARG;
    if (lk->closing)
        return KFK_ERR__DESTROYED;
    if ((lk->state != ST_HELD && lk->state != ST_LOST) || !lk->key)
        return KFK_ERR__STATE;
    cmd_t *c = kfk__lock_cmd_new(lk, CMD_RELEASE, lk->key, lk->token);
    if (!c)
        return KFK_ERR__NOMEM;
    c->user = 1;
    int was_lost = lk->state == ST_LOST || uv_hrtime() >= lk->deadline_ns;
    if (issue(lk, c) != KFK_ERR_NONE) {
        kfk__free(c);
        return KFK_ERR__NOMEM;
    }
    stop_lease_timers(lk);
    lk->state = ST_RELEASING;
    lk->release_was_lost = was_lost;
    lk->release_cb = cb;
    lk->op_opaque = opaque;
    return KFK_ERR_NONE;
}

void *kfk_lock_get_data(const kfk_lock_t *lk) {
    return lk ? lk->data : NULL;
}

void kfk_lock_set_data(kfk_lock_t *lk, void *data) {
    if (lk)
        lk->data = data;
}

void kfk_lock_set_lost_cb(kfk_lock_t *lk, kfk_lock_lost_cb cb, void *opaque) {
    if (!lk)
        return;
    lk->lost_cb = cb;
    lk->lost_opaque = opaque;
}

int kfk_lock_is_held(const kfk_lock_t *lk) {
    return lk && lk->state == ST_HELD && !lk->closing && uv_hrtime() < lk->deadline_ns;
}

int64_t kfk_lock_remaining_ms(const kfk_lock_t *lk) {
    if (!lk || lk->state != ST_HELD || lk->closing)
        return 0;
    uint64_t now = uv_hrtime();
    return now < lk->deadline_ns ? (int64_t)((lk->deadline_ns - now) / NS_PER_MS) : 0;
}

int64_t kfk_lock_fence(const kfk_lock_t *lk) {
    return lk ? lk->fence : 0;
}

const char *kfk_lock_key(const kfk_lock_t *lk) {
    return lk && (lk->state == ST_HELD || lk->state == ST_LOST) ? lk->key : NULL;
}

const char *kfk_lock_last_error(const kfk_lock_t *lk) {
    return lk ? lk->cause : "";
}

const char *kfk_lock_token(const kfk_lock_t *lk) {
    return lk && (lk->state == ST_HELD || lk->state == ST_LOST) && lk->key ? lk->token : NULL;
}

/* ---- internal: counters and test hooks ----------------------------------------------------- */

void kfk__lock_stats(const kfk_lock_t *lk, kfk__lock_stats_t *out) {
    *out = lk->stats;
}

uint64_t kfk__lock_deadline_ns(const kfk_lock_t *lk) {
    return lk->deadline_ns;
}

void kfk__lock_test_block_renew(kfk_lock_t *lk, int block) {
    lk->renew_blocked = block;
}

void kfk__lock_test_renew_now(kfk_lock_t *lk) {
    renew_tick(lk, 1);
}
