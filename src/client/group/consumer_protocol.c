/*
 * consumer_protocol.c: consumer group membership through the KIP-848 consumer group protocol
 * (group.protocol=consumer; Kafka 4.0+). The broker computes the assignments (the server-side
 * assignor of group.remote.assignor, uniform or range); the member only heartbeats.
 *
 * ConsumerGroupHeartbeat, one in flight at a time on the coordinator, at the interval the broker
 * gives (and at once when there is news: a join, an assignment reconciled, a subscription
 * changed). Every heartbeat is a full one (the subscribed topic names, the rebalance timeout,
 * the server assignor, the instance id and the owned partitions): Java sends only what changed,
 * but the broker takes a full request the same and kfk then never has to recall what it sent.
 * The member makes its own member id (KIP-1082, kept for its life, rejoins included).
 *
 * Reconciling an assignment, incrementally, revocation first: the partitions no longer in the
 * target stop being fetched, their undone batches are awaited (at most max.poll.interval.ms,
 * which is also the rebalance timeout sent), their done watermarks committed (OffsetCommit v9+
 * with the member epoch), the revoked callback runs and they are dropped; then the new ones are
 * added (from their committed offsets) and the assigned callback runs; then a heartbeat carries
 * the owned partitions, which is the acknowledgement the broker waits for before it gives the
 * revoked partitions to another member. So no partition is handed to two members at once.
 *
 * Errors, as Java's consumer: FENCED_MEMBER_EPOCH and UNKNOWN_MEMBER_ID lose the partitions (the
 * lost callback, no commit: another member may own them already) and rejoin with epoch 0;
 * coordinator errors find the coordinator again; UNSUPPORTED_VERSION (a broker with the
 * protocol off, e.g. 3.x by default), UNSUPPORTED_ASSIGNOR, INVALID_REQUEST, authorization and
 * instance id errors stop the member with the cause. Java does not fall back to the classic
 * protocol either: group.protocol=consumer on such a cluster is a configuration error. Leaving:
 * epoch -1 (-2 for a static member, whose assignment the broker keeps for its session).
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "client/consumer/offsets.h"
#include "client/consumer/parts.h"
#include "client/core/backoff.h"
#include "client/group/consumer_protocol.h"
#include "client/group/follow.h"
#include "protocol/mem.h"

enum { CG_ACTIVE, CG_LEAVING, CG_CLOSED };

/* One assigned partition, by topic id (as the broker sends it). */
typedef struct {
    kfk_uuid_t topic_id;
    int32_t partition;
} tid_part_t;

typedef struct kfk__cgroup {
    kfk_consumer_t *c;
    int state;
    char member_id[40];
    int32_t epoch; /* 0: not a member (join next) */
    uint64_t joins;
    int32_t hb_interval;
    int hb_in_flight;
    uint64_t hb_sent, hb_due;
    uint64_t last_hb_ok; /* when the last heartbeat answered without error was sent */
    int hb_now;          /* news: heartbeat at once */
    uint32_t losses;     /* times the member lost its partitions (lose_all) */
    uint32_t hb_losses;  /* losses when the heartbeat in flight was sent */
    uint32_t failures;   /* heartbeats failed in a row (backoff) */
    uint64_t retry_at;
    /* The target assignment: the last one the broker gave, and whether it is reconciled. */
    tid_part_t *target;
    size_t ntarget;
    int have_target, reconciled;
    uint64_t revoke_deadline;
    int revoke_commit_sent;
    int left_poll;
    kfk__follow_t follow;
} kfk__cgroup_t;

#define CG(g) ((kfk__cgroup_t *)(void *)(g))

static int is_static(const kfk__cgroup_t *g) {
    return g->c->conf->group_instance_id[0] != 0;
}

static void fatal(kfk__cgroup_t *g, kfk_err_t err, const char *why) {
    kfk__consumer_group_error(g->c, err, 1, "the member cannot go on: %s", why);
    g->c->fatal = err;
    g->state = CG_CLOSED;
}

