/*
 * perr.c: a consumer partition's errors (parts.h, kfk_consumer_error_t in kfk.h). Fetch
 * answers kfk cannot use are events, not silence: each is counted, backed off
 * (retry.backoff.ms doubling to retry.backoff.max.ms, +-20 % jitter), reported through the
 * application's error callback, and after KFK__CONSUMER_MAX_FAILS in a row at one offset the
 * partition stops (CP_ERROR) until kfk_consumer_seek: no record is skipped silently and nothing
 * is asked again without a wait. Transient causes (no leader, broker down, an answer that does
 * not decode) back off the same way, are reported once per cause, and never stop a partition.
 *
 * Events are queued on the partition and delivered from the loop's turn
 * (kfk__consumer_report_errors), so the callback never runs inside the fetch or delivery code
 * that found the error and may seek, reassign or close.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/consumer/parts.h"
#include "client/core/backoff.h"

uint64_t kfk__consumer_backoff(kfk_consumer_t *c, int attempt) {
    return kfk__backoff_ms(c->conf->retry_backoff_ms, c->conf->retry_backoff_max_ms,
                           attempt > 0 ? (uint32_t)attempt : 1);
}

size_t kfk__consumer_inflate_cap(const kfk_consumer_t *c, const char **why) {
    size_t fmb = (size_t)c->conf->fetch_max_bytes;
    if (fmb < KFK__CONSUMER_INFLATE_HARD_CAP) {
        if (why)
            *why = "fetch.max.bytes cap";
        return fmb;
    }
    if (why)
        *why = "hard cap";
    return KFK__CONSUMER_INFLATE_HARD_CAP;
}

static void set_why(cpart_t *p, const char *fmt, va_list ap) {
    vsnprintf(p->why, sizeof p->why, fmt, ap);
}

void kfk__part_fail(kfk_consumer_t *c, cpart_t *p, kfk_err_t err, int64_t offset, int flags,
                    const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_why(p, fmt, ap);
    va_end(ap);
    if (offset != p->err_offset || p->fails <= 0)
        p->fails = 0; /* a new place: a new count */
    p->fails++;
    p->err = err;
    p->err_offset = offset;
    p->report = 1;
    p->report_attempt = p->fails;
    if (flags & KFK__PF_DROP) {
        /* Found while delivering: nothing from the bad data on is kept; the fetch starts again
         * at the next record to deliver. */
        kfk__consumer_drop_buffers(c, p);
        p->fetch_offset = p->position;
    }
    /* An application with an error callback hears it there; the log then says it at debug. */
    int quiet = c->error_cb != NULL;
    if (p->fails >= KFK__CONSUMER_MAX_FAILS || (flags & KFK__PF_FINAL)) {
        p->stopped = 1; /* records buffered before the bad data are still delivered */
        kfk__log(&c->cl->log, quiet ? KFK_LOG_DEBUG : KFK_LOG_ERR, KFK_DBG_FETCH,
                 "%s [%d]: %s: partition stopped after %d unusable answer(s) (seek to restart)",
                 p->topic, p->id, p->why, p->fails);
    } else {
        uint64_t wait = kfk__consumer_backoff(c, p->fails);
        p->retry_at = uv_now(c->loop) + wait;
        if (p->fails == 1 && !quiet)
            kfk__log(&c->cl->log, KFK_LOG_WARNING, KFK_DBG_FETCH,
                     "%s [%d]: %s: fetching again in %llu ms", p->topic, p->id, p->why,
                     (unsigned long long)wait);
        else
            kfk__dbg(&c->cl->log, KFK_DBG_FETCH, "%s [%d]: %s (attempt %d): again in %llu ms",
                     p->topic, p->id, p->why, p->fails, (unsigned long long)wait);
    }
    kfk__consumer_kick(c);
}

void kfk__part_transient(kfk_consumer_t *c, cpart_t *p, kfk_err_t err, int backoff, const char *fmt,
                         ...) {
    if (backoff) {
        p->retries++;
        p->retry_at = uv_now(c->loop) + kfk__consumer_backoff(c, p->retries);
    }
    if (err == p->transient && p->err == err)
        return; /* reported already */
    va_list ap;
    va_start(ap, fmt);
    set_why(p, fmt, ap);
    va_end(ap);
    p->transient = err;
    p->err = err;
    p->report = 1;
    p->report_attempt = 0;
    kfk__dbg(&c->cl->log, KFK_DBG_FETCH, "%s [%d]: %s", p->topic, p->id, p->why);
    kfk__consumer_kick(c);
}

