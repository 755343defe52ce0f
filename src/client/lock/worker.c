/*
 * worker.c: the partition worker (the seeds' "consumer maker"): one partition of one topic,
 * consumed by whoever holds its Redis lock. If another worker holds the lock, the worker
 * finishes at once with KFK_ERR__LOCK_HELD and consumes nothing.
 *
 * Why a lock and not group membership: the workers of one group.id each take an explicitly
 * chosen partition (a job per partition, e.g. from a scheduler), not a share handed out by the
 * group coordinator. The consumer assigns that partition manually and commits with the simple
 * (non-member) commit of the group id, which any process may send; so the coordinator does not
 * keep two workers apart, the lock does. Its fencing number is exposed for side effects that
 * can check it.
 *
 * Safety: batches are delivered only while the lock is held; a commit goes out only while the
 * local lease (kfk_lock_is_held: TTL minus the safety margin, on the monotonic clock) lasts.
 * When the lock is lost (renewal refused or timed out, Redis unreachable past the deadline, a
 * loop stall), delivery stops at once, nothing more is committed, and the worker finishes with
 * KFK_ERR__LOCK_LOST. Records of a batch not yet committed then come again to the next holder:
 * at-least-once.
 *
 * At most one batch comes again after a crash: the worker's consumer waits for commits
 * (batch.commit.wait, always on here, whatever the configuration says): the next batch is
 * handed to the application only once the broker acknowledged the commit of the previous one,
 * as the seeds' consumer maker does (process a batch, await its commit, take the next), while
 * fetching goes on underneath. That costs one OffsetCommit round trip per batch. A failed
 * commit is sent again on the retry backoff (retry.backoff.ms doubling to retry.backoff.max.ms)
 * and no batch is handed out meanwhile; a lost lock shuts the commit gate and stops the worker.
 *
 * Lifecycle: a worker that finishes by itself (lock held elsewhere, lost, an error) reports it
 * once through done_cb and stays allocated; kfk_worker_close ends it (its own timer handle,
 * closed last, makes the close callback asynchronous even when nothing else is open).
 */
#include <stdio.h>
#include <string.h>

#include "client/consumer/consumer.h"
#include "client/core/opts.h"
#include "protocol/mem.h"

struct kfk_worker {
    uv_loop_t *loop;
    kfk_conf_t *conf;
    kfk_lock_t *lock;
    kfk_consumer_t *consumer;
    char *topic;
    int32_t partition;
    char key[512];
    int64_t fence;
    kfk_batch_cb batch_cb;
    kfk_worker_done_cb done_cb;
    void *opaque;
    kfk_err_t result;
    int stopping;
    int consumer_open;
    int lock_open;
    int done;    /* the consumer and the lock are closed */
    int closing; /* kfk_worker_close was called */
    int64_t close_timeout_ms;
    kfk_worker_close_cb close_cb;
    void *close_opaque;
    void *data;
    uv_timer_t timer; /* closed last: the close callback runs from its close callback */
};

static void on_timer_closed(uv_handle_t *h) {
    kfk_worker_t *w = h->data;
    if (w->close_cb)
        w->close_cb(w, w->close_opaque); /* kfk.h: memory valid until it returns */
    kfk_conf_free(w->conf);
    kfk__free(w->topic);
    kfk__free(w);
}

static void finish_if_closed(kfk_worker_t *w) {
    if (w->consumer_open || w->lock_open)
        return;
    if (!w->done) {
        w->done = 1;
        if (!w->closing && w->done_cb) {
            w->done_cb(w, w->result, w->opaque); /* finished by itself */
            return;                              /* (kfk_worker_close in it does the rest) */
        }
    }
    if (w->closing && !uv_is_closing((uv_handle_t *)&w->timer))
        uv_close((uv_handle_t *)&w->timer, on_timer_closed);
}

static void on_lock_closed(kfk_lock_t *l, void *opaque) {
    (void)l;
    kfk_worker_t *w = opaque;
    w->lock_open = 0;
    finish_if_closed(w);
}

