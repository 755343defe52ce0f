/*
 * group.c: classic consumer group membership (protocol type "consumer", the same assignor
 * names as Java and librdkafka, so they can share a group).
 *
 * Join: FindCoordinator (consumer/offsets.c), JoinGroup (with the KIP-394 MEMBER_ID_REQUIRED round
 * trip), the leader runs the chosen assignor over every member's subscription, SyncGroup hands
 * out assignments, Heartbeat every heartbeat.interval.ms keeps the member in. Rejoin on
 * REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID (which also resets the member
 * id), coordinator moves. Static membership sends group.instance.id and skips LeaveGroup.
 *
 * Revocation, eager protocols (range, roundrobin): before rejoining, fetching of the owned
 * partitions stops, the member waits until their undone batches are done (at most
 * max.poll.interval.ms), commits, calls the revoked callback and drops them. Cooperative
 * (cooperative-sticky, KIP-429): only the partitions the new assignment takes away are revoked
 * that way, and a follow-up rebalance lets them move. Either way no record is handed to two
 * members at once after a clean rebalance. A session that expires, or a member that stays with a
 * batch longer than max.poll.interval.ms (which makes it leave the group, as Java does), loses
 * its partitions instead: batches in flight then are void and may be processed again by the new
 * owner (at most one batch per moved partition).
 *
 * Following the topics (follow.c): a member rejoins when a topic's partition count changed
 * since its assignment, the topic appeared or disappeared, or the topics a pattern subscription
 * ('^' entries) matches changed, as seen at a metadata refresh (every metadata.max.age.ms).
 *
 * The group sits above the consumer: kfk_consumer_subscribe (here) makes a consumer a member;
 * the member adds and removes the consumer's partitions (consumer/parts.h) and commits through
 * consumer/offsets.h, and the consumer calls the member only through the kfk__group_ops_t this
 * file installs. As leader it decodes the members' subscriptions and encodes their assignments
 * through leader.c around the assignor (assignor.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/consumer/offsets.h"
#include "client/core/backoff.h"
#include "client/consumer/parts.h"
#include "client/group/assignor.h"
#include "client/group/consumer_protocol.h"
#include "client/group/follow.h"
#include "client/group/leader.h"
#include "protocol/mem.h"

enum {
    G_IDLE,     /* not joined; join when the coordinator is up */
    G_REVOKING, /* waiting for undone batches of partitions being revoked */
    G_JOINING,  /* JoinGroup in flight */
    G_SYNCING,  /* SyncGroup in flight (or waiting for metadata, as leader) */
    G_STABLE,
    G_LEAVING,
    G_CLOSED
};

struct kfk__group {
    kfk_consumer_t *c;
    int state;
    char *member_id;
    char *protocol; /* the assignor the coordinator chose */
    int32_t generation;
    uint64_t joins; /* generations joined (the statistics' rebalance_cnt) */
    int cooperative;
    uv_timer_t hb;
    int hb_open;
    int hb_in_flight;
    uint64_t hb_sent;    /* when the heartbeat in flight was sent */
    uint64_t last_hb_ok; /* when the last heartbeat answered without error was sent */
    uint64_t revoke_deadline;
    int rejoin; /* a rebalance is needed */
    int rejoin_after_revoke;
    kfk_topic_partition_t *revoking; /* partitions being revoked (cooperative) */
    size_t nrevoking;
    /* leader state: members' subscriptions from JoinGroup, kept for the assignor */
    kfk_arena_t join_arena;
    uint8_t *join_frame;
    kfk_join_group_response_t *join;
    int16_t join_version;
    int awaiting_md;
    kfk__md_waiter_t mw;
    int revoke_commit_sent;
    int left_poll;          /* left for max.poll.interval.ms: rejoin when batches are done */
    uint32_t join_failures; /* JoinGroup/SyncGroup failures since the last assignment */
    uint64_t join_at;       /* loop time before which no JoinGroup is sent (backoff) */
    kfk__follow_t follow;   /* the subscription and the partition counts it was assigned */
};

static void on_hb_timer(uv_timer_t *t);

static void set_str(char **slot, kfk_str_t s) {
    char *n = kfk__strndup(s.ptr ? s.ptr : "", s.len > 0 ? (size_t)s.len : 0);
    if (!n)
        return;
    kfk__free(*slot);
    *slot = n;
}

static void free_join(kfk__group_t *g) {
    kfk_arena_free(&g->join_arena);
    kfk__free(g->join_frame);
    g->join_frame = NULL;
    g->join = NULL;
}

