/*
 * metadata.c: the client's metadata cache (brokers, topics, partitions, leaders) and its
 * refreshes. One refresh is in flight at a time; callers that ask meanwhile join it, or the
 * next round when they need topics it does not cover. A refresh tries brokers in turn (an up
 * one first) until one answers or request.timeout.ms has passed: a timer ends the round then,
 * with its last cause, even while it waits for a broker's backoff or a request's answer (an
 * answer that arrives later still updates the cache). Brokers missing from an answer
 * are dropped (their connections close). The cache is refreshed every metadata.max.age.ms.
 * Requests ask the broker to create unknown topics when the owner allows it
 * (allow.auto.create.topics: the producer and the consumer; never the admin); while a followed
 * topic is still unknown then, refreshes come on the retry backoff.
 */
#include <stdio.h>
#include <string.h>

#include "client/core/backoff.h"
#include "client/core/client.h"
#include "protocol/mem.h"

static void start_round(kfk__client_t *cl);

static void on_md_timer(uv_timer_t *t) {
    kfk__client_t *cl = t->data;
    if (!cl->closing)
        kfk__client_metadata_refresh(cl, NULL, 0, 0, NULL, NULL, NULL);
}

static void on_md_timer_closed(uv_handle_t *h) {
    kfk__client_handle_closed(h->data);
}

static void round_done(kfk__client_t *cl, kfk_err_t err);

/* The round's deadline passed while it waited (for a broker's backoff, a connection, or an
 * answer): it ends now with its last cause. */
static void on_round_timer(uv_timer_t *t) {
    kfk__client_t *cl = t->data;
    if (cl->closing || !cl->md_in_flight)
        return;
    if (cl->md_broker) {
        kfk__broker_cancel_wait(cl->md_broker, &cl->md_broker_wait);
        cl->md_broker = NULL;
    }
    kfk__log(&cl->log, KFK_LOG_DEBUG, KFK_DBG_METADATA, "metadata refresh timed out: %s",
             cl->md_last_msg);
    round_done(cl, cl->md_last_err ? cl->md_last_err : KFK_ERR__TIMED_OUT);
}

void kfk__client_md_init(kfk__client_t *cl) {
    uv_timer_init(cl->loop, &cl->md_round_timer);
    cl->md_round_timer.data = cl;
    cl->handles_open++;
    uv_timer_init(cl->loop, &cl->md_timer);
    cl->md_timer.data = cl;
    cl->handles_open++;
    uint64_t age = (uint64_t)cl->conf->metadata_max_age_ms;
    uv_timer_start(&cl->md_timer, on_md_timer, age, age);
    uv_unref((uv_handle_t *)&cl->md_timer); /* the refresh timer alone keeps no loop alive */
}

static void free_topic(kfk__topic_md_t *t) {
    for (int32_t i = 0; i < t->partition_cnt; i++) {
        kfk__free(t->partitions[i].replicas);
        kfk__free(t->partitions[i].isr);
        kfk__free(t->partitions[i].offline);
    }
    kfk__free(t->partitions);
    kfk__free(t->name);
    memset(t, 0, sizeof *t);
}

static void notify(kfk__client_t *cl, kfk_err_t err, uint32_t round) {
    kfk__md_waiter_t **pp = &cl->md_waiters, *ready = NULL, **rt = &ready;
    while (*pp) {
        kfk__md_waiter_t *w = *pp;
        if (w->round <= round || err == KFK_ERR__DESTROYED) {
            *pp = w->next;
            w->next = NULL;
            *rt = w;
            rt = &w->next;
        } else {
            pp = &w->next;
        }
    }
    while (ready) {
        kfk__md_waiter_t *w = ready;
        ready = w->next;
        w->next = NULL;
        if (w->cb)
            w->cb(cl, err, w->opaque);
    }
}

void kfk__client_md_close(kfk__client_t *cl) {
    if (cl->md_broker) {
        kfk__broker_cancel_wait(cl->md_broker, &cl->md_broker_wait);
        cl->md_broker = NULL;
    }
    notify(cl, KFK_ERR__DESTROYED, UINT32_MAX);
    if (!uv_is_closing((uv_handle_t *)&cl->md_timer) && cl->md_timer.data == cl)
        uv_close((uv_handle_t *)&cl->md_timer, on_md_timer_closed);
    if (!uv_is_closing((uv_handle_t *)&cl->md_round_timer) && cl->md_round_timer.data == cl)
        uv_close((uv_handle_t *)&cl->md_round_timer, on_md_timer_closed);
}