static void on_released(kfk_lock_t *l, kfk_err_t err, void *opaque) {
    kfk_worker_t *w = opaque;
    if (err && !w->result)
        w->result = err; /* the lease ran out before the release */
    kfk_lock_close(l, on_lock_closed, w);
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    kfk_worker_t *w = opaque;
    w->consumer_open = 0;
    w->consumer = NULL;
    /* The consumer committed what was done (while the lease lasted): now let the lock go. */
    if (w->lock_open && kfk_lock_is_held(w->lock))
        kfk_lock_release(w->lock, on_released, w);
    else if (w->lock_open)
        kfk_lock_close(w->lock, on_lock_closed, w);
    finish_if_closed(w);
}

static void shut(kfk_worker_t *w, kfk_err_t why, int64_t drain_ms) {
    if (w->stopping)
        return;
    w->stopping = 1;
    if (!w->result)
        w->result = why;
    if (w->consumer_open) {
        kfk_consumer_set_close_timeout(w->consumer, drain_ms);
        kfk_consumer_close(w->consumer, on_consumer_closed, w);
    } else if (w->lock_open)
        kfk_lock_close(w->lock, on_lock_closed, w);
    else
        finish_if_closed(w);
}

static int commit_gate(void *opaque) {
    kfk_worker_t *w = opaque;
    return w->lock && kfk_lock_is_held(w->lock);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    kfk_worker_t *w = opaque;
    if (!kfk_lock_is_held(w->lock)) {
        /* Past the lease deadline (e.g. after a loop stall): deliver nothing more. */
        kfk_batch_done(b, KFK_ERR__LOCK_LOST);
        kfk__log(kfk__consumer_log(c), KFK_LOG_WARNING, KFK_DBG_LOCK,
                 "worker %s [%d]: lease ended: stopping", w->topic, w->partition);
        shut(w, KFK_ERR__LOCK_LOST, 0);
        return;
    }
    w->batch_cb(c, b, w->opaque);
}

static void on_lost(kfk_lock_t *l, kfk_err_t reason, void *opaque) {
    (void)l;
    kfk_worker_t *w = opaque;
    if (w->consumer)
        kfk__log(kfk__consumer_log(w->consumer), KFK_LOG_WARNING, KFK_DBG_LOCK,
                 "worker %s [%d]: lock %s lost (%s): stopping without committing", w->topic,
                 w->partition, w->key, kfk_err_name(reason));
    if (w->consumer)
        kfk_consumer_pause(w->consumer, w->topic, w->partition);
    /* A batch in the application's hands stays valid until it is marked done (which commits
     * nothing now: the commit gate is shut), up to max.poll.interval.ms: freeing it here would
     * turn that kfk_batch_done into a use-after-free. */
    shut(w, KFK_ERR__LOCK_LOST, -1);
}

static void on_acquired(kfk_lock_t *l, kfk_err_t err, int64_t fence, void *opaque) {
    (void)l;
    kfk_worker_t *w = opaque;
    if (w->stopping)
        return;
    if (err) {
        /* Held by another worker (the seed's "task exits immediately"), or Redis failed. */
        shut(w, err, 0);
        return;
    }
    w->fence = fence;
    char errstr[512];
    kfk_err_t e = kfk_consumer_new(w->loop, w->conf, &w->consumer, errstr, sizeof errstr);
    if (e) {
        fprintf(stderr, "%%3|kfk|worker: %s [%d]: %s\n", w->topic, w->partition, errstr);
        shut(w, e, 0);
        return;
    }
    w->consumer_open = 1;
    kfk__consumer_set_commit_gate(w->consumer, commit_gate, w);
    kfk__consumer_set_commit_wait(w->consumer, 1);
    kfk_topic_partition_t tp = {w->topic, w->partition, KFK_OFFSET_STORED};
    e = kfk_consumer_assign(w->consumer, &tp, 1);
    if (!e)
        e = kfk_consumer_start(w->consumer, on_batch, w);
    if (e)
        shut(w, e, 0);
}