static kfk_err_t group_new(kfk_consumer_t *c, kfk__group_t **out) {
    kfk__group_t *g = kfk__calloc(1, sizeof *g);
    if (!g)
        return KFK_ERR__NOMEM;
    g->c = c;
    g->follow.c = c;
    g->member_id = kfk__strndup("", 0);
    g->generation = -1;
    if (!g->member_id) {
        kfk__free(g);
        return KFK_ERR__NOMEM;
    }
    kfk_arena_init(&g->join_arena);
    uv_timer_init(c->loop, &g->hb);
    g->hb.data = g;
    g->hb_open = 1;
    *out = g;
    return KFK_ERR_NONE;
}

static void on_hb_closed(uv_handle_t *h) {
    kfk__group_t *g = h->data;
    g->hb_open = 0;
}

static void group_free(kfk__group_t *g) {
    /* The heartbeat timer was closed in group_close (and has finished closing: the client
     * closed after it, on a later loop turn). */
    free_join(g);
    kfk__follow_free(&g->follow);
    kfk__free(g->member_id);
    kfk__free(g->protocol);
    kfk__free(g->revoking);
    kfk__free(g);
}

static int group_closed(const kfk__group_t *g) {
    return g->state == G_CLOSED && !g->hb_open;
}

static const char *group_state_name(const kfk__group_t *g, int32_t *generation, uint64_t *joins) {
    static const char *const names[] = {"init",   "revoking", "joining", "syncing",
                                        "stable", "leaving",  "closed"};
    *generation = g->generation;
    *joins = g->joins;
    return g->state >= 0 && g->state <= G_CLOSED ? names[g->state] : "?";
}

static int group_stable(const kfk__group_t *g, int32_t *generation, const char **member_id,
                        const char **instance_id) {
    if (g->state != G_STABLE && g->state != G_REVOKING)
        return 0;
    *generation = g->generation;
    *member_id = g->member_id;
    *instance_id = g->c->conf->group_instance_id[0] ? g->c->conf->group_instance_id : NULL;
    return 1;
}

static int is_static(const kfk__group_t *g) {
    return g->c->conf->group_instance_id[0] != 0;
}

static kfk_str_t instance_str(const kfk__group_t *g) {
    return is_static(g) ? kfk_str_c(g->c->conf->group_instance_id) : (kfk_str_t){NULL, -1};
}

static void need_rejoin(kfk__group_t *g, const char *why) {
    if (g->state == G_CLOSED || g->state == G_LEAVING)
        return;
    if (!g->rejoin)
        kfk__log(&g->c->cl->log, KFK_LOG_INFO, KFK_DBG_CGRP, "group %s: rebalance (%s)",
                 g->c->conf->group_id, why);
    g->rejoin = 1;
    if (g->state == G_STABLE)
        g->state = G_IDLE;
    kfk__consumer_kick(g->c);
}

/* After a metadata refresh: rejoin when the topics changed (follow.c). */
static void check_topics(kfk__group_t *g) {
    char why[400];
    if (kfk__follow_check(&g->follow, g->state == G_STABLE, g->generation >= 0, why, sizeof why))
        need_rejoin(g, why);
}

/* A JoinGroup or SyncGroup that failed: the next JoinGroup waits retry.backoff.ms doubling to
 * retry.backoff.max.ms, so a coordinator that keeps failing the group meets a schedule, not a
 * storm of joins. An assignment received resets it. */
static void join_failed(kfk__group_t *g) {
    kfk_consumer_t *c = g->c;
    g->join_failures++;
    g->join_at = uv_now(c->loop) + kfk__backoff_ms(c->conf->retry_backoff_ms,
                                                   c->conf->retry_backoff_max_ms, g->join_failures);
}

/* Fatal group errors: the member cannot go on (e.g. FENCED_INSTANCE_ID). */
static void fatal(kfk__group_t *g, kfk_err_t err, const char *why) {
    kfk__consumer_group_error(g->c, err, 1, "the member cannot go on: %s", why);
    g->c->fatal = err;
    g->state = G_CLOSED;
    /* Closed for good: so is the heartbeat timer (a close waits for it). */
    uv_timer_stop(&g->hb);
    if (g->hb_open && !uv_is_closing((uv_handle_t *)&g->hb))
        uv_close((uv_handle_t *)&g->hb, on_hb_closed);
}

static int coordinator_error(kfk_err_t err) {
    return err == KFK_ERR_NOT_COORDINATOR || err == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
           err == KFK_ERR__TRANSPORT || err == KFK_ERR__TIMED_OUT;
}

/* ---- owned partitions --------------------------------------------------------------------- */

static void rebalance_cb(kfk__group_t *g, kfk_rebalance_event_t ev, const kfk_topic_partition_t *p,
                         size_t n) {
    if (n && g->c->rebalance_cb)
        g->c->rebalance_cb(g->c, ev, p, n, g->c->rebalance_opaque);
}

/* Lists the owned partitions (or those matching @p only) into a new array. */
static kfk_topic_partition_t *owned_list(kfk_consumer_t *c, size_t *n) {
    kfk_topic_partition_t *l = kfk__calloc(c->nparts ? c->nparts : 1, sizeof *l);
    *n = 0;
    if (!l)
        return NULL;
    for (size_t i = 0; i < c->nparts; i++)
        l[(*n)++] = (kfk_topic_partition_t){c->parts[i]->topic, c->parts[i]->id, c->parts[i]->done};
    return l;
}