void kfk__client_md_free(kfk__client_t *cl) {
    for (int32_t i = 0; i < cl->topic_cnt; i++)
        free_topic(&cl->topics[i]);
    kfk__free(cl->topics);
    cl->topics = NULL;
    cl->topic_cnt = 0;
    for (size_t i = 0; i < cl->wanted_cnt; i++)
        kfk__free(cl->wanted[i]);
    kfk__free(cl->wanted);
    kfk__free(cl->cluster_id);
}

const kfk__topic_md_t *kfk__client_topic(const kfk__client_t *cl, const char *topic) {
    for (int32_t i = 0; i < cl->topic_cnt; i++)
        if (!strcmp(cl->topics[i].name, topic))
            return &cl->topics[i];
    return NULL;
}

static int is_wanted(const kfk__client_t *cl, const char *topic) {
    for (size_t i = 0; i < cl->wanted_cnt; i++)
        if (!strcmp(cl->wanted[i], topic))
            return 1;
    return 0;
}

kfk_err_t kfk__client_follow_topic(kfk__client_t *cl, const char *topic) {
    if (is_wanted(cl, topic))
        return KFK_ERR_NONE;
    char **w = kfk__realloc(cl->wanted, (cl->wanted_cnt + 1) * sizeof *w);
    if (!w)
        return KFK_ERR__NOMEM;
    cl->wanted = w;
    w[cl->wanted_cnt] = kfk__strndup(topic, strlen(topic));
    if (!w[cl->wanted_cnt])
        return KFK_ERR__NOMEM;
    cl->wanted_cnt++;
    cl->md_dirty = 1;
    return KFK_ERR_NONE;
}

/* ---- applying a response -------------------------------------------------------------------- */

static int32_t *copy_ints(const kfk_array_t *a, int32_t *cnt) {
    *cnt = a->count > 0 ? a->count : 0;
    if (*cnt == 0)
        return NULL;
    int32_t *p = kfk__mallocarray((size_t)*cnt, sizeof *p);
    if (p)
        memcpy(p, a->items, (size_t)*cnt * sizeof *p);
    else
        *cnt = 0;
    return p;
}

static kfk_err_t copy_topic(const kfk_metadata_response_topic_t *src, kfk__topic_md_t *dst,
                            uint64_t now) {
    memset(dst, 0, sizeof *dst);
    dst->name = kfk__strndup(src->name.ptr ? src->name.ptr : "",
                             src->name.len > 0 ? (size_t)src->name.len : 0);
    if (!dst->name)
        return KFK_ERR__NOMEM;
    dst->err = src->error_code;
    dst->is_internal = src->is_internal;
    dst->topic_id = src->topic_id;
    dst->updated_ms = now;
    if (src->partitions.count > 0) {
        dst->partitions = kfk__calloc((size_t)src->partitions.count, sizeof *dst->partitions);
        if (!dst->partitions) {
            free_topic(dst);
            return KFK_ERR__NOMEM;
        }
        dst->partition_cnt = src->partitions.count;
    }
    for (int32_t i = 0; i < src->partitions.count; i++) {
        const kfk_metadata_response_partition_t *sp =
            &KFK_ARRAY_AT(src->partitions, kfk_metadata_response_partition_t, i);
        kfk__partition_md_t *dp = &dst->partitions[i];
        dp->id = sp->partition_index;
        dp->err = sp->error_code;
        dp->leader = sp->leader_id;
        dp->leader_epoch = sp->leader_epoch;
        dp->replicas = copy_ints(&sp->replica_nodes, &dp->replica_cnt);
        dp->isr = copy_ints(&sp->isr_nodes, &dp->isr_cnt);
        dp->offline = copy_ints(&sp->offline_replicas, &dp->offline_cnt);
    }
    /* Partitions in id order: lookups index by id. */
    for (int32_t i = 1; i < dst->partition_cnt; i++) {
        kfk__partition_md_t p = dst->partitions[i];
        int32_t j = i - 1;
        while (j >= 0 && dst->partitions[j].id > p.id) {
            dst->partitions[j + 1] = dst->partitions[j];
            j--;
        }
        dst->partitions[j + 1] = p;
    }
    return KFK_ERR_NONE;
}