kfk_err_t kfk_worker_new(uv_loop_t *loop, const kfk_conf_t *conf, const kfk_worker_opts_t *opts_in,
                         kfk_batch_cb batch_cb, kfk_worker_done_cb done_cb, void *opaque,
                         kfk_worker_t **out, char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr || !errstr_size) {
        errstr = dummy;
        errstr_size = sizeof dummy;
    }
    if (!loop || !conf || !opts_in || !batch_cb || !out) {
        snprintf(errstr, errstr_size,
                 "kfk_worker_new: loop, conf, opts, batch_cb and out are needed");
        return KFK_ERR__INVALID_ARG;
    }
    kfk_worker_opts_t o = KFK_WORKER_OPTS_INIT;
    kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
    const kfk_worker_opts_t *opts = &o;
    if (kfk__opts_read(&o, sizeof o, opts_in, "KFK_WORKER_OPTS_INIT", errstr, errstr_size))
        return KFK_ERR__INVALID_ARG;
    if (!o.topic || o.partition < 0 || !o.lock) {
        snprintf(errstr, errstr_size, "kfk_worker_new: topic, partition and lock are needed");
        return KFK_ERR__INVALID_ARG;
    }
    if (kfk__opts_read(&lo, sizeof lo, o.lock, "KFK_LOCK_OPTS_INIT", errstr, errstr_size))
        return KFK_ERR__INVALID_ARG;
    char group[256];
    size_t gl = sizeof group;
    if (kfk_conf_get(conf, "group.id", group, &gl) != 0 || !group[0]) {
        snprintf(errstr, errstr_size, "the partition worker needs group.id (commits and lock key)");
        return KFK_ERR__INVALID_CONF;
    }
    kfk_worker_t *w = kfk__calloc(1, sizeof *w);
    if (!w)
        return KFK_ERR__NOMEM;
    w->loop = loop;
    w->partition = opts->partition;
    w->batch_cb = batch_cb;
    w->done_cb = done_cb;
    w->opaque = opaque;
    w->fence = -1;
    w->close_timeout_ms = -1;
    w->conf = kfk_conf_dup(conf);
    w->topic = kfk__strndup(opts->topic, strlen(opts->topic));
    if (!w->conf || !w->topic) {
        kfk_conf_free(w->conf);
        kfk__free(w->topic);
        kfk__free(w);
        return KFK_ERR__NOMEM;
    }
    snprintf(w->key, sizeof w->key, "%s:%s:%s:%d",
             opts->lock_prefix && *opts->lock_prefix ? opts->lock_prefix : "kfk:lock", group,
             opts->topic, opts->partition);
    if (!lo.conf)
        lo.conf = w->conf;
    kfk_err_t err = kfk_lock_new(loop, &lo, &w->lock, errstr, errstr_size);
    if (err) {
        kfk_conf_free(w->conf);
        kfk__free(w->topic);
        kfk__free(w);
        return err;
    }
    uv_timer_init(loop, &w->timer);
    w->timer.data = w;
    w->lock_open = 1;
    kfk_lock_set_lost_cb(w->lock, on_lost, w);
    err = kfk_lock_acquire(w->lock, w->key, on_acquired, w);
    if (err) {
        snprintf(errstr, errstr_size, "cannot start acquiring %s: %s", w->key, kfk_err_str(err));
        w->closing = 1; /* no object for the caller: it frees itself once the lock closed */
        shut(w, err, 0);
        return err;
    }
    *out = w;
    return KFK_ERR_NONE;
}

void kfk_worker_close(kfk_worker_t *w, kfk_worker_close_cb cb, void *opaque) {
    if (!w || w->closing)
        return;
    w->closing = 1;
    w->close_cb = cb;
    w->close_opaque = opaque;
    if (w->stopping)
        finish_if_closed(w); /* finished (or finishing) by itself: its closes are under way */
    else
        shut(w, KFK_ERR_NONE, w->close_timeout_ms);
}

void kfk_worker_set_close_timeout(kfk_worker_t *w, int64_t timeout_ms) {
    if (w)
        w->close_timeout_ms = timeout_ms;
}

void *kfk_worker_get_data(const kfk_worker_t *w) {
    return w ? w->data : NULL;
}

void kfk_worker_set_data(kfk_worker_t *w, void *data) {
    if (w)
        w->data = data;
}

int64_t kfk_worker_fence(const kfk_worker_t *w) {
    return w->fence;
}

const char *kfk_worker_lock_key(const kfk_worker_t *w) {
    return w->key;
}

kfk_consumer_t *kfk_worker_consumer(const kfk_worker_t *w) {
    return w->consumer;
}