/* Drops partitions @p l (after REVOKED or LOST callbacks). */
static void drop_parts(kfk__group_t *g, const kfk_topic_partition_t *l, size_t n,
                       kfk_rebalance_event_t ev) {
    kfk_consumer_t *c = g->c;
    rebalance_cb(g, ev, l, n);
    for (size_t i = 0; i < n; i++) {
        cpart_t *p = kfk__consumer_part(c, l[i].topic, l[i].partition);
        if (p)
            kfk__consumer_remove_part(c, p);
    }
}

/* Marks @p l (all owned when NULL) as revoking; true when none has an undone batch. */
static int revoke_ready(kfk__group_t *g, const kfk_topic_partition_t *l, size_t n) {
    kfk_consumer_t *c = g->c;
    int ready = 1;
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        int match = !l;
        for (size_t k = 0; l && k < n && !match; k++)
            match = l[k].partition == p->id && !strcmp(l[k].topic, p->topic);
        if (!match)
            continue;
        p->revoking = 1;
        if (p->busy && p->busy != c->forming)
            ready = 0;
    }
    return ready;
}

/* ---- join -------------------------------------------------------------------------------------
 */

static kfk_err_t subscription_blob(kfk__group_t *g, int with_owned, kfk_wbuf_t *w) {
    kfk_consumer_t *c = g->c;
    kfk_str_t *topics = kfk__calloc(c->ntopics ? c->ntopics : 1, sizeof *topics);
    kfk_consumer_protocol_subscription_topic_partition_t *owned =
        kfk__calloc(c->nparts ? c->nparts : 1, sizeof *owned);
    int32_t *ids = kfk__calloc(c->nparts ? c->nparts : 1, sizeof *ids);
    if (!topics || !owned || !ids) {
        kfk__free(topics);
        kfk__free(owned);
        kfk__free(ids);
        return KFK_ERR__NOMEM;
    }
    for (size_t i = 0; i < c->ntopics; i++)
        topics[i] = kfk_str_c(c->topics[i]);
    size_t no = 0, k = 0;
    if (with_owned)
        for (size_t i = 0; i < c->nparts; i++) {
            size_t t;
            for (t = 0; t < no; t++)
                if (kfk_str_eq(owned[t].topic, c->parts[i]->topic))
                    break;
            if (t == no)
                owned[no++].topic = kfk_str_c(c->parts[i]->topic);
        }
    for (size_t t = 0; t < no; t++) {
        owned[t].partitions.items = &ids[k];
        for (size_t i = 0; i < c->nparts; i++)
            if (kfk_str_eq(owned[t].topic, c->parts[i]->topic)) {
                ids[k++] = c->parts[i]->id;
                owned[t].partitions.count++;
            }
    }
    kfk_consumer_protocol_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.topics = (kfk_array_t){topics, (int32_t)c->ntopics};
    sub.user_data = (kfk_bytes_t){NULL, -1};
    sub.owned_partitions = (kfk_array_t){owned, (int32_t)no};
    sub.generation_id = g->generation;
    sub.rack_id = (kfk_str_t){NULL, -1};
    kfk_err_t err = kfk_consumer_subscription_encode(&sub, 1, w);
    kfk__free(topics);
    kfk__free(owned);
    kfk__free(ids);
    return err;
}

static void send_join(kfk__group_t *g);
static void send_sync(kfk__group_t *g);

static void on_join(kfk__resp_t *resp, void *opaque) {
    kfk__group_t *g = opaque;
    kfk_consumer_t *c = g->c;
    if (c->client_closing || g->state != G_JOINING)
        return;
    free_join(g);
    kfk_err_t err = resp->err;
    kfk_join_group_response_t *r = resp->body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    g->state = G_IDLE;
    if (err == KFK_ERR_MEMBER_ID_REQUIRED) {
        set_str(&g->member_id, r->member_id); /* KIP-394: join again with this id */
        send_join(g);
        return;
    }
    if (err) {
        char why[400];
        kfk__resp_cause(resp, err, why, sizeof why);
        if (err == KFK_ERR_UNKNOWN_MEMBER_ID)
            set_str(&g->member_id, (kfk_str_t){"", 0});
        if (coordinator_error(err))
            c->coord = NULL;
        if (kfk_err_is_fatal(err) || err == KFK_ERR_INCONSISTENT_GROUP_PROTOCOL ||
            err == KFK_ERR_INVALID_SESSION_TIMEOUT || err == KFK_ERR_INVALID_GROUP_ID ||
            err == KFK_ERR_GROUP_AUTHORIZATION_FAILED) {
            fatal(g, err, why);
            return;
        }
        kfk__consumer_group_error(c, err, 0, "%s", why);
        g->rejoin = 1;
        join_failed(g);
        kfk__consumer_kick(c);
        return;
    }
    g->generation = r->generation_id;
    g->joins++;
    kfk__follow_forget(&g->follow);
    set_str(&g->member_id, r->member_id);
    set_str(&g->protocol, r->protocol_name);
    g->cooperative = g->protocol && !strcmp(g->protocol, "cooperative-sticky");
    /* The leader assigns from the members in this answer (send_sync): keep it. */
    g->join = r;
    kfk__resp_keep(resp, &g->join_frame, &g->join_arena);
    g->join_version = resp->version;
    g->state = G_SYNCING;
    int leader = kfk_str_eq(r->leader, g->member_id);
    kfk__log(&c->cl->log, KFK_LOG_INFO, KFK_DBG_CGRP,
             "group %s: joined generation %d as %s%s (protocol %s, %d members)", c->conf->group_id,
             g->generation, g->member_id, leader ? ", leader" : "", g->protocol,
             leader ? r->members.count : 0);
    send_sync(g);
}