static kfk_err_t apply(kfk__client_t *cl, const kfk_metadata_response_t *r, int all) {
    uint64_t now = uv_now(cl->loop);
    /* Brokers: add or update those listed, drop the real ones that are not. */
    for (int32_t i = 0; i < r->brokers.count; i++) {
        const kfk_metadata_response_broker_t *b =
            &KFK_ARRAY_AT(r->brokers, kfk_metadata_response_broker_t, i);
        char host[256], rack[256];
        snprintf(host, sizeof host, "%.*s", b->host.len > 0 ? b->host.len : 0,
                 b->host.ptr ? b->host.ptr : "");
        snprintf(rack, sizeof rack, "%.*s", b->rack.len > 0 ? b->rack.len : 0,
                 b->rack.ptr ? b->rack.ptr : "");
        if (!kfk__client_add_broker(cl, b->node_id, host, b->port, b->rack.len >= 0 ? rack : NULL))
            return KFK_ERR__NOMEM;
    }
    if (r->brokers.count > 0) {
        for (kfk__broker_t *b = cl->brokers; b; b = b->next) {
            if (b->node_id < 0 || KFK__IS_COORD_NODE_ID(b->node_id) || b->gone)
                continue;
            int listed = 0;
            for (int32_t i = 0; i < r->brokers.count && !listed; i++)
                listed = KFK_ARRAY_AT(r->brokers, kfk_metadata_response_broker_t, i).node_id ==
                         b->node_id;
            if (!listed) {
                kfk__log(&cl->log, KFK_LOG_INFO, KFK_DBG_METADATA,
                         "broker %d left the cluster metadata", b->node_id);
                kfk__client_drop_broker(cl, b);
            }
        }
    }
    cl->controller_id = r->controller_id;
    if (r->cluster_id.len >= 0 && r->cluster_id.ptr) {
        char *id = kfk__strndup(r->cluster_id.ptr, (size_t)r->cluster_id.len);
        if (id) {
            kfk__free(cl->cluster_id);
            cl->cluster_id = id;
        }
    }
    /* Topics: replace those in the answer; with a full listing, drop the rest. */
    int32_t n = r->topics.count > 0 ? r->topics.count : 0;
    kfk__topic_md_t *fresh = n ? kfk__calloc((size_t)n, sizeof *fresh) : NULL;
    if (n && !fresh)
        return KFK_ERR__NOMEM;
    for (int32_t i = 0; i < n; i++) {
        kfk_err_t err =
            copy_topic(&KFK_ARRAY_AT(r->topics, kfk_metadata_response_topic_t, i), &fresh[i], now);
        if (err) {
            for (int32_t j = 0; j < i; j++)
                free_topic(&fresh[j]);
            kfk__free(fresh);
            return err;
        }
    }
    int32_t keep = 0;
    kfk__topic_md_t *merged =
        kfk__calloc((size_t)(cl->topic_cnt + n) ? (size_t)(cl->topic_cnt + n) : 1, sizeof *merged);
    if (!merged) {
        for (int32_t j = 0; j < n; j++)
            free_topic(&fresh[j]);
        kfk__free(fresh);
        return KFK_ERR__NOMEM;
    }
    for (int32_t i = 0; i < cl->topic_cnt; i++) {
        int replaced = all;
        for (int32_t j = 0; j < n && !replaced; j++)
            replaced = !strcmp(cl->topics[i].name, fresh[j].name);
        if (replaced)
            free_topic(&cl->topics[i]);
        else
            merged[keep++] = cl->topics[i];
    }
    for (int32_t j = 0; j < n; j++)
        merged[keep++] = fresh[j];
    kfk__free(fresh);
    kfk__free(cl->topics);
    cl->topics = merged;
    cl->topic_cnt = keep;
    cl->md_updated_ms = now;
    return KFK_ERR_NONE;
}

/* ---- rounds -----------------------------------------------------------------------------------
 */

static void round_done(kfk__client_t *cl, kfk_err_t err) {
    uint32_t round = cl->md_round;
    uv_timer_stop(&cl->md_round_timer);
    cl->md_in_flight = 0;
    cl->md_broker = NULL;
    cl->md_last_err = err;
    notify(cl, err, round);
    /* A callback above may have started the next round already (a refresh asked from a
     * refresh's callback): never two at once, they would share md_round_all and the wait. */
    if (!cl->closing && cl->md_waiters && !cl->md_in_flight)
        start_round(cl);
}

static void try_broker(kfk__client_t *cl);

/* A Metadata request out, and the round it was sent for. */
typedef struct {
    kfk__client_t *cl;
    uint32_t round;
} md_req_t;