void kfk__part_stop(kfk_consumer_t *c, cpart_t *p, kfk_err_t err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_why(p, fmt, ap);
    va_end(ap);
    kfk__consumer_drop_buffers(c, p);
    p->state = CP_ERROR;
    p->stopped = 1;
    p->err = err;
    p->err_offset = -1;
    p->fails = KFK__CONSUMER_MAX_FAILS;
    p->report = 1;
    p->report_attempt = 0;
    kfk__log(&c->cl->log, c->error_cb ? KFK_LOG_DEBUG : KFK_LOG_ERR, KFK_DBG_FETCH,
             "%s [%d]: %s: partition stopped", p->topic, p->id, p->why);
    kfk__consumer_kick(c);
}

void kfk__part_ok(cpart_t *p) {
    p->retries = 0;
    if (p->transient && p->err == p->transient)
        p->err = 0;
    p->transient = 0;
}

void kfk__part_clear(cpart_t *p) {
    p->err_next = -1;
    p->stopped = 0;
    p->fails = 0;
    p->retries = 0;
    p->err = 0;
    p->err_offset = -1;
    p->transient = 0;
    p->report = 0;
    p->retry_at = 0;
}

void kfk__consumer_group_error(kfk_consumer_t *c, kfk_err_t err, int stopped, const char *fmt,
                               ...) {
    if (!stopped && err == c->gerr && !c->gstopped)
        return; /* reported already */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->gwhy, sizeof c->gwhy, fmt, ap);
    va_end(ap);
    c->gerr = err;
    c->gstopped = stopped;
    c->greport = 1;
    kfk__log(&c->cl->log,
             c->error_cb ? KFK_LOG_DEBUG
             : stopped   ? KFK_LOG_ERR
                         : KFK_LOG_WARNING,
             KFK_DBG_CGRP, "group %s: %s", c->conf->group_id, c->gwhy);
    kfk__consumer_kick(c);
}

void kfk__consumer_group_ok(kfk_consumer_t *c) {
    if (!c->gstopped)
        c->gerr = 0;
}

/* The group's event, if one waits: topic NULL, partition -1. */
static void report_group_error(kfk_consumer_t *c) {
    if (!c->greport || c->client_closing)
        return;
    c->greport = 0;
    if (!c->error_cb)
        return;
    char msg[sizeof c->gwhy + 300];
    snprintf(msg, sizeof msg, "group %.255s: %s", c->conf->group_id, c->gwhy);
    kfk_consumer_error_t e;
    memset(&e, 0, sizeof e);
    e.err = c->gerr ? c->gerr : KFK_ERR__STATE;
    e.topic = NULL;
    e.partition = -1;
    e.offset = -1;
    e.msg = msg;
    e.stopped = c->gstopped;
    e.next_offset = -1;
    c->error_cb(c, &e, c->error_opaque);
}

void kfk__consumer_report_errors(kfk_consumer_t *c) {
    int again = 0;
    report_group_error(c);
    for (size_t i = 0; i < c->nparts && !c->client_closing; i++) {
        cpart_t *p = c->parts[i];
        if (!p->report)
            continue;
        p->report = 0;
        if (!c->error_cb)
            continue;
        char msg[sizeof p->why];
        memcpy(msg, p->why, sizeof msg);
        kfk_consumer_error_t e;
        memset(&e, 0, sizeof e);
        e.err = p->err ? p->err : KFK_ERR__BAD_MSG;
        e.topic = p->topic; /* interned: valid until close */
        e.partition = p->id;
        e.offset = p->report_attempt > 0 ? p->err_offset : -1;
        e.msg = msg;
        e.attempt = p->report_attempt;
        e.stopped = p->stopped;
        e.next_offset = p->report_attempt > 0 ? p->err_next : -1;
        size_t n = c->nparts;
        c->error_cb(c, &e, c->error_opaque);
        if (c->nparts != n)
            again = 1; /* the table changed under us: the rest waits for the next turn */
        if (again)
            break;
    }
    if (again && !c->client_closing)
        kfk__consumer_kick(c);
}

void kfk_consumer_set_error_cb(kfk_consumer_t *c, kfk_consumer_error_cb cb, void *opaque) {
    if (!c)
        return;
    c->error_cb = cb;
    c->error_opaque = opaque;
}