static void send_join(kfk__group_t *g) {
    kfk_consumer_t *c = g->c;
    if (!kfk__consumer_coordinator_up(c))
        return;
    /* One protocol per assignor, in preference order. */
    const char *s = c->conf->partition_assignment_strategy;
    kfk_join_group_request_protocol_t protos[8];
    kfk_wbuf_t blobs[8];
    memset(protos, 0, sizeof protos);
    char names[8][32];
    int np = 0;
    while (*s && np < 8) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        while (n && *s == ' ') {
            s++;
            n--;
        }
        while (n && s[n - 1] == ' ')
            n--;
        snprintf(names[np], sizeof names[np], "%.*s", (int)n, s);
        kfk_wbuf_init(&blobs[np]);
        if (subscription_blob(g, !strcmp(names[np], "cooperative-sticky"), &blobs[np]) != 0) {
            for (int i = 0; i <= np; i++)
                kfk_wbuf_free(&blobs[i]);
            return;
        }
        protos[np].name = kfk_str_c(names[np]);
        protos[np].metadata = (kfk_bytes_t){blobs[np].data, (int32_t)blobs[np].len};
        np++;
        s = comma ? comma + 1 : s + n;
    }
    kfk_join_group_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.session_timeout_ms = (int32_t)c->conf->session_timeout_ms;
    req.rebalance_timeout_ms = (int32_t)c->conf->max_poll_interval_ms;
    req.member_id = kfk_str_c(g->member_id);
    req.group_instance_id = instance_str(g);
    req.protocol_type = KFK_STR("consumer");
    req.protocols = (kfk_array_t){protos, np};
    /* The coordinator may hold JoinGroup for up to the rebalance timeout. */
    int64_t timeout = c->conf->max_poll_interval_ms + 5000;
    g->state = G_JOINING;
    g->rejoin = 0;
    kfk_err_t err = kfk__broker_request(c->coord, KFK_API_JOIN_GROUP, &req, 0, timeout, on_join, g);
    for (int i = 0; i < np; i++)
        kfk_wbuf_free(&blobs[i]);
    if (err) {
        g->state = G_IDLE;
        g->rejoin = 1;
        c->coord = NULL;
        join_failed(g);
    }
}

/* ---- sync -------------------------------------------------------------------------------------
 */