static void rebalance_cb(kfk__cgroup_t *g, kfk_rebalance_event_t ev, const kfk_topic_partition_t *p,
                         size_t n) {
    if (n && g->c->rebalance_cb)
        g->c->rebalance_cb(g->c, ev, p, n, g->c->rebalance_opaque);
}

/* Drops the partitions of @p c for which @p gone says so (all when NULL), after calling the
 * callback @p ev with them. */
static void drop_parts(kfk__cgroup_t *g, int all, kfk_rebalance_event_t ev) {
    kfk_consumer_t *c = g->c;
    kfk_topic_partition_t *l = kfk__calloc(c->nparts ? c->nparts : 1, sizeof *l);
    if (!l)
        return;
    size_t n = 0;
    for (size_t i = 0; i < c->nparts; i++)
        if (all || c->parts[i]->revoking)
            l[n++] =
                (kfk_topic_partition_t){c->parts[i]->topic, c->parts[i]->id, c->parts[i]->done};
    rebalance_cb(g, ev, l, n);
    for (size_t i = 0; i < n; i++) {
        cpart_t *p = kfk__consumer_part(c, l[i].topic, l[i].partition);
        if (p)
            kfk__consumer_remove_part(c, p);
    }
    kfk__free(l);
}

/* The member is no longer one (fenced, unknown, session lost, left for max.poll.interval.ms):
 * its partitions are lost and it joins again with epoch 0. */
static void lose_all(kfk__cgroup_t *g, const char *why) {
    kfk_consumer_t *c = g->c;
    kfk__log(&c->cl->log, KFK_LOG_INFO, KFK_DBG_CGRP,
             "group %s: member %s epoch %d: %s: partitions lost, joining again", c->conf->group_id,
             g->member_id, g->epoch, why);
    drop_parts(g, 1, KFK_REBALANCE_LOST);
    g->losses++; /* the answer to a heartbeat in flight now speaks for a member that is gone */
    g->epoch = 0;
    g->have_target = 0;
    g->ntarget = 0;
    g->reconciled = 1;
    g->revoke_commit_sent = 0;
    c->generation = -1;
    g->hb_now = 1;
    kfk__consumer_kick(c);
}

/* ---- reconciling ---------------------------------------------------------------------------- */

/* The name of the subscribed topic with id @p id, or NULL while the metadata does not say. */
static const char *topic_of(kfk__cgroup_t *g, const kfk_uuid_t *id) {
    kfk_consumer_t *c = g->c;
    for (size_t i = 0; i < c->ntopics; i++) {
        const kfk__topic_md_t *md = kfk__client_topic(c->cl, c->topics[i]);
        if (md && !md->err && !memcmp(md->topic_id.bytes, id->bytes, 16))
            return md->name;
    }
    return NULL;
}

static int in_target(const kfk__cgroup_t *g, const kfk_uuid_t *id, int32_t partition) {
    for (size_t i = 0; i < g->ntarget; i++)
        if (g->target[i].partition == partition && !memcmp(g->target[i].topic_id.bytes, id, 16))
            return 1;
    return 0;
}

