/*
 * redis.c: a hiredis async connection on libuv (see redis.h for the contract).
 *
 * Handles: the uv_poll_t on hiredis' socket (from attach until hiredis' cleanup hook), the
 * command timer (from new until close), and a uv_getaddrinfo_t while a name resolves. The
 * connection is freed, after the closed callback, only once all three are gone and hiredis has
 * freed its context.
 *
 * hiredis re-entrancy: redisAsyncFree is never called while hiredis frees the context itself
 * (after a failed connect, in the cleanup hook, or when the owner says so), and the structure is
 * freed only from a uv close callback, never inside a hiredis call.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <uv.h>

#include "ev/redis.h"
#include "protocol/mem.h"

struct kfk__redis {
    uv_loop_t *loop;
    kfk__redis_cbs_t cbs;
    void *opaque;
    redisAsyncContext *ac; /* NULL before attaching and once hiredis freed it */
    uv_poll_t poll;        /* the socket, watched for hiredis */
    int events;            /* UV_READABLE | UV_WRITABLE, as hiredis asked */
    uv_timer_t timer;
    uv_getaddrinfo_t gai;
    char *host; /* while resolving, for messages */
    int port;
    int resolving, poll_open, timer_open;
    int down;    /* the down callback ran */
    int freeing; /* hiredis frees the context by itself */
    int closing;
};

static void maybe_free(kfk__redis_t *r) {
    if (!r->closing || r->ac || r->poll_open || r->timer_open || r->resolving)
        return;
    if (r->cbs.closed)
        r->cbs.closed(r, r->opaque);
    kfk__free(r->host);
    kfk__free(r);
}

static void report_down(kfk__redis_t *r, kfk_err_t err, const char *why) {
    if (r->down || r->closing)
        return;
    r->down = 1;
    if (r->cbs.down)
        r->cbs.down(r, err, why, r->opaque);
}

static void on_poll_closed(uv_handle_t *h) {
    kfk__redis_t *r = h->data;
    r->poll_open = 0;
    maybe_free(r);
}

static void on_timer_closed(uv_handle_t *h) {
    kfk__redis_t *r = h->data;
    r->timer_open = 0;
    maybe_free(r);
}

/* ---- kfk's event hooks for hiredis --------------------------------------------------------- */