static void apply_assignment(kfk__group_t *g, const kfk_consumer_protocol_assignment_t *a) {
    kfk_consumer_t *c = g->c;
    size_t n = 0;
    for (int32_t t = 0; t < a->assigned_partitions.count; t++)
        n += (size_t)KFK_ARRAY_AT(a->assigned_partitions,
                                  kfk_consumer_protocol_assignment_topic_partition_t, t)
                 .partitions.count;
    kfk_topic_partition_t *added = kfk__calloc(n ? n : 1, sizeof *added);
    char **names = kfk__calloc(n ? n : 1, sizeof *names);
    size_t nadded = 0;
    /* What stays, what goes (cooperative: revoke those no longer assigned). */
    size_t nowned;
    kfk_topic_partition_t *owned = owned_list(c, &nowned);
    kfk_topic_partition_t *gone = kfk__calloc(nowned ? nowned : 1, sizeof *gone);
    size_t ngone = 0;
    for (size_t i = 0; owned && gone && i < nowned; i++) {
        int kept = 0;
        for (int32_t t = 0; t < a->assigned_partitions.count && !kept; t++) {
            kfk_consumer_protocol_assignment_topic_partition_t *tp = &KFK_ARRAY_AT(
                a->assigned_partitions, kfk_consumer_protocol_assignment_topic_partition_t, t);
            if (!kfk_str_eq(tp->topic, owned[i].topic))
                continue;
            for (int32_t k = 0; k < tp->partitions.count; k++)
                kept |= KFK_ARRAY_AT(tp->partitions, int32_t, k) == owned[i].partition;
        }
        if (!kept)
            gone[ngone++] = owned[i];
    }
    for (int32_t t = 0; added && names && t < a->assigned_partitions.count; t++) {
        kfk_consumer_protocol_assignment_topic_partition_t *tp = &KFK_ARRAY_AT(
            a->assigned_partitions, kfk_consumer_protocol_assignment_topic_partition_t, t);
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", tp->topic.len > 0 ? tp->topic.len : 0,
                 tp->topic.ptr ? tp->topic.ptr : "");
        for (int32_t k = 0; k < tp->partitions.count; k++) {
            int32_t id = KFK_ARRAY_AT(tp->partitions, int32_t, k);
            if (kfk__consumer_part(c, topic, id))
                continue; /* already ours (cooperative) */
            cpart_t *p = kfk__consumer_add_part(c, topic, id, KFK_OFFSET_STORED);
            if (!p)
                continue;
            names[nadded] = p->topic;
            added[nadded++] = (kfk_topic_partition_t){p->topic, id, -1};
        }
    }
    g->state = G_STABLE;
    g->last_hb_ok = uv_now(c->loop);
    c->generation = g->generation;
    for (size_t i = 0; i < c->ntopics; i++)
        kfk__follow_remember(&g->follow, c->topics[i]);
    if (ngone) {
        /* Cooperative: revoke what moved away, then rebalance again so it can move. */
        kfk__free(g->revoking);
        g->revoking = gone;
        g->nrevoking = ngone;
        gone = NULL;
        g->rejoin_after_revoke = 1;
        g->state = G_REVOKING;
        g->revoke_deadline = uv_now(c->loop) + (uint64_t)c->conf->max_poll_interval_ms;
    }
    rebalance_cb(g, KFK_REBALANCE_ASSIGNED, added, nadded);
    kfk__free(added);
    kfk__free(names);
    kfk__free(owned);
    kfk__free(gone);
    uv_timer_start(&g->hb, on_hb_timer, (uint64_t)c->conf->heartbeat_interval_ms,
                   (uint64_t)c->conf->heartbeat_interval_ms);
    kfk__consumer_kick(c);
}

static void on_sync(kfk__resp_t *resp, void *opaque) {
    kfk__group_t *g = opaque;
    kfk_consumer_t *c = g->c;
    if (c->client_closing || g->state != G_SYNCING)
        return;
    kfk_err_t err = resp->err;
    kfk_sync_group_response_t *r = resp->body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    kfk_consumer_protocol_assignment_t asg;
    int16_t av;
    if (!err && r->assignment.len >= 2)
        err = kfk_consumer_assignment_decode(r->assignment.ptr, (size_t)r->assignment.len,
                                             &resp->arena, &asg, &av);
    else if (!err)
        memset(&asg, 0, sizeof asg); /* an empty assignment */
    free_join(g);
    if (err) {
        char why[400];
        kfk__resp_cause(resp, err, why, sizeof why);
        g->state = G_IDLE;
        g->rejoin = 1;
        join_failed(g);
        if (err == KFK_ERR_UNKNOWN_MEMBER_ID)
            set_str(&g->member_id, (kfk_str_t){"", 0});
        if (coordinator_error(err))
            c->coord = NULL;
        if (err == KFK_ERR_FENCED_INSTANCE_ID || err == KFK_ERR_GROUP_AUTHORIZATION_FAILED)
            fatal(g, err, why);
        else
            kfk__consumer_group_error(c, err, 0, "%s", why);
    } else {
        g->join_failures = 0;
        kfk__consumer_group_ok(c);
        apply_assignment(g, &asg);
    }
    kfk__consumer_kick(c);
}

static void on_sync_metadata(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    (void)cl;
    (void)err;
    kfk__group_t *g = opaque;
    g->awaiting_md = 0;
    if (!g->c->client_closing && g->state == G_SYNCING)
        send_sync(g);
}

/* As leader: assignments for every member (leader.c decodes and encodes, the assignor
 * decides); returns 1 when it had to wait for metadata of a subscribed topic. */