/* With auto-creation asked, a followed topic the broker answered unknown or leaderless is
 * being created (or the broker does not create topics): the next refresh comes on the retry
 * backoff (retry.backoff.ms doubling to retry.backoff.max.ms) instead of metadata.max.age.ms,
 * as Java's clients do, so that a group member subscribed to it sees its partitions within a
 * heartbeat of its creation (follow.c) rather than minutes later. */
static void schedule_creating(kfk__client_t *cl) {
    int creating = 0;
    for (size_t i = 0; cl->md_auto_create && !creating && i < cl->wanted_cnt; i++) {
        const kfk__topic_md_t *t = kfk__client_topic(cl, cl->wanted[i]);
        creating = t && (t->err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION ||
                         t->err == KFK_ERR_LEADER_NOT_AVAILABLE);
    }
    if (!creating) {
        cl->md_creating_attempts = 0;
        return;
    }
    cl->md_creating_attempts++;
    uint64_t age = (uint64_t)cl->conf->metadata_max_age_ms;
    uint64_t in = kfk__backoff_ms(cl->conf->retry_backoff_ms, cl->conf->retry_backoff_max_ms,
                                  cl->md_creating_attempts);
    if (!uv_is_closing((uv_handle_t *)&cl->md_timer))
        uv_timer_start(&cl->md_timer, on_md_timer, in < age ? in : age, age);
}

static void on_md_response(kfk__resp_t *r, void *opaque) {
    md_req_t rq = *(md_req_t *)opaque;
    kfk__free(opaque);
    kfk__client_t *cl = rq.cl;
    if (cl->closing)
        return;
    if (rq.round != cl->md_round || !cl->md_in_flight) {
        /* Its round ended by its deadline meanwhile: a good answer still refreshes the cache,
         * for the next round's callers; nobody waits for this one. */
        if (!r->err)
            apply(cl, r->body, 0);
        return;
    }
    if (r->err) {
        snprintf(cl->md_last_msg, sizeof cl->md_last_msg, "%s", r->msg);
        try_broker(cl);
        return;
    }
    cl->md_logged[0] = '\0'; /* an answer: the next failure is news again */
    kfk_err_t err = apply(cl, r->body, cl->md_round_all);
    kfk__dbg(&cl->log, KFK_DBG_METADATA, "metadata v%d from broker %d: %d topics, %s", r->version,
             r->broker->node_id, cl->topic_cnt, err ? kfk_err_name(err) : "ok");
    if (!err)
        schedule_creating(cl);
    round_done(cl, err);
}

static void on_md_broker_ready(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    kfk__client_t *cl = opaque;
    cl->md_broker = NULL;
    if (err) {
        snprintf(cl->md_last_msg, sizeof cl->md_last_msg, "%s", msg);
        cl->md_last_err = err;
        if (kfk_err_is_fatal(err) || err == KFK_ERR__DESTROYED) {
            /* Wrong credentials or an untrusted broker: retrying cannot help. The owner
             * closing is not an error of anyone's: debug level only. */
            kfk__log(&cl->log, err == KFK_ERR__DESTROYED ? KFK_LOG_DEBUG : KFK_LOG_ERR,
                     KFK_DBG_METADATA, "metadata refresh failed: %s", cl->md_last_msg);
            round_done(cl, err);
            return;
        }
        try_broker(cl);
        return;
    }
    kfk_metadata_request_topic_t *topics = NULL;
    kfk_metadata_request_t req;
    memset(&req, 0, sizeof req);
    if (cl->md_round_all) {
        req.topics = (kfk_array_t){NULL, -1};
    } else {
        topics = kfk__calloc(cl->wanted_cnt ? cl->wanted_cnt : 1, sizeof *topics);
        if (!topics) {
            round_done(cl, KFK_ERR__NOMEM);
            return;
        }
        for (size_t i = 0; i < cl->wanted_cnt; i++)
            topics[i].name = kfk_str_c(cl->wanted[i]);
        req.topics = (kfk_array_t){topics, (int32_t)cl->wanted_cnt};
    }
    /* The producer and the consumer per allow.auto.create.topics (default true: Java's producer
     * always asks, its consumer by default), the admin never; a request for every topic names
     * none to create. */
    req.allow_auto_topic_creation = cl->md_auto_create && !cl->md_round_all;
    md_req_t *rq = kfk__malloc(sizeof *rq);
    if (!rq) {
        kfk__free(topics);
        round_done(cl, KFK_ERR__NOMEM);
        return;
    }
    *rq = (md_req_t){cl, cl->md_round};
    err = kfk__broker_request(b, KFK_API_METADATA, &req, 0, 0, on_md_response, rq);
    kfk__free(topics);
    if (err)
        kfk__free(rq);
    if (err) {
        snprintf(cl->md_last_msg, sizeof cl->md_last_msg, "cannot send Metadata: %s",
                 kfk_err_str(err));
        cl->md_last_err = err;
        try_broker(cl);
    }
}