static void on_poll(uv_poll_t *h, int status, int events) {
    kfk__redis_t *r = h->data;
    if (status < 0)
        events = r->events; /* see redis.h: let hiredis find the socket error */
    if (r->ac && (events & UV_READABLE))
        redisAsyncHandleRead(r->ac);
    if (r->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(r->ac);
}

static void ev_update(kfk__redis_t *r, int add, int del) {
    r->events = (r->events | add) & ~del;
    if (r->events)
        uv_poll_start(&r->poll, r->events, on_poll);
    else
        uv_poll_stop(&r->poll);
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
    kfk__redis_t *r = p;
    char why[160];
    snprintf(why, sizeof why, "%s", r->ac && r->ac->c.err ? r->ac->c.errstr : "connection closed");
    r->ac = NULL;
    r->freeing = 1;
    uv_close((uv_handle_t *)&r->poll, on_poll_closed);
    report_down(r, KFK_ERR__REDIS, why);
}

static void on_connect(const redisAsyncContext *ac, int status) {
    kfk__redis_t *r = ac->data;
    if (status == REDIS_OK) {
        if (r->cbs.connected)
            r->cbs.connected(r, r->opaque);
        return;
    }
    r->freeing = 1; /* hiredis frees the context right after this */
    report_down(r, KFK_ERR__REDIS, ac->c.errstr[0] ? ac->c.errstr : "connect failed");
}

/* Starts hiredis' connection to @p ip (or the unix socket @p path) and attaches it. */
static kfk_err_t attach(kfk__redis_t *r, const char *ip, const char *path, char *errstr,
                        size_t errstr_size) {
    redisAsyncContext *ac = path ? redisAsyncConnectUnix(path) : redisAsyncConnect(ip, r->port);
    if (!ac || ac->err) {
        snprintf(errstr, errstr_size, "%s", ac ? ac->errstr : "cannot allocate a connection");
        if (ac)
            redisAsyncFree(ac);
        return KFK_ERR__REDIS;
    }
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    if (uv_poll_init(r->loop, &r->poll, ac->c.fd) != 0) {
        snprintf(errstr, errstr_size, "cannot watch the socket");
        redisAsyncFree(ac); /* cleanup(NULL): nothing to close */
        return KFK_ERR__REDIS;
    }
    r->poll.data = r;
    r->poll_open = 1;
    ac->ev.data = r;
    ac->data = r;
    r->ac = ac;
    redisAsyncSetConnectCallback(ac, on_connect);
    if (r->cbs.attached)
        r->cbs.attached(r, r->opaque);
    return KFK_ERR_NONE;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
    kfk__redis_t *r = req->data;
    r->resolving = 0;
    if (r->closing) {
        uv_freeaddrinfo(res);
        maybe_free(r);
        return;
    }
    char ip[INET6_ADDRSTRLEN] = "";
    if (status == 0 && res && uv_ip_name(res->ai_addr, ip, sizeof ip) != 0)
        ip[0] = '\0';
    uv_freeaddrinfo(res);
    char errstr[160];
    kfk_err_t err;
    if (!ip[0]) {
        err = KFK_ERR__REDIS;
        snprintf(errstr, sizeof errstr, "cannot resolve %s: %s", r->host,
                 status ? uv_strerror(status) : "no address");
    } else {
        err = attach(r, ip, NULL, errstr, sizeof errstr);
    }
    if (err)
        report_down(r, err, errstr);
}

/* ---- the interface -------------------------------------------------------------------------- */

kfk_err_t kfk__redis_new(uv_loop_t *loop, const kfk__redis_cbs_t *cbs, void *opaque,
                         kfk__redis_t **out) {
    kfk__redis_t *r = kfk__calloc(1, sizeof *r);
    if (!r)
        return KFK_ERR__NOMEM;
    r->loop = loop;
    r->cbs = *cbs;
    r->opaque = opaque;
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
    r->timer_open = 1;
    *out = r;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__redis_connect(kfk__redis_t *r, const char *host, int port, const char *path,
                             char *errstr, size_t errstr_size) {
    r->port = port;
    unsigned char buf[sizeof(struct in6_addr)];
    if (path || inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1)
        return attach(r, host, path, errstr, errstr_size);
    r->host = kfk__strndup(host, strlen(host));
    if (!r->host) {
        snprintf(errstr, errstr_size, "cannot allocate a connection");
        return KFK_ERR__REDIS;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    r->gai.data = r;
    int rc = uv_getaddrinfo(r->loop, &r->gai, on_resolved, host, NULL, &hints);
    if (rc) {
        snprintf(errstr, errstr_size, "cannot resolve %s: %s", host, uv_strerror(rc));
        return KFK_ERR__REDIS;
    }
    r->resolving = 1;
    return KFK_ERR_NONE;
}

redisAsyncContext *kfk__redis_context(const kfk__redis_t *r) {
    return r->ac;
}

static void on_timer(uv_timer_t *t) {
    kfk__redis_t *r = t->data;
    if (r->cbs.timer && !r->closing)
        r->cbs.timer(r, r->opaque);
}

void kfk__redis_timer_start(kfk__redis_t *r, uint64_t ms) {
    if (r->closing)
        return;
    uv_timer_start(&r->timer, on_timer, ms, 0);
}

void kfk__redis_timer_stop(kfk__redis_t *r) {
    if (r->closing)
        return;
    uv_timer_stop(&r->timer);
}

void kfk__redis_close(kfk__redis_t *r, int hiredis_freeing) {
    if (r->closing)
        return;
    r->closing = 1;
    if (r->resolving)
        uv_cancel((uv_req_t *)&r->gai);
    /* Freeing the context here runs every sent command's callback and the cleanup hook (which
     * closes the poll handle) before redisAsyncFree returns. */
    if (r->ac && !hiredis_freeing && !r->freeing)
        redisAsyncFree(r->ac);
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
    maybe_free(r);
}