static int leader_assignments(kfk__group_t *g, kfk_sync_group_request_assignment_t **out,
                              kfk_wbuf_t **blobs, size_t *n, kfk_err_t *errp) {
    kfk_consumer_t *c = g->c;
    kfk__leader_t l;
    kfk_err_t err = kfk__leader_read(&l, g->join, &g->join_arena);
    /* Every subscribed topic's partition count must be known. */
    kfk__assign_topic_t *topics = kfk__calloc(l.nt ? l.nt : 1, sizeof *topics);
    int missing = 0;
    if (!err && !topics)
        err = KFK_ERR__NOMEM;
    for (size_t k = 0; !err && k < l.nt; k++) {
        const kfk__topic_md_t *md = kfk__client_topic(c->cl, l.topics[k]);
        if (!md) {
            kfk__client_follow_topic(c->cl, l.topics[k]);
            missing = 1;
        }
        topics[k] = (kfk__assign_topic_t){l.topics[k], md && !md->err ? md->partition_cnt : 0};
    }
    if (!err && missing && !g->awaiting_md) {
        g->awaiting_md = 1;
        kfk__client_metadata_refresh(c->cl, l.topics, l.nt, 0, &g->mw, on_sync_metadata, g);
    }
    if (!err && !missing)
        err = kfk__assign(g->protocol, l.mem, l.nm, topics, l.nt);
    for (size_t k = 0; !err && !missing && k < l.nt; k++) {
        /* The leader follows every topic it assigned: a change makes it rejoin. */
        kfk__client_follow_topic(c->cl, l.topics[k]);
        kfk__follow_remember(&g->follow, l.topics[k]);
    }
    if (!err && !missing) {
        err = kfk__leader_encode(&l, g->join, out, blobs);
        *n = l.nm;
        if (err) {
            kfk__leader_free_assignments(*out, *blobs, l.nm);
            *out = NULL;
            *blobs = NULL;
            *n = 0;
        }
    }
    kfk__leader_free(&l);
    kfk__free(topics);
    *errp = err;
    return missing;
}

static void send_sync(kfk__group_t *g) {
    kfk_consumer_t *c = g->c;
    kfk_join_group_response_t *r = g->join;
    kfk_sync_group_request_assignment_t *asgs = NULL;
    kfk_wbuf_t *blobs = NULL;
    size_t n = 0;
    if (kfk_str_eq(r->leader, g->member_id)) {
        kfk_err_t err = KFK_ERR_NONE;
        if (leader_assignments(g, &asgs, &blobs, &n, &err))
            return; /* on_sync_metadata calls again */
        if (err) {
            kfk__log(&c->cl->log, KFK_LOG_ERR, KFK_DBG_CGRP, "group %s: assignor %s failed: %s",
                     c->conf->group_id, g->protocol, kfk_err_name(err));
            n = 0;
        }
    }
    kfk_sync_group_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.generation_id = g->generation;
    req.member_id = kfk_str_c(g->member_id);
    req.group_instance_id = instance_str(g);
    req.protocol_type = KFK_STR("consumer");
    req.protocol_name = kfk_str_c(g->protocol);
    req.assignments = (kfk_array_t){asgs, (int32_t)n};
    kfk_err_t err = KFK_ERR__TRANSPORT;
    if (c->coord && c->coord->up)
        err = kfk__broker_request(c->coord, KFK_API_SYNC_GROUP, &req, 0,
                                  c->conf->max_poll_interval_ms + 5000, on_sync, g);
    kfk__leader_free_assignments(asgs, blobs, n);
    if (err) {
        free_join(g);
        g->state = G_IDLE;
        g->rejoin = 1;
        c->coord = NULL;
    }
}

/* ---- heartbeat ----------------------------------------------------------------------------------
 */

static void on_heartbeat(kfk__resp_t *resp, void *opaque) {
    kfk__group_t *g = opaque;
    kfk_consumer_t *c = g->c;
    g->hb_in_flight = 0;
    if (c->client_closing)
        return;
    kfk_err_t err = resp->err;
    kfk_heartbeat_response_t *r = resp->body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    if (!err) {
        g->last_hb_ok = g->hb_sent; /* the coordinator saw it no earlier than that */
        return;
    }
    if (err == KFK_ERR_REBALANCE_IN_PROGRESS) {
        need_rejoin(g, "the coordinator started a rebalance");
    } else if (err == KFK_ERR_ILLEGAL_GENERATION || err == KFK_ERR_UNKNOWN_MEMBER_ID) {
        if (err == KFK_ERR_UNKNOWN_MEMBER_ID)
            set_str(&g->member_id, (kfk_str_t){"", 0});
        /* Our generation is over: the partitions are lost, not cleanly revoked. */
        size_t n;
        kfk_topic_partition_t *l = owned_list(c, &n);
        if (l)
            drop_parts(g, l, n, KFK_REBALANCE_LOST);
        kfk__free(l);
        need_rejoin(g, kfk_err_name(err));
    } else if (err == KFK_ERR_FENCED_INSTANCE_ID || err == KFK_ERR_GROUP_AUTHORIZATION_FAILED) {
        char why[400];
        fatal(g, err, kfk__resp_cause(resp, err, why, sizeof why));
    } else if (coordinator_error(err)) {
        c->coord = NULL;
    }
}

/* The session may have expired at the coordinator: no heartbeat sent within session.timeout.ms
 * has been answered (last_hb_ok is when the last answered one was sent, never later than the
 * coordinator saw it). The partitions are lost at once, before anything else can hand out
 * another batch of them: a process stopped past its session (SIGSTOP, a long pause) wakes with
 * every overdue timer due together, and the check must not wait for its turn after the
 * consumer's batch timer or for a heartbeat still in flight. Returns 1 if so. */