static void try_broker(kfk__client_t *cl) {
    uint64_t now = uv_now(cl->loop);
    if (now >= cl->md_deadline) {
        /* Once per cause as a warning; the same cause again (a caller retrying) at debug. */
        int repeat = !strcmp(cl->md_logged, cl->md_last_msg);
        kfk__log(&cl->log, repeat ? KFK_LOG_DEBUG : KFK_LOG_WARNING, KFK_DBG_METADATA,
                 "metadata refresh failed after %llu ms: %s%s",
                 (unsigned long long)(now - cl->md_started), cl->md_last_msg,
                 repeat ? " (again)" : "");
        snprintf(cl->md_logged, sizeof cl->md_logged, "%s", cl->md_last_msg);
        round_done(cl, cl->md_last_err ? cl->md_last_err : KFK_ERR__TIMED_OUT);
        return;
    }
    kfk__broker_t *b = kfk__client_any_broker(cl);
    if (!b) {
        round_done(cl, KFK_ERR__TRANSPORT);
        return;
    }
    if (!b->up && b->last_err && cl->md_last_err == KFK_ERR__TIMED_OUT) {
        /* Nothing failed in this round yet, but the broker it waits for failed before: that
         * is the cause to report if the round ends waiting ("connection refused"). */
        cl->md_last_err = b->last_err;
        snprintf(cl->md_last_msg, sizeof cl->md_last_msg, "%s", b->last_msg);
    }
    cl->md_broker = b;
    kfk__broker_wait(b, &cl->md_broker_wait, on_md_broker_ready, cl);
}

static void start_round(kfk__client_t *cl) {
    cl->md_in_flight = 1;
    cl->md_round++;
    cl->md_round_all = cl->md_want_all;
    cl->md_want_all = 0;
    cl->md_dirty = 0;
    cl->md_started = uv_now(cl->loop);
    cl->md_deadline = cl->md_started + (uint64_t)cl->conf->request_timeout_ms;
    cl->md_last_err = KFK_ERR__TIMED_OUT;
    snprintf(cl->md_last_msg, sizeof cl->md_last_msg, "no broker answered");
    if (!uv_is_closing((uv_handle_t *)&cl->md_round_timer))
        uv_timer_start(&cl->md_round_timer, on_round_timer, (uint64_t)cl->conf->request_timeout_ms,
                       0);
    try_broker(cl);
}

void kfk__client_metadata_refresh(kfk__client_t *cl, const char *const *topics, size_t n, int all,
                                  kfk__md_waiter_t *w, kfk__metadata_cb cb, void *opaque) {
    for (size_t i = 0; i < n; i++)
        if (kfk__client_follow_topic(cl, topics[i]) != KFK_ERR_NONE)
            break;
    if (all)
        cl->md_want_all = 1;
    /* A refresh in flight covers this caller only if it asks for nothing new. */
    int covered = cl->md_in_flight && !cl->md_dirty && !cl->md_want_all;
    if (w) {
        w->cb = cb;
        w->opaque = opaque;
        uint32_t round = cl->md_round + (cl->md_in_flight && !covered ? 1
                                         : cl->md_in_flight           ? 0
                                                                      : 1);
        /* Waiting again with a waiter that waits already: it keeps the later of the two rounds,
         * and stays linked once (twice, the list would point at itself). */
        kfk__md_waiter_t *x = cl->md_waiters;
        while (x && x != w)
            x = x->next;
        if (!x) {
            w->round = round;
            w->next = cl->md_waiters;
            cl->md_waiters = w;
        } else if (round > w->round) {
            w->round = round;
        }
    }
    if (!cl->md_in_flight && !cl->closing)
        start_round(cl);
}

void kfk__client_metadata_cancel(kfk__client_t *cl, kfk__md_waiter_t *w) {
    for (kfk__md_waiter_t **pp = &cl->md_waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            w->next = NULL;
            return;
        }
}

kfk_err_t kfk__client_metadata_cause(const kfk__client_t *cl, char *buf, size_t size) {
    if (buf && size)
        snprintf(buf, size, "%s", cl->md_last_msg);
    return cl->md_last_err;
}