/* One step of reconciling the target: returns 1 while it waits (batches, a commit, metadata). */
static int reconcile(kfk__cgroup_t *g, uint64_t now) {
    kfk_consumer_t *c = g->c;
    if (g->reconciled || g->epoch <= 0)
        return 0;
    /* Every target topic must be known by id. */
    for (size_t i = 0; i < g->ntarget; i++)
        if (!topic_of(g, &g->target[i].topic_id)) {
            kfk__dbg(&c->cl->log, KFK_DBG_CGRP,
                     "group %s: epoch %d: an assigned topic id is not in the metadata yet",
                     c->conf->group_id, g->epoch);
            kfk__consumer_refresh_metadata(c);
            kfk__consumer_arm(c, now + 200);
            return 1;
        }
    /* Revoke first: what is owned and not in the target. */
    int revoking = 0, ready = 1;
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        const kfk__topic_md_t *md = kfk__client_topic(c->cl, p->topic);
        p->revoking = !md || !in_target(g, &md->topic_id, p->id);
        if (!p->revoking)
            continue;
        revoking = 1;
        if (p->busy && p->busy != c->forming)
            ready = 0;
    }
    if (revoking) {
        if (!g->revoke_deadline)
            g->revoke_deadline = now + (uint64_t)c->conf->max_poll_interval_ms;
        if (!ready && now < g->revoke_deadline)
            return 1;
        if (kfk__consumer_revoke_commit_wait(c, &g->revoke_commit_sent, now, g->revoke_deadline))
            return 1;
        drop_parts(g, 0, KFK_REBALANCE_REVOKED);
    }
    g->revoke_commit_sent = 0;
    g->revoke_deadline = 0;
    /* Then assign what is new. */
    kfk_topic_partition_t *added = kfk__calloc(g->ntarget ? g->ntarget : 1, sizeof *added);
    size_t nadded = 0;
    for (size_t i = 0; added && i < g->ntarget; i++) {
        const char *topic = topic_of(g, &g->target[i].topic_id);
        if (!topic || kfk__consumer_part(c, topic, g->target[i].partition))
            continue;
        cpart_t *p = kfk__consumer_add_part(c, topic, g->target[i].partition, KFK_OFFSET_STORED);
        if (p)
            added[nadded++] = (kfk_topic_partition_t){p->topic, p->id, -1};
    }
    g->reconciled = 1;
    c->generation = g->epoch;
    kfk__log(&c->cl->log, KFK_LOG_INFO, KFK_DBG_CGRP,
             "group %s: epoch %d reconciled: %zu partitions owned (%zu new)", c->conf->group_id,
             g->epoch, c->nparts, nadded);
    rebalance_cb(g, KFK_REBALANCE_ASSIGNED, added, nadded);
    kfk__free(added);
    g->hb_now = 1; /* acknowledge */
    kfk__consumer_kick(c);
    return 0;
}

/* Takes the assignment of a heartbeat answer as the new target. */
static void set_target(kfk__cgroup_t *g,
                       const kfk_consumer_group_heartbeat_response_assignment_t *a) {
    size_t n = 0;
    for (int32_t t = 0; t < a->topic_partitions.count; t++)
        n += (size_t)KFK_ARRAY_AT(a->topic_partitions,
                                  kfk_consumer_group_heartbeat_response_topic_partitions_t, t)
                 .partitions.count;
    tid_part_t *l = kfk__calloc(n ? n : 1, sizeof *l);
    if (!l)
        return; /* the next heartbeat's answer brings it again */
    size_t k = 0;
    for (int32_t t = 0; t < a->topic_partitions.count; t++) {
        kfk_consumer_group_heartbeat_response_topic_partitions_t *tp = &KFK_ARRAY_AT(
            a->topic_partitions, kfk_consumer_group_heartbeat_response_topic_partitions_t, t);
        for (int32_t i = 0; i < tp->partitions.count; i++)
            l[k++] = (tid_part_t){tp->topic_id, KFK_ARRAY_AT(tp->partitions, int32_t, i)};
    }
    /* Every full heartbeat is answered with the whole assignment: news only when it differs. */
    int same = g->have_target && k == g->ntarget;
    for (size_t i = 0; same && i < k; i++)
        same = in_target(g, &l[i].topic_id, l[i].partition);
    if (same) {
        kfk__free(l);
        return;
    }
    kfk__free(g->target);
    g->target = l;
    g->ntarget = k;
    g->have_target = 1;
    g->reconciled = 0;
}

/* ---- heartbeat ------------------------------------------------------------------------------ */