static int session_expired(kfk__group_t *g, uint64_t now) {
    kfk_consumer_t *c = g->c;
    if (g->state != G_STABLE && g->state != G_REVOKING)
        return 0;
    if (now - g->last_hb_ok <= (uint64_t)c->conf->session_timeout_ms) {
        /* The loop's time is that of the start of this turn: a callback before us may have
         * run long (or the process was stopped in one). Look at the clock before saying no. */
        uv_update_time(c->loop);
        now = uv_now(c->loop);
        if (now - g->last_hb_ok <= (uint64_t)c->conf->session_timeout_ms)
            return 0;
    }
    size_t n;
    kfk_topic_partition_t *l = owned_list(c, &n);
    kfk__log(&c->cl->log, KFK_LOG_WARNING, KFK_DBG_CGRP,
             "group %s: no heartbeat answered within session.timeout.ms (%llu ms since the last "
             "one was sent): partitions lost",
             c->conf->group_id, (unsigned long long)(now - g->last_hb_ok));
    if (l)
        drop_parts(g, l, n, KFK_REBALANCE_LOST);
    kfk__free(l);
    set_str(&g->member_id, (kfk_str_t){"", 0});
    need_rejoin(g, "session lost");
    return 1;
}

static void on_hb_timer(uv_timer_t *t) {
    kfk__group_t *g = t->data;
    kfk_consumer_t *c = g->c;
    if (c->client_closing || (g->state != G_STABLE && g->state != G_REVOKING))
        return;
    uint64_t now = uv_now(c->loop);
    if (session_expired(g, now))
        return;
    check_topics(g);
    if (g->hb_in_flight || (g->state != G_STABLE && g->state != G_REVOKING))
        return;
    if (!kfk__consumer_coordinator_up(c))
        return;
    kfk_heartbeat_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.generation_id = g->generation;
    req.member_id = kfk_str_c(g->member_id);
    req.group_instance_id = instance_str(g);
    if (kfk__broker_request(c->coord, KFK_API_HEARTBEAT, &req, 0, 0, on_heartbeat, g) == 0) {
        g->hb_in_flight = 1;
        g->hb_sent = now;
    }
}

/* ---- leave ------------------------------------------------------------------------------------
 */

static void on_leave(kfk__resp_t *resp, void *opaque) {
    (void)resp; /* leaving is best effort: whatever the answer, the member is gone */
    kfk__group_t *g = opaque;
    if (g->state == G_LEAVING) {
        g->state = G_CLOSED;
        if (g->hb_open && !uv_is_closing((uv_handle_t *)&g->hb))
            uv_close((uv_handle_t *)&g->hb, on_hb_closed);
    }
    if (!g->c->client_closing)
        kfk__consumer_kick(g->c);
}

static int send_leave(kfk__group_t *g) {
    kfk_consumer_t *c = g->c;
    if (is_static(g) || !g->member_id[0] || !c->coord || !c->coord->up)
        return 0;
    kfk_leave_group_request_member_identity_t me;
    memset(&me, 0, sizeof me);
    me.member_id = kfk_str_c(g->member_id);
    me.group_instance_id = (kfk_str_t){NULL, -1};
    kfk_leave_group_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.member_id = kfk_str_c(g->member_id);
    req.members = (kfk_array_t){&me, 1};
    return kfk__broker_request(c->coord, KFK_API_LEAVE_GROUP, &req, 0, 5000, on_leave, g) == 0;
}

static void group_close(kfk__group_t *g, int leave) {
    if (g->state == G_CLOSED || g->state == G_LEAVING)
        return;
    uv_timer_stop(&g->hb);
    if (leave && send_leave(g)) {
        g->state = G_LEAVING;
        return;
    }
    g->state = G_CLOSED;
    if (g->hb_open && !uv_is_closing((uv_handle_t *)&g->hb))
        uv_close((uv_handle_t *)&g->hb, on_hb_closed);
}

/* ---- the driver --------------------------------------------------------------------------------
 */

static void group_commit_failed(kfk__group_t *g, kfk_err_t err) {
    if (err == KFK_ERR_REBALANCE_IN_PROGRESS || err == KFK_ERR_ILLEGAL_GENERATION ||
        err == KFK_ERR_UNKNOWN_MEMBER_ID)
        need_rejoin(g, kfk_err_name(err));
}

static void group_batches_done(kfk__group_t *g) {
    if (g->left_poll && kfk__consumer_busy_parts(g->c) == 0) {
        g->left_poll = 0;
        need_rejoin(g, "batches done after max.poll.interval.ms");
    }
    kfk__consumer_kick(g->c);
}