static int stops_member(kfk_err_t err) {
    return err == KFK_ERR_UNSUPPORTED_VERSION || err == KFK_ERR__NO_COMMON_VERSION ||
           err == KFK_ERR_UNSUPPORTED_ASSIGNOR || err == KFK_ERR_INVALID_REQUEST ||
           err == KFK_ERR_GROUP_AUTHORIZATION_FAILED || err == KFK_ERR_TOPIC_AUTHORIZATION_FAILED ||
           err == KFK_ERR_UNRELEASED_INSTANCE_ID || err == KFK_ERR_FENCED_INSTANCE_ID ||
           err == KFK_ERR_GROUP_MAX_SIZE_REACHED || err == KFK_ERR_INVALID_GROUP_ID ||
           err == KFK_ERR_INVALID_REGULAR_EXPRESSION || kfk_err_is_fatal(err);
}

static void hb_failed(kfk__cgroup_t *g) {
    kfk_consumer_t *c = g->c;
    g->failures++;
    g->retry_at = uv_now(c->loop) + kfk__backoff_ms(c->conf->retry_backoff_ms,
                                                    c->conf->retry_backoff_max_ms, g->failures);
    kfk__consumer_arm(c, g->retry_at);
}

static void on_heartbeat(kfk__resp_t *resp, void *opaque) {
    kfk__cgroup_t *g = opaque;
    kfk_consumer_t *c = g->c;
    g->hb_in_flight = 0;
    if (c->client_closing || g->state != CG_ACTIVE)
        return;
    if (g->hb_losses != g->losses) {
        /* Sent before the member lost its partitions (its session, max.poll.interval.ms): it
         * joins again with epoch 0 whatever this says. */
        kfk__consumer_kick(c);
        return;
    }
    kfk_err_t err = resp->err;
    kfk_consumer_group_heartbeat_response_t *r = resp->body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    if (err) {
        char why[400];
        kfk__resp_cause(resp, err, why, sizeof why);
        if (!resp->err && r->error_message.len > 0)
            snprintf(why + strlen(why), sizeof why - strlen(why), " (%.*s)",
                     (int)r->error_message.len, r->error_message.ptr);
        if (err == KFK_ERR_UNSUPPORTED_VERSION || err == KFK_ERR__NO_COMMON_VERSION) {
            char w2[sizeof why + 256]; /* the text below and all of why */
            snprintf(w2, sizeof w2,
                     "group.protocol=consumer: the cluster does not support the consumer group "
                     "protocol (KIP-848: Kafka 4.0+; 3.7-3.9 only as a preview, with "
                     "group.coordinator.rebalance.protocols=classic,consumer); set "
                     "group.protocol=classic: %s",
                     why);
            fatal(g, KFK_ERR_UNSUPPORTED_VERSION, w2);
            return;
        }
        if (stops_member(err)) {
            fatal(g, err, why);
            return;
        }
        if (err == KFK_ERR_FENCED_MEMBER_EPOCH || err == KFK_ERR_UNKNOWN_MEMBER_ID) {
            lose_all(g, kfk_err_name(err));
            return;
        }
        if (err == KFK_ERR_NOT_COORDINATOR || err == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
            err == KFK_ERR__TRANSPORT || err == KFK_ERR__TIMED_OUT)
            c->coord = NULL;
        kfk__consumer_group_error(c, err, 0, "%s", why);
        hb_failed(g);
        return;
    }
    g->failures = 0;
    g->last_hb_ok = g->hb_sent;
    if (r->member_id.len > 0 && (size_t)r->member_id.len < sizeof g->member_id)
        snprintf(g->member_id, sizeof g->member_id, "%.*s", (int)r->member_id.len,
                 r->member_id.ptr);
    if (g->epoch <= 0 && r->member_epoch > 0) {
        g->joins++;
        kfk__log(&c->cl->log, KFK_LOG_INFO, KFK_DBG_CGRP,
                 "group %s: joined generation %d as %s (protocol consumer, heartbeat every %d ms)",
                 c->conf->group_id, r->member_epoch, g->member_id, r->heartbeat_interval_ms);
    }
    g->epoch = r->member_epoch;
    if (r->heartbeat_interval_ms > 0)
        g->hb_interval = r->heartbeat_interval_ms;
    g->hb_due = g->hb_sent + (uint64_t)g->hb_interval;
    if (r->assignment)
        set_target(g, r->assignment);
    kfk__consumer_group_ok(c);
    kfk__consumer_arm(c, g->hb_due);
    kfk__consumer_kick(c);
}

/* Sends a full heartbeat with @p epoch (the member's own, -1 or -2 to leave) to @p cb. */
static kfk_err_t send_heartbeat(kfk__cgroup_t *g, int32_t epoch, kfk__response_cb cb) {
    kfk_consumer_t *c = g->c;
    kfk_err_t err = KFK_ERR__NOMEM;
    kfk_str_t *topics = kfk__calloc(c->ntopics ? c->ntopics : 1, sizeof *topics);
    kfk_consumer_group_heartbeat_request_topic_partitions_t *owned =
        kfk__calloc(c->nparts ? c->nparts : 1, sizeof *owned);
    int32_t *ids = kfk__calloc(c->nparts ? c->nparts : 1, sizeof *ids);
    if (!topics || !owned || !ids)
        goto out;
    for (size_t i = 0; i < c->ntopics; i++)
        topics[i] = kfk_str_c(c->topics[i]);
    /* The owned partitions by topic id, contiguous per topic. */
    size_t no = 0, k = 0;
    for (size_t i = 0; i < c->nparts; i++) {
        const kfk__topic_md_t *md = kfk__client_topic(c->cl, c->parts[i]->topic);
        if (!md)
            continue;
        size_t t;
        for (t = 0; t < no; t++)
            if (!memcmp(owned[t].topic_id.bytes, md->topic_id.bytes, 16))
                break;
        if (t == no)
            owned[no++].topic_id = md->topic_id;
    }
    for (size_t t = 0; t < no; t++) {
        owned[t].partitions.items = &ids[k];
        for (size_t i = 0; i < c->nparts; i++) {
            const kfk__topic_md_t *md = kfk__client_topic(c->cl, c->parts[i]->topic);
            if (md && !memcmp(owned[t].topic_id.bytes, md->topic_id.bytes, 16)) {
                ids[k++] = c->parts[i]->id;
                owned[t].partitions.count++;
            }
        }
    }
    kfk_consumer_group_heartbeat_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.member_id = kfk_str_c(g->member_id);
    req.member_epoch = epoch;
    req.instance_id = is_static(g) ? kfk_str_c(c->conf->group_instance_id) : (kfk_str_t){NULL, -1};
    req.rack_id = (kfk_str_t){NULL, -1};
    req.subscribed_topic_regex = (kfk_str_t){NULL, -1};
    if (epoch < 0) {
        /* Leaving: nothing but who and how. */
        req.rebalance_timeout_ms = -1;
        req.subscribed_topic_names = (kfk_array_t){NULL, -1};
        req.server_assignor = (kfk_str_t){NULL, -1};
        req.topic_partitions = (kfk_array_t){NULL, -1};
    } else {
        req.rebalance_timeout_ms = (int32_t)c->conf->max_poll_interval_ms;
        req.subscribed_topic_names = (kfk_array_t){topics, (int32_t)c->ntopics};
        req.server_assignor = c->conf->group_remote_assignor[0]
                                  ? kfk_str_c(c->conf->group_remote_assignor)
                                  : (kfk_str_t){NULL, -1};
        req.topic_partitions = (kfk_array_t){owned, (int32_t)no};
    }
    err = kfk__broker_request(c->coord, KFK_API_CONSUMER_GROUP_HEARTBEAT, &req, 0, 0, cb, g);
out:
    kfk__free(topics);
    kfk__free(owned);
    kfk__free(ids);
    return err;
}