static void group_run(kfk__group_t *g) {
    kfk_consumer_t *c = g->c;
    uint64_t now = uv_now(c->loop);
    if (g->state == G_CLOSED || g->state == G_LEAVING || c->closing || c->fatal)
        return;
    /* A batch older than max.poll.interval.ms: leave the group, as Java's consumer does. */
    for (struct kfk_batch *b = c->outstanding; b; b = b->next)
        if (!g->left_poll && g->state == G_STABLE &&
            now - b->delivered_ms > (uint64_t)c->conf->max_poll_interval_ms) {
            kfk__log(&c->cl->log, KFK_LOG_WARNING, KFK_DBG_CGRP,
                     "group %s: a batch was not done within max.poll.interval.ms: leaving",
                     c->conf->group_id);
            size_t n;
            kfk_topic_partition_t *l = owned_list(c, &n);
            send_leave(g);
            if (l)
                drop_parts(g, l, n, KFK_REBALANCE_LOST);
            kfk__free(l);
            set_str(&g->member_id, (kfk_str_t){"", 0});
            g->state = G_IDLE;
            g->left_poll = 1;
            return;
        }
    if (g->left_poll || session_expired(g, now))
        return;
    kfk__follow_refresh(&g->follow, now);
    check_topics(g);
    if (g->state == G_REVOKING) {
        /* Wait (bounded) for the batches of the partitions being revoked. */
        const kfk_topic_partition_t *l = g->rejoin_after_revoke ? g->revoking : NULL;
        size_t n = g->rejoin_after_revoke ? g->nrevoking : 0;
        if (!revoke_ready(g, l, n) && now < g->revoke_deadline)
            return;
        if (kfk__consumer_revoke_commit_wait(c, &g->revoke_commit_sent, now, g->revoke_deadline))
            return;
        g->revoke_commit_sent = 0;
        size_t nr;
        kfk_topic_partition_t *rl = NULL;
        if (g->rejoin_after_revoke) {
            rl = g->revoking;
            nr = g->nrevoking;
            g->revoking = NULL;
            g->nrevoking = 0;
        } else {
            rl = owned_list(c, &nr);
        }
        if (rl)
            drop_parts(g, rl, nr, KFK_REBALANCE_REVOKED);
        kfk__free(rl);
        g->rejoin_after_revoke = 0;
        g->state = G_IDLE;
        g->rejoin = 1;
    }
    if (g->state == G_IDLE && (g->rejoin || g->generation < 0 || g->member_id[0] == 0)) {
        if (!g->cooperative && c->nparts > 0) {
            /* Eager: give everything back before joining again. */
            g->state = G_REVOKING;
            g->revoke_deadline = now + (uint64_t)c->conf->max_poll_interval_ms;
            kfk__consumer_kick(c);
            return;
        }
        if (now < g->join_at) {
            kfk__consumer_arm(c, g->join_at); /* backing off after a failed join */
            return;
        }
        if (kfk__follow_waiting(&g->follow))
            return; /* on_pattern_md kicks the consumer once the topics are known */
        send_join(g);
    }
}

/* ---- the consumer's side ------------------------------------------------------------------------
 */

static const kfk__group_ops_t group_ops = {
    .run = group_run,
    .batches_done = group_batches_done,
    .commit_failed = group_commit_failed,
    .stable = group_stable,
    .state_name = group_state_name,
    .close = group_close,
    .closed = group_closed,
    .free = group_free,
};

/* Subscribing makes the consumer a group member: this file's member drives its partitions.
 * Entries starting with '^' are patterns (kfk.h); a new subscription of a member that joined
 * already makes it rejoin. */
kfk_err_t kfk_consumer_subscribe(kfk_consumer_t *c, const char *const *topics, size_t n) {
    if (!c || c->closing)
        return KFK_ERR__DESTROYED;
    if (!c->conf->group_id[0])
        return KFK_ERR__INVALID_CONF;
    if (c->nparts && !c->subscribed)
        return KFK_ERR__STATE;
    if (!n || !topics)
        return KFK_ERR__INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!topics[i] || !topics[i][0])
            return KFK_ERR__INVALID_ARG;
    if (c->conf->group_protocol == KFK__GROUP_PROTOCOL_CONSUMER)
        return kfk__cgroup_subscribe(c, topics, n);
    int joined = c->group && c->group->generation >= 0;
    if (!c->group) {
        kfk_err_t err = group_new(c, &c->group);
        if (err)
            return err;
        c->group_ops = &group_ops;
    }
    kfk__group_t *g = c->group;
    kfk_err_t err = kfk__follow_subscribe(&g->follow, c, topics, n);
    if (err)
        return err;
    c->subscribed = 1;
    if (joined)
        need_rejoin(g, "the subscription changed");
    kfk__consumer_refresh_metadata(c);
    kfk__consumer_kick(c);
    return KFK_ERR_NONE;
}