static void heartbeat(kfk__cgroup_t *g, uint64_t now) {
    kfk_consumer_t *c = g->c;
    if (g->hb_in_flight || now < g->retry_at)
        return;
    if (g->epoch > 0 && !g->hb_now && now < g->hb_due) {
        kfk__consumer_arm(c, g->hb_due);
        return;
    }
    if (!kfk__consumer_coordinator_up(c))
        return;
    kfk_err_t err = send_heartbeat(g, g->epoch, on_heartbeat);
    if (err == KFK_ERR__NO_COMMON_VERSION) {
        fatal(g, err,
              "group.protocol=consumer: the coordinator does not offer ConsumerGroupHeartbeat "
              "(KIP-848; Kafka 4.0+); set group.protocol=classic");
        return;
    }
    if (err) {
        c->coord = NULL;
        hb_failed(g);
        return;
    }
    g->hb_in_flight = 1;
    g->hb_sent = now;
    g->hb_losses = g->losses;
    g->hb_now = 0;
}

/* ---- the ops -------------------------------------------------------------------------------- */

static void on_left(kfk__resp_t *resp, void *opaque) {
    (void)resp; /* best effort: the member joins again with epoch 0 either way */
    (void)opaque;
}

static void cg_run(kfk__group_t *gg) {
    kfk__cgroup_t *g = CG(gg);
    kfk_consumer_t *c = g->c;
    if (g->state != CG_ACTIVE || c->fatal)
        return;
    uint64_t now = uv_now(c->loop);
    if (c->closing) {
        /* Closing waits for batches and commits: stay a member meanwhile. */
        if (g->epoch > 0)
            heartbeat(g, now);
        return;
    }
    /* A batch older than max.poll.interval.ms: leave the group, as Java's consumer does. */
    for (struct kfk_batch *b = c->outstanding; b && g->epoch > 0 && !g->left_poll; b = b->next)
        if (now - b->delivered_ms > (uint64_t)c->conf->max_poll_interval_ms) {
            kfk__log(&c->cl->log, KFK_LOG_WARNING, KFK_DBG_CGRP,
                     "group %s: a batch was not done within max.poll.interval.ms: leaving",
                     c->conf->group_id);
            if (c->coord && c->coord->up && !is_static(g))
                send_heartbeat(g, -1, on_left);
            g->left_poll = 1;
            lose_all(g, "max.poll.interval.ms exceeded");
            return;
        }
    if (g->left_poll)
        return;
    /* No heartbeat answered for session.timeout.ms: the broker has fenced us by now. */
    if (g->epoch > 0 && now - g->last_hb_ok > (uint64_t)c->conf->session_timeout_ms) {
        lose_all(g, "no heartbeat answered within session.timeout.ms");
        return;
    }
    kfk__follow_refresh(&g->follow, now);
    char why[400];
    if (kfk__follow_check(&g->follow, 0, g->epoch > 0, why, sizeof why))
        g->hb_now = 1; /* the topics a pattern matches changed: send them */
    if (kfk__follow_waiting(&g->follow))
        return;
    reconcile(g, now);
    heartbeat(g, now);
}

static void cg_batches_done(kfk__group_t *gg) {
    kfk__cgroup_t *g = CG(gg);
    if (g->left_poll && kfk__consumer_busy_parts(g->c) == 0)
        g->left_poll = 0;
    kfk__consumer_kick(g->c);
}

static void cg_commit_failed(kfk__group_t *gg, kfk_err_t err) {
    kfk__cgroup_t *g = CG(gg);
    /* A stale epoch: the next heartbeat brings the current one (the commit is tried again). */
    if (err == KFK_ERR_STALE_MEMBER_EPOCH) {
        g->hb_now = 1;
        kfk__consumer_kick(g->c);
    }
}

static int cg_stable(const kfk__group_t *gg, int32_t *generation, const char **member_id,
                     const char **instance_id) {
    const kfk__cgroup_t *g = CG(gg);
    if (g->state != CG_ACTIVE || g->epoch <= 0)
        return 0;
    *generation = g->epoch;
    *member_id = g->member_id;
    *instance_id = is_static(g) ? g->c->conf->group_instance_id : NULL;
    return 1;
}

static const char *cg_state_name(const kfk__group_t *gg, int32_t *generation, uint64_t *joins) {
    const kfk__cgroup_t *g = CG(gg);
    *generation = g->epoch;
    *joins = g->joins;
    if (g->state == CG_LEAVING)
        return "leaving";
    if (g->state == CG_CLOSED)
        return "closed";
    if (g->epoch <= 0)
        return g->hb_in_flight ? "joining" : "init";
    return g->reconciled ? "stable" : "reconciling";
}

static void on_leave(kfk__resp_t *resp, void *opaque) {
    (void)resp; /* leaving is best effort: whatever the answer, the member is gone */
    kfk__cgroup_t *g = opaque;
    if (g->state == CG_LEAVING)
        g->state = CG_CLOSED;
    if (!g->c->client_closing)
        kfk__consumer_kick(g->c);
}

static void cg_close(kfk__group_t *gg, int leave) {
    kfk__cgroup_t *g = CG(gg);
    kfk_consumer_t *c = g->c;
    if (g->state != CG_ACTIVE)
        return;
    /* A static member leaves with -2: the broker keeps its assignment for its session. */
    if (leave && g->epoch > 0 && c->coord && c->coord->up &&
        send_heartbeat(g, is_static(g) ? -2 : -1, on_leave) == 0) {
        g->state = CG_LEAVING;
        return;
    }
    g->state = CG_CLOSED;
}

static int cg_closed(const kfk__group_t *gg) {
    return CG(gg)->state == CG_CLOSED;
}

static void cg_free(kfk__group_t *gg) {
    kfk__cgroup_t *g = CG(gg);
    kfk__follow_free(&g->follow);
    kfk__free(g->target);
    kfk__free(g);
}

static const kfk__group_ops_t cgroup_ops = {
    .run = cg_run,
    .batches_done = cg_batches_done,
    .commit_failed = cg_commit_failed,
    .stable = cg_stable,
    .state_name = cg_state_name,
    .close = cg_close,
    .closed = cg_closed,
    .free = cg_free,
};

/* A member id as Java makes one (Uuid.randomUuid().toString(): 16 random bytes, URL-safe
 * base64 without padding). */
static int make_member_id(char *out, size_t size) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t r[16];
    if (size < 23 || RAND_bytes(r, sizeof r) != 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < sizeof r; i++) {
        acc = (acc << 8) | r[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = b64[(acc >> bits) & 63];
        }
    }
    if (bits)
        out[o++] = b64[(acc << (6 - bits)) & 63];
    out[o] = 0;
    return 0;
}

kfk_err_t kfk__cgroup_subscribe(kfk_consumer_t *c, const char *const *topics, size_t n) {
    kfk__cgroup_t *g = CG(c->group);
    if (!c->group) {
        g = kfk__calloc(1, sizeof *g);
        if (!g)
            return KFK_ERR__NOMEM;
        g->c = c;
        g->follow.c = c;
        g->reconciled = 1;
        g->hb_interval = (int32_t)c->conf->heartbeat_interval_ms;
        if (make_member_id(g->member_id, sizeof g->member_id) != 0) {
            kfk__free(g);
            return KFK_ERR__NOMEM;
        }
        c->group = (kfk__group_t *)(void *)g;
        c->group_ops = &cgroup_ops;
    }
    kfk_err_t err = kfk__follow_subscribe(&g->follow, c, topics, n);
    if (err)
        return err;
    c->subscribed = 1;
    g->hb_now = 1; /* the new subscription goes out with the next heartbeat */
    kfk__consumer_refresh_metadata(c);
    kfk__consumer_kick(c);
    return KFK_ERR_NONE;
}
